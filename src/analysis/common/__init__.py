"""Shared basics: German number formats, ids and natural sort, errors, text checks, sealed files."""
