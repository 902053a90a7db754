"""German prose blocks for notebook outputs (escaped HTML paragraphs and lists)."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Prose:
    """Paragraphs (and optional bullet list) computed from numbers; shows as HTML."""

    paragraphs: tuple[str, ...]
    items: tuple[str, ...] = ()
    css_class: str = "prose"

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(p)}</p>" for p in self.paragraphs]
        if self.items:
            lis = "".join(f"<li>{html.escape(i)}</li>" for i in self.items)
            parts.append(f"<ul>{lis}</ul>")
        return f'<div class="{self.css_class}">' + "".join(parts) + "</div>"

    def __str__(self) -> str:
        return "\n\n".join([*self.paragraphs, *("- " + i for i in self.items)])


def prose(*paragraphs: str, items: list[str] | tuple[str, ...] = ()) -> Prose:
    """Build a :class:`Prose` block, dropping empty paragraphs."""
    return Prose(tuple(p for p in paragraphs if p), tuple(items))


def notice(text: str) -> Prose:
    """A highlighted hint box (e.g. suggestions, caveats)."""
    return Prose((text,), css_class="hinweis")


@dataclass(frozen=True)
class Stack:
    """Several outputs of one notebook cell shown one after the other (e.g. a note on
    missing inputs above a table)."""

    parts: tuple

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self.parts)
