"""Rendering: tables, figures, maps, prose blocks and the assembly of pages."""
