"""Qualitative findings: small Markdown files with a YAML front matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import schema as S
from .errors import Problem

SOURCE_TYPES = ("Sozialraumkonferenz", "Fachgespräch", "Befragung", "Lenkungskreis")


@dataclass(frozen=True)
class Note:
    """One qualitative finding (Befund) from a conference or expert talk."""

    file: str
    title: str
    areas: tuple[str, ...]
    ags: str | None
    field: str
    date: str
    source: str
    text: str


def _problem(file: str, line: int | None, key: str | None, value, msg: str, hint: str) -> Problem:
    return Problem(f"{S.NOTES_DIR}/{file}", line, key, None if value is None else str(value),
                   msg, hint)


def parse_note(path: Path, areas: set[str], ags: set[str]) -> tuple[Note | None, list[Problem]]:
    """Parse one note file; return the note or the problems found."""
    name = path.name
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, [_problem(name, 1, None, None, "Kopfbereich (Front Matter) fehlt",
                               "Datei mit einer Zeile „---“ beginnen, Felder eintragen, "
                               "mit „---“ abschließen")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return None, [_problem(name, 1, None, None, "Kopfbereich wird nicht mit „---“ beendet",
                               "nach den Feldern eine Zeile „---“ einfügen")]
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        return None, [_problem(name, None if line is None else line + 2, None, None,
                               "Kopfbereich ist kein gültiges YAML",
                               "Form „feld: wert“ je Zeile verwenden")]
    if not isinstance(meta, dict):
        return None, [_problem(name, 2, None, None, "Kopfbereich ist keine Liste von Feldern",
                               "Form „feld: wert“ je Zeile verwenden")]
    problems = []
    for key in meta:
        if key not in S.NOTE_FIELDS:
            problems.append(_problem(name, None, key, None, "unbekanntes Feld im Kopfbereich",
                                     "erlaubt: " + ", ".join(S.NOTE_FIELDS)))
    for key in ("titel", "handlungsfeld", "datum", "quelle"):
        if not meta.get(key):
            problems.append(_problem(name, None, key, None, "Pflichtfeld fehlt im Kopfbereich",
                                     f"„{key}: …“ ergänzen ({S.NOTE_FIELDS[key]})"))
    field = meta.get("handlungsfeld")
    if field and field not in S.FIELD_IDS:
        problems.append(_problem(name, None, "handlungsfeld", field, "unbekanntes Handlungsfeld",
                                 "erlaubt: " + ", ".join(S.FIELD_IDS)))
    raw_date = meta.get("datum")
    if raw_date and not isinstance(raw_date, dt.date):
        try:
            dt.date.fromisoformat(str(raw_date))
        except ValueError:
            problems.append(_problem(name, None, "datum", raw_date, "kein Datum",
                                     "Form JJJJ-MM-TT verwenden, z. B. 2021-05-17"))
    source = meta.get("quelle")
    if source and source not in SOURCE_TYPES:
        problems.append(_problem(name, None, "quelle", source, "unbekannte Art der Quelle",
                                 "erlaubt: " + ", ".join(SOURCE_TYPES)))
    note_areas = tuple(a.strip() for a in str(meta.get("sozialraum") or "").split("|")
                       if a.strip())
    for a in note_areas:
        if a not in areas:
            problems.append(_problem(name, None, "sozialraum", a, "unbekannter Sozialraum",
                                     "Kennung aus sozialraeume.csv verwenden"))
    note_ags = meta.get("ags")
    if note_ags is not None and str(note_ags) not in ags:
        problems.append(_problem(name, None, "ags", note_ags, "unbekannte Kommune (AGS)",
                                 "AGS als Text in Anführungszeichen, z. B. ags: \"05334002\""))
    if not note_areas and note_ags is None:
        problems.append(_problem(name, None, "sozialraum", None,
                                 "weder Sozialraum noch Kommune angegeben",
                                 "„sozialraum:“ oder „ags:“ ergänzen"))
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        problems.append(_problem(name, None, None, None, "Befund hat keinen Text",
                                 "unter dem Kopfbereich den Befund beschreiben"))
    if problems:
        return None, problems
    return Note(name, str(meta["titel"]), note_areas, None if note_ags is None else str(note_ags),
                str(field), str(raw_date), str(source), body), []


def read_notes(folder: Path, areas: set[str], ags: set[str]) -> tuple[list[Note], list[Problem]]:
    """Read every ``*.md`` note in ``folder`` (sorted by name); missing folder = no notes."""
    if not folder.is_dir():
        return [], []
    notes, problems = [], []
    for path in sorted(folder.glob("*.md")):
        note, probs = parse_note(path, areas, ags)
        problems += probs
        if note is not None:
            notes.append(note)
    return notes, problems
