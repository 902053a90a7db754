"""User-facing errors: every problem names file, row, column, value and the fix."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.common.textcheck import FORBIDDEN_RE

_NEWLINES = re.compile(r"[\r\n\t]")


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file.

    ``row`` is the row number as the user sees it in Excel (header = row 1), or
    ``None`` when the problem concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""

    def format(self) -> str:
        """One readable German line: ``datei.csv, Zeile 5, Spalte „x“: Wert „-3“ – … → Lösung``."""
        where = [self.file]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column:
            where.append(f"Spalte „{self.column}“")
        text = ", ".join(where) + ": "
        if self.value is not None:
            shown = _visible(str(self.value))
            if len(shown) > 60:
                shown = shown[:57] + "…"
            text += f"Wert „{shown}“ – "
        text += self.message
        if self.hint:
            text += f" → {self.hint}"
        return text


class UserError(Exception):
    """An error caused by input or usage; the CLI prints it without traceback."""


class DataContractError(UserError):
    """Input data violate the data contract; carries all problems found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__(self.format())

    def format(self, limit: int = 200) -> str:
        lines = [p.format() for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"… und {len(self.problems) - limit} weitere Probleme.")
        head = f"{len(self.problems)} Problem(e) in den Eingabedaten gefunden:"
        return "\n".join([head, *("  - " + line for line in lines)])


class ConfigError(UserError):
    """The report configuration is invalid."""


def _visible(value: str) -> str:
    """A value as it may be printed: control, direction and invisible characters as
    ``<U+202E>``, so that a message cannot reorder or hide what it shows."""
    return FORBIDDEN_RE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>",
                            _NEWLINES.sub(" ", value))


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.message)
