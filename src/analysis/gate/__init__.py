"""The disclosure gate: every published number passes here (primary and secondary suppression, audit)."""
