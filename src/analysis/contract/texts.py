"""Wording the planners edit: Markdown text files with placeholders for computed values.

Chapter prose that depends on the region or on a field of action lives in text files
next to the configuration (``config/texte/`` by default, key ``texte`` in
``report.yaml``), not in Python and not in a notebook per field. A text is Markdown;
``{name}`` inserts a value the package computes (``{region}``, ``{berichtsjahr}``,
``{titel}`` …), ``{{`` and ``}}`` write literal braces; count forms such as
``{n, plural, =0 {kein Sozialraum} one {ein Sozialraum} other {# Sozialräume}}`` choose
the words by a count (:mod:`analysis.contract.templates`). Which names a text may use is
listed in the README of the text folder; an unknown name or a missing file is a located
error when the configuration is checked (``make validate``), never a build failure.

A rendered text is shown in a notebook as Markdown, exactly like a Markdown cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.common.errors import ConfigError
from analysis.contract.templates import Template, TemplateError, located, parse

MAX_TEXT_BYTES = 200_000  # a chapter text is a few paragraphs; refuse anything huge


@dataclass(frozen=True)
class TextBlock:
    """Rendered Markdown; displays in a notebook like a Markdown cell."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def parse_template(template: str, source: str = "Text", line: int = 1) -> Template:
    """The parsed template (:mod:`analysis.contract.templates`); a malformed one is a
    :class:`ConfigError` naming ``source``, the line, the placeholder and the fix."""
    try:
        return parse(template, source, line)
    except TemplateError as err:
        raise ConfigError(located(err, template, source, line)) from None


def placeholders(template: str, source: str = "Text") -> list[str]:
    """The placeholder names of ``template`` (nested ones too) in order of first use.

    Raises :class:`ConfigError` for malformed braces or forms, or anything other than a
    plain name (no attribute or index access, no Python format spec).
    """
    return parse_template(template, source).names()


def render(template: str, values: Mapping[str, object], source: str = "Text") -> TextBlock:
    """Insert ``values`` into ``template``; an unknown placeholder is a ConfigError."""
    parsed = parse_template(template, source)
    unknown = [n for n in parsed.names() if n not in values]
    if unknown:
        raise ConfigError(_unknown_message(source, unknown, values))
    try:
        return TextBlock(parsed.render(values))
    except TemplateError as err:  # e.g. a count form on a value that is no count
        raise ConfigError(located(err, template, source)) from None


def check(template: str, allowed: Iterable[str] | Mapping[str, object], source: str,
          line: int = 1) -> list[str]:
    """Problems of a template (German, one per line item); empty if it is fine.
    ``allowed``: the names it may use, or a mapping name → kind of value (see
    :meth:`analysis.contract.templates.Template.problems`) to check the forms too."""
    try:
        parsed = parse_template(template, source, line)
    except ConfigError as err:
        return [str(err)]
    if isinstance(allowed, Mapping):
        return parsed.problems(allowed)
    allowed = list(allowed)
    unknown = [n for n in parsed.names() if n not in allowed]
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


def blocks(text: str, source: str) -> dict[str, tuple[str, int]]:
    """A file of text blocks (Satzbausteine): ``## <name>`` headings, each followed by the
    block's text up to the next heading. Returns name → (text, number of its first line).
    Anything before the first heading and lines starting with ``<!--`` (comments for the
    planners) are ignored; a heading twice is a :class:`ConfigError` with its line."""
    out: dict[str, tuple[str, int]] = {}
    name, start, body = None, 0, []

    def close() -> None:
        if name is not None:
            out[name] = ("\n".join(body).rstrip(), start)

    for no, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("## "):
            close()
            name, start, body = raw[3:].strip(), no + 1, []
            if name in out:
                raise ConfigError(f"{source}, Zeile {no}: Abschnitt „## {name}“ steht zweimal "
                                  "– einen davon löschen")
            continue
        if name is None:
            continue
        if raw.lstrip().startswith("<!--"):
            body.append("")  # keep the line numbers
            continue
        body.append(raw)
    close()
    # the first line of a block is the first non-empty one
    return {k: (t.lstrip("\n"), s + len(t) - len(t.lstrip("\n"))) for k, (t, s) in out.items()}


def paragraphs(rendered: str) -> list[str]:
    """A rendered block as paragraphs: split at blank lines, line breaks and runs of
    spaces inside a paragraph become one space (so an empty count form leaves no gap)."""
    import re

    out = []
    for part in re.split(r"\n[ \t]*\n", rendered):
        p = re.sub(r"[ \t\n]+", " ", part).strip()
        if p:
            out.append(p)
    return out
