"""Qualitative findings: small Markdown files with a YAML front matter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.common import safeyaml
from analysis.common.errors import DataContractError, Problem
from analysis.common.textcheck import text_problem
from analysis.contract import schema as S
from analysis.contract.inputfiles import TEXT_FILE_LIMIT, read_input

# kinds of source of a qualitative finding: generic terms of German social planning
# (a region's own body, e.g. "Lenkungskreis" or "Arbeitskreis", is one of them)
SOURCE_TYPES = ("Sozialraumkonferenz", "Fachgespräch", "Befragung", "Beteiligungsformat",
                "Werkstatt", "Runder Tisch", "Arbeitskreis", "Lenkungskreis", "Steuerungsgremium")


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


def _key_lines(front: list[str]) -> dict[str, int]:
    """Line number (in the file) of each top-level ``key:`` of the front matter."""
    out: dict[str, int] = {}
    for i, line in enumerate(front):
        m = re.match(r"^([^\s#:][^:]*):", line)
        if m:
            out.setdefault(m.group(1).strip().strip("\"'"), i + 2)
    return out


def parse_note(path: Path, areas: set[str], ags: set[str], root: Path | None = None
               ) -> tuple[Note | None, list[Problem]]:
    """Parse one note file; return the note or the problems found.

    The file must be a regular file inside ``root`` (default: the data folder above
    ``befunde/``) of at most 1 MB; every text in it is checked like a table cell.
    """
    name = path.name
    try:
        raw = read_input(path, path.parent.parent if root is None else root,
                         f"{S.NOTES_DIR}/{name}", TEXT_FILE_LIMIT)
    except DataContractError as err:
        return None, list(err.problems)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        return None, [_problem(name, None, None, None, "Datei ist in UTF-16 gespeichert",
                               "als UTF-8-Text speichern")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # saved by an old Windows editor
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
        meta = safeyaml.load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        # an unclosed bracket or quote is noticed later; point at where it starts
        mark = getattr(exc, "problem_mark", None)
        if "block" not in str(getattr(exc, "context", None) or "block"):
            mark = getattr(exc, "context_mark", None) or mark
        line = getattr(mark, "line", None)
        refused = safeyaml.refused(exc)
        return None, [_problem(name, None if line is None else line + 2, None, None,
                               f"Kopfbereich: {refused}" if refused
                               else "Kopfbereich ist kein gültiges YAML",
                               "Werte ausschreiben (keine Anker &… und Aliase *…)" if refused
                               else "Form „feld: wert“ je Zeile verwenden")]
    except ValueError:  # YAML reads 2021-13-45 as a date and fails
        line_of = _key_lines(lines[1:end])
        shown = next((ln.split(":", 1)[1].strip() for ln in lines[1:end]
                      if ln.startswith("datum:")), None)
        return None, [_problem(name, line_of.get("datum"), "datum", shown,
                               "kein gültiges Datum",
                               "Form JJJJ-MM-TT verwenden, z. B. 2021-05-17")]
    if not isinstance(meta, dict):
        return None, [_problem(name, 2, None, None, "Kopfbereich ist keine Liste von Feldern",
                               "Form „feld: wert“ je Zeile verwenden")]
    meta = {str(k): v for k, v in meta.items()}
    line_of = _key_lines(lines[1:end])
    problems = []
    for key, value in meta.items():
        for text in (key, *_strings(value)):
            found = text_problem(text)
            if found is not None:
                problems.append(_problem(name, line_of.get(key), key, text, found[1], found[2]))
                break
    for key in meta:
        if key not in S.NOTE_FIELDS:
            problems.append(_problem(name, line_of.get(key), key, None,
                                     "unbekanntes Feld im Kopfbereich",
                                     "erlaubt: " + ", ".join(S.NOTE_FIELDS)))
    for key in ("titel", "handlungsfeld", "datum", "quelle"):
        if not meta.get(key):
            problems.append(_problem(name, line_of.get(key), key, None,
                                     "Pflichtfeld fehlt im Kopfbereich",
                                     f"„{key}: …“ ergänzen ({S.NOTE_FIELDS[key]})"))
    field = meta.get("handlungsfeld")
    if field and not S.is_id(str(field)):
        problems.append(_problem(name, line_of.get("handlungsfeld"), "handlungsfeld", field,
                                 "keine gültige Kennung eines Handlungsfelds",
                                 "Kennung aus handlungsfelder in config/report.yaml (a–z, 0–9, _)"))
    raw_date = meta.get("datum")
    if isinstance(raw_date, dt.datetime):
        raw_date = raw_date.date()
    if raw_date and not isinstance(raw_date, dt.date):
        try:
            dt.date.fromisoformat(str(raw_date))
        except ValueError:
            problems.append(_problem(name, line_of.get("datum"), "datum", raw_date, "kein Datum",
                                     "Form JJJJ-MM-TT verwenden, z. B. 2021-05-17"))
    source = meta.get("quelle")
    if source and str(source) not in SOURCE_TYPES:
        problems.append(_problem(name, line_of.get("quelle"), "quelle", source,
                                 "unbekannte Art der Quelle",
                                 "erlaubt: " + ", ".join(SOURCE_TYPES)))
    raw_areas = meta.get("sozialraum") or ""
    listed = raw_areas if isinstance(raw_areas, list | tuple) else [raw_areas]
    # an unquoted code such as 0110 is read by YAML as a number (leading zeros lost)
    unquoted = any(not isinstance(a, str) for a in listed)
    if isinstance(raw_areas, list | tuple):  # YAML list instead of "A|B"
        raw_areas = "|".join(str(a) for a in raw_areas)
    note_areas = tuple(a.strip() for a in str(raw_areas).split("|") if a.strip())
    for a in note_areas:
        if a not in areas:
            problems.append(_problem(name, line_of.get("sozialraum"), "sozialraum", a,
                                     "unbekannter Sozialraum",
                                     "Kennung in Anführungszeichen setzen, z. B. sozialraum: "
                                     "\"0110\" (ohne werden führende Nullen entfernt)"
                                     if unquoted else "Kennung aus sozialraeume.csv verwenden"))
    note_ags = meta.get("ags")
    if note_ags is not None and str(note_ags) not in ags:
        problems.append(_problem(name, line_of.get("ags"), "ags", note_ags,
                                 "unbekannte Kommune",
                                 "Kennung der Kommune aus kommunen.csv als Text in "
                                 "Anführungszeichen, z. B. ags: \"05334002\""))
    if not note_areas and note_ags is None:
        problems.append(_problem(name, None, "sozialraum", None,
                                 "weder Sozialraum noch Kommune angegeben",
                                 "„sozialraum:“ oder „ags:“ ergänzen"))
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        problems.append(_problem(name, None, None, None, "Befund hat keinen Text",
                                 "unter dem Kopfbereich den Befund beschreiben"))
    for n, line in enumerate(lines[end + 1:], start=end + 2):
        found = text_problem(line)
        if found is not None:
            problems.append(_problem(name, n, "Text", line, found[1], found[2]))
    if problems:
        return None, problems
    return Note(name, str(meta["titel"]), note_areas, None if note_ags is None else str(note_ags),
                str(field), str(raw_date), str(source), body), []


def _strings(value) -> list[str]:
    """Every string in a front-matter value (nested lists and mappings included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def read_notes(folder: Path, areas: set[str], ags: set[str], root: Path | None = None
               ) -> tuple[list[Note], list[Problem]]:
    """Read every ``*.md`` note in ``folder`` (sorted by name); missing folder = no notes.

    ``root`` is the data folder (default: the parent of ``folder``); notes must lie in it.
    """
    if not folder.is_dir():
        return [], []
    notes, problems = [], []
    for path in sorted(folder.glob("*.md")):
        note, probs = parse_note(path, areas, ags, folder.parent if root is None else root)
        problems += probs
        if note is not None:
            notes.append(note)
    return notes, problems
