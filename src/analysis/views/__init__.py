"""Views a chapter notebook calls: one per report, built only from gated values."""
