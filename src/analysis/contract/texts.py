"""Wording the planners edit: Markdown text files with placeholders for computed values.

Chapter prose that depends on the region or on a field of action lives in text files
next to the configuration (``config/texte/`` by default, key ``texte`` in
``report.yaml``), not in Python and not in a notebook per field. A text is Markdown;
``{name}`` inserts a value the package computes (``{region}``, ``{berichtsjahr}``,
``{titel}`` …), ``{{`` and ``}}`` write literal braces. Which names a text may use is
listed in the README of the text folder; an unknown name or a missing file is a located
error when the configuration is checked (``make validate``), never a build failure.

A rendered text is shown in a notebook as Markdown, exactly like a Markdown cell.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.common.errors import ConfigError

MAX_TEXT_BYTES = 200_000  # a chapter text is a few paragraphs; refuse anything huge
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class TextBlock:
    """Rendered Markdown; displays in a notebook like a Markdown cell."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def placeholders(template: str, source: str = "Text") -> list[str]:
    """The placeholder names of ``template`` in order of first use.

    Raises :class:`ConfigError` for malformed braces, format specs or anything other
    than a plain name (no attribute or index access).
    """
    names: list[str] = []
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as err:
        raise ConfigError(f"{source}: geschweifte Klammern passen nicht zusammen ({err}); "
                          "für eine wörtliche Klammer „{{“ bzw. „}}“ schreiben") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ConfigError(f"{source}: Platzhalter „{{{name}{'!' + conversion if conversion else ''}"
                              f"{':' + spec if spec else ''}}}“ ist nicht erlaubt – nur "
                              "einfache Namen wie {region}")
        if name not in names:
            names.append(name)
    return names


def render(template: str, values: Mapping[str, object], source: str = "Text") -> TextBlock:
    """Insert ``values`` into ``template``; an unknown placeholder is a ConfigError."""
    unknown = [n for n in placeholders(template, source) if n not in values]
    if unknown:
        raise ConfigError(_unknown_message(source, unknown, values))
    return TextBlock(template.format_map({k: str(v) for k, v in values.items()}))


def check(template: str, allowed: Iterable[str], source: str) -> list[str]:
    """Problems of a template (German, one per line item); empty if it is fine."""
    allowed = list(allowed)
    try:
        names = placeholders(template, source)
    except ConfigError as err:
        return [str(err)]
    unknown = [n for n in names if n not in allowed]
    return [_unknown_message(source, unknown, dict.fromkeys(allowed))] if unknown else []


def read_text(path: Path, source: str) -> str:
    """A text file (UTF-8, optional BOM), bounded in size; located errors."""
    if not path.is_file():
        raise ConfigError(f"{source}: Textdatei fehlt – anlegen (Markdown, UTF-8) oder den "
                          "Eintrag in der Konfiguration korrigieren")
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise ConfigError(f"{source}: Textdatei ist größer als {MAX_TEXT_BYTES // 1000} kB – "
                          "ein Kapiteltext ist ein paar Absätze lang")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{source}: keine UTF-8-Datei (Byte {err.start}) – als UTF-8 "
                          "speichern") from None
    return text.replace("\r\n", "\n").strip() + "\n"


def _unknown_message(source: str, unknown: list[str], values: Mapping[str, object]) -> str:
    names = ", ".join("{" + n + "}" for n in unknown)
    known = ", ".join("{" + n + "}" for n in sorted(values))
    return (f"{source}: unbekannter Platzhalter {names} – verfügbar sind {known}; "
            "für eine wörtliche Klammer „{{“ bzw. „}}“ schreiben")


def sections(text: str, source: str, lines: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """A text of several sections: ``## <id>`` headings, each with lines that start with
    the labels in ``lines`` (e.g. ``Empfehlung:``, ``Nächster Schritt:``) and, if given,
    in ``optional`` (e.g. ``Titel:``); a line without a label continues the previous one.
    Anything before the first heading (a comment for the planners) is ignored. Raises
    :class:`ConfigError` with the section named when a required label is missing or a
    label doubled.
    """
    known = (*lines, *optional)
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    last = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            name = line[3:].strip()
            if name in out:
                raise ConfigError(f"{source}: Abschnitt „## {name}“ steht zweimal")
            current, last = out.setdefault(name, {}), ""
            continue
        if current is None or not line or line.startswith("<!--"):
            continue
        label = next((lab for lab in known if line.startswith(lab + ":")), None)
        if label is not None:
            if label in current:
                raise ConfigError(f"{source}, Abschnitt „## {name}“: Zeile „{label}:“ steht "
                                  "zweimal")
            current[label] = line[len(label) + 1:].strip()
            last = label
        elif last:
            current[last] += " " + line
        else:
            raise ConfigError(f"{source}, Abschnitt „## {name}“: Zeile „{line[:40]}“ – "
                              f"jede Zeile beginnt mit {' oder '.join(x + ':' for x in known)}")
    for name, parts in out.items():
        for lab in lines:
            if not parts.get(lab):
                raise ConfigError(f"{source}, Abschnitt „## {name}“: Zeile „{lab}: …“ fehlt")
    return out
