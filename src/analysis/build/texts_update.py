"""Bring a region's own text folder up to date with the program's text blocks.

The sentence files (``satzbausteine.md``, ``satzbausteine_bericht.md``) and the wording
of the recommendations (``empfehlungen.md``) are files of ``## <name>`` blocks. Every
block is required: a report never falls back silently to the program's wording, because
that wording names things a region must decide for itself (its committee, its own
offices) and would mix foreign prose into a region's report. When a new version of the
program brings a new block, ``python -m analysis texte`` lists what the region's folder
lacks, and ``--ergaenzen`` copies the missing blocks from the program's folder into the
region's files, each marked for review (:data:`MARK`). Nothing else in the files changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.common.errors import ConfigError, UserError
from analysis.contract.config import (
    RECOMMENDATION_SLOTS,
    RECOMMENDATION_TEXT,
    SENTENCE_FILES,
    ReportConfig,
)

#: the text folder shipped with the program
PROGRAM_TEXTS = Path(__file__).resolve().parents[3] / "config" / "texte"
#: the comment put under the heading of each copied block (a comment line is ignored
#: by the reports); ``texte`` lists the blocks that still carry it
MARK = ("<!-- aus der Programmvorlage übernommen (python -m analysis texte --ergaenzen): "
        "prüfen, an die eigene Region anpassen, dann diese Zeile löschen -->")


def block_files() -> dict[str, tuple[str, ...]]:
    """Each file of blocks → the block names every region's file must have."""
    out = {name: tuple(slots) for name, slots in SENTENCE_FILES.items()}
    out[RECOMMENDATION_TEXT] = tuple(RECOMMENDATION_SLOTS)
    return out


def raw_blocks(text: str) -> dict[str, str]:
    """The blocks of a file as written: name → the lines from its heading up to the next
    heading (trailing blank lines dropped). Text before the first heading is left out."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), [])
        if current is not None:
            current.append(line)
    return {k: "\n".join(v).rstrip() for k, v in out.items()}


@dataclass(frozen=True)
class FileStatus:
    """One file of blocks in the region's text folder."""

    name: str
    path: Path
    exists: bool
    missing: tuple[str, ...]      # required blocks the region's file lacks
    unreviewed: tuple[str, ...]   # blocks still marked as copied from the program


def _read(path: Path, source: str) -> str:
    from analysis.contract.texts import read_text

    try:
        return read_text(path, source)
    except ConfigError as err:
        raise UserError(str(err)) from None


def status(cfg: ReportConfig, config_path: Path) -> list[FileStatus]:
    """What each file of blocks in the region's folder lacks or has not reviewed yet."""
    out = []
    for name, required in block_files().items():
        path = cfg.text_path(config_path, name)
        if not path.exists():
            out.append(FileStatus(name, path, False, required, ()))
            continue
        found = raw_blocks(_read(path, f"Text {cfg.texte}/{name}"))
        out.append(FileStatus(
            name, path, True, tuple(b for b in required if b not in found),
            tuple(b for b, body in found.items() if MARK in body)))
    return out


def complete(cfg: ReportConfig, config_path: Path, program: Path = PROGRAM_TEXTS
             ) -> dict[str, tuple[str, ...]]:
    """Append each missing block from the program's files to the region's files (a missing
    file is copied whole); returns file → the blocks added. Each file is written
    atomically; a block the program's file lacks too is an error, and nothing is written."""
    from analysis.common.trust import write_atomic

    plan: list[tuple[Path, str, tuple[str, ...]]] = []
    for st in status(cfg, config_path):
        if not st.missing:
            continue
        shipped_path = program / st.name
        if shipped_path.resolve() == st.path.resolve():
            continue
        shipped = _read(shipped_path, f"Programmvorlage config/texte/{st.name}")
        have = raw_blocks(shipped)
        lacking = [b for b in st.missing if b not in have]
        if lacking:
            raise UserError(f"Programmvorlage config/texte/{st.name}: Abschnitt "
                            f"„## {lacking[0]}“ fehlt auch dort – Programm neu auschecken; "
                            "nichts geändert.")
        if st.exists:
            text = _read(st.path, f"Text {cfg.texte}/{st.name}").rstrip("\n") + "\n"
        else:
            text = shipped.split("\n## ", 1)[0].rstrip("\n") + "\n" if "\n## " in shipped else ""
        for b in st.missing:
            head, _, rest = have[b].partition("\n")
            text += f"\n{head}\n{MARK}\n{rest}\n"
        plan.append((st.path, text, st.missing))
    for path, text, _ in plan:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("utf-8"), public=True)
        except OSError as err:
            raise UserError(f"Textdatei {path.name}: kann nicht geschrieben werden "
                            f"({err.strerror or type(err).__name__}) – Schreibrechte des "
                            "Textordners prüfen.") from None
    return {path.name: added for path, _, added in plan}


def report(cfg: ReportConfig, config_path: Path, add: bool) -> tuple[str, int]:
    """The command's message and exit code: 0 when every block is there (after adding,
    if ``add``), 2 when blocks are still missing."""
    lines = []
    if add:
        for name, added in complete(cfg, config_path).items():
            what = "ein Abschnitt" if len(added) == 1 else f"{len(added)} Abschnitte"
            lines.append(f"{cfg.texte}/{name}: {what} aus der Programmvorlage ergänzt – "
                         + ", ".join(f"„## {b}“" for b in added))
    missing = False
    for st in status(cfg, config_path):
        if st.missing:
            missing = True
            lines.append(f"{cfg.texte}/{st.name}: es fehlen " + ", ".join(
                f"„## {b}“" for b in st.missing)
                + " – mit „python -m analysis texte --ergaenzen“ aus der Programmvorlage übernehmen")
        if st.unreviewed:
            lines.append(f"{cfg.texte}/{st.name}: noch nicht geprüft (aus der Vorlage übernommen): "
                         + ", ".join(f"„## {b}“" for b in st.unreviewed))
    if not lines:
        lines.append(f"Textordner {cfg.texte}: alle Satzbausteine vorhanden.")
    return "\n".join(lines), 2 if missing else 0
