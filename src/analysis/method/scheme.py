"""Configurable index schemes (Indexschemata): z-scores, weighted aggregate, classes.

One YAML file (``config/schemes/*.yaml``) describes an index: which indicators
(columns) enter, their direction and weight, whether the aggregate is a sum or a
mean, whether it is z-standardised again, and the class thresholds. The Berlin
*Monitoring Soziale Stadtentwicklung* status index is the worked example
(``config/schemes/mss-status.yaml``); ``docs/index-schemes.md`` documents the format.

Formulas (per indicator *i*, area *a*)::

    z_i(a)  = direction_i * (x_i(a) - mean_i) / sd_i      (standardise: yes)
    z_i(a)  = direction_i * x_i(a)                          (standardise: no)
    sum     = Σ_i w_i * z_i(a)
    mean    = Σ_i w_i * z_i(a) / Σ_i w_i
    index   = zscore(aggregate)                             (restandardise: yes)

Means and SDs are unweighted over all areas with a value (SD with the scheme's
``ddof``; 0 = population SD). An area missing any indicator gets no index and no
class and does not enter the re-standardisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.common import safeyaml
from analysis.common.errors import ConfigError, UserError
from analysis.contract.inputfiles import read_text_file
from analysis.method.indices import zscores

INDEX = "index"  # output column: the (re-standardised) index value
CLASS = "klasse"  # output column: class label, "" when the index is missing
Z_PREFIX = "z_"  # output column prefix of the per-indicator z-scores
DECIMALS = 6  # decimals written to the output; classes use the index rounded to this

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Closed = Literal["left", "right", "both", "neither"]
_BOUNDARY_TO_CLOSED = {"lower_inclusive": "left", "upper_inclusive": "right"}


# ---------------------------------------------------------------------------
# Configuration model
# ---------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Strict):
    """One indicator of a scheme: an input column and how it enters the index."""

    column: Annotated[str, Field(strict=True, min_length=1)]
    label: Annotated[str, Field(strict=True)] = ""
    direction: Literal[1, -1] = 1
    standardise: Annotated[bool, Field(strict=True)] = True
    weight: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)] = 1.0


class IndexClass(_Strict):
    """One class (Klasse): an interval of index values with a label.

    ``lower``/``upper`` missing means -∞/+∞. ``closed`` says which bounds belong to
    the class (``left`` = lower, ``right`` = upper, ``both``, ``neither``); an open
    end (no bound) is always open. ``None`` means the scheme's ``boundary`` default.
    """

    label: Annotated[str, Field(strict=True, min_length=1)]
    lower: Number | None = None
    upper: Number | None = None
    closed: Closed | None = None

    def _closed(self) -> str:
        return self.closed or "left"

    def includes_lower(self) -> bool:
        return self.lower is not None and self._closed() in ("left", "both")

    def includes_upper(self) -> bool:
        return self.upper is not None and self._closed() in ("right", "both")

    def describe(self) -> str:
        """Interval notation, e.g. ``(1; 1,5]``."""
        lo = "-∞" if self.lower is None else _de(self.lower)
        hi = "+∞" if self.upper is None else _de(self.upper)
        left = "[" if self.includes_lower() else "("
        right = "]" if self.includes_upper() else ")"
        return f"{left}{lo}; {hi}{right}"


class IndexScheme(_Strict):
    """A validated index scheme (see module docstring and docs/index-schemes.md)."""

    title: Annotated[str, Field(strict=True, min_length=1)]
    description: Annotated[str, Field(strict=True)] = ""
    id_column: Annotated[str, Field(strict=True, min_length=1)]
    indicators: Annotated[tuple[Indicator, ...], Field(min_length=1)]
    ddof: Literal[0, 1] = 0
    aggregation: Literal["sum", "mean"] = "mean"
    restandardise: Annotated[bool, Field(strict=True)] = True
    boundary: Literal["lower_inclusive", "upper_inclusive"] = "lower_inclusive"
    classes: Annotated[tuple[IndexClass, ...], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _default_closed(cls, data: Any) -> Any:
        """Fill each class's ``closed`` from the scheme-wide ``boundary``."""
        if not isinstance(data, dict) or not isinstance(data.get("classes"), list):
            return data
        boundary = data.get("boundary")
        closed = _BOUNDARY_TO_CLOSED.get(boundary, "left") if isinstance(boundary, str) else "left"
        classes = [
            {**c, "closed": closed} if isinstance(c, dict) and c.get("closed") is None else c
            for c in data["classes"]
        ]
        return {**data, "classes": classes}

    @model_validator(mode="after")
    def _check(self) -> IndexScheme:
        columns = [i.column for i in self.indicators]
        dup = sorted({c for c in columns if columns.count(c) > 1})
        if dup:
            raise ValueError(f"Indikator „{dup[0]}“ ist mehrfach aufgeführt "
                             "(indicator listed twice)")
        outputs = [Z_PREFIX + c for c in columns] + [INDEX, CLASS]
        for name in [self.id_column, *columns]:
            if name in outputs:
                raise ValueError(f"Spaltenname „{name}“ kollidiert mit einer Ausgabespalte "
                                 f"({INDEX}, {CLASS}, z_…) (column name clashes with output)")
        if self.id_column in columns:
            raise ValueError(f"ID-Spalte „{self.id_column}“ ist zugleich Indikator "
                             "(id column used as indicator)")
        check_classes(self.classes)
        return self

    @property
    def columns(self) -> list[str]:
        """Indicator column names in scheme order."""
        return [i.column for i in self.indicators]


def check_classes(classes: Sequence[IndexClass]) -> None:
    """Raise ``ValueError`` unless the classes partition the real line.

    Every value must belong to exactly one class: sorted by lower bound, the first
    class is open to -∞, the last to +∞, each upper bound equals the next lower
    bound, and exactly one of the two neighbours includes the shared bound.
    """
    labels = [c.label for c in classes]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise ValueError(f"Klassenname „{dup[0]}“ kommt mehrfach vor (duplicate class label)")
    for c in classes:
        if c.lower is not None and c.upper is not None and not c.lower < c.upper:
            raise ValueError(f"Klasse „{c.label}“: lower ({_de(c.lower)}) muss kleiner als "
                             f"upper ({_de(c.upper)}) sein (lower must be below upper)")
    ordered = sorted(classes, key=lambda c: -math.inf if c.lower is None else c.lower)
    first, last = ordered[0], ordered[-1]
    if first.lower is not None:
        raise ValueError(f"Werte unter {_de(first.lower)} gehören zu keiner Klasse – eine "
                         "Klasse ohne lower einfügen (classes must cover the real line)")
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        pair = f"„{prev.label}“ {prev.describe()} und „{nxt.label}“ {nxt.describe()}"
        if prev.upper is None or nxt.lower < prev.upper:
            raise ValueError(f"Klassen {pair} überschneiden sich (classes overlap)")
        if nxt.lower > prev.upper:
            raise ValueError(f"Lücke zwischen den Klassen {pair}: Werte zwischen "
                             f"{_de(prev.upper)} und {_de(nxt.lower)} gehören zu keiner Klasse "
                             "(gap between classes)")
        both = prev.includes_upper() and nxt.includes_lower()
        neither = not prev.includes_upper() and not nxt.includes_lower()
        if both:
            raise ValueError(f"Der Wert {_de(nxt.lower)} gehört zu beiden Klassen {pair} – "
                             "closed bei einer der beiden ändern (boundary in both classes)")
        if neither:
            raise ValueError(f"Der Wert {_de(nxt.lower)} gehört zu keiner der Klassen {pair} – "
                             "closed bei einer der beiden ändern (boundary in no class)")
    if last.upper is not None:
        raise ValueError(f"Werte über {_de(last.upper)} gehören zu keiner Klasse – eine "
                         "Klasse ohne upper einfügen (classes must cover the real line)")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
class _UniqueKeyLoader(safeyaml.SafeLoader):
    """Safe YAML loader (no aliases, see :mod:`analysis.common.safeyaml`) that rejects duplicate
    keys instead of keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"Schlüssel „{key}“ kommt doppelt vor (duplicate key)",
                key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def load_scheme(path: Path) -> IndexScheme:
    """Read and validate an index scheme YAML file; problems raise ``ConfigError``."""
    path = Path(path)
    file = str(path)
    try:
        text = read_text_file(path).decode("utf-8-sig")  # regular file, at most 1 MB
    except FileNotFoundError:
        raise ConfigError(f"Indexschema-Datei {file} nicht gefunden (file not found)") from None
    except UserError as exc:
        raise ConfigError(f"Indexschema-Datei {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Indexschema-Datei {file} kann nicht gelesen werden "
                          f"({type(exc).__name__}) – als UTF-8-Text speichern") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", Zeile {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"Indexschema-Datei {file}{where}: kein gültiges YAML ({reason})"
                          ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"Indexschema-Datei {file}: erwartet werden Schlüssel wie title, "
                          "id_column, indicators, classes (top level must be a mapping)")
    try:
        return IndexScheme.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # pydantic also reports "too short" for a list whose only entry was invalid
        errors = [e for e in errors if e["type"] != "too_short" or not any(
            o is not e and tuple(o["loc"][:len(e["loc"])]) == tuple(e["loc"]) for o in errors)]
        lines = [_format_error(e) for e in errors]
        raise ConfigError("\n".join([f"Fehler in der Indexschema-Datei {file}:",
                                     *("  - " + line for line in lines)])) from None


def _format_error(err: dict) -> str:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    value = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(model.model_fields)
        return (f"{_where(loc[:-1])}unbekannter Schlüssel „{loc[-1]}“ (unknown key) – "
                f"erlaubt: {allowed}")
    if kind == "missing":
        return f"{_where(loc[:-1])}Pflichtschlüssel „{loc[-1]}“ fehlt (missing key)"
    where = _where(loc)
    if kind in ("float_type", "float_parsing", "finite_number"):
        hint = " – Dezimalpunkt verwenden, z. B. 1.5" if isinstance(value, str) and "," in value \
            else ""
        return f"{where}muss eine Zahl sein (must be a number), gefunden „{value}“{hint}"
    if kind == "bool_type":
        return f"{where}muss yes/no (true/false) sein, gefunden „{value}“"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{where}ungültiger Wert „{value}“ – erlaubt: {expected}"
    if kind == "greater_than":
        return f"{where}muss größer als {err['ctx']['gt']} sein, gefunden „{value}“"
    if kind == "too_short":
        return f"{where}mindestens ein Eintrag nötig (at least one entry required)"
    if kind == "value_error":
        return f"{where}{err['ctx']['error']}"
    return f"{where}{err.get('msg', kind)} (gefunden „{value}“)"


def _model_at(loc: tuple) -> type[BaseModel]:
    if loc and loc[0] == "indicators":
        return Indicator
    if loc and loc[0] == "classes":
        return IndexClass
    return IndexScheme


def _where(loc: tuple) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"Eintrag {part + 1}")
        else:
            parts.append(f"„{part}“")
    return (", ".join(parts) + ": ") if parts else ""


# ---------------------------------------------------------------------------
# Computation (pure)
# ---------------------------------------------------------------------------
def zscore(series: pd.Series, ddof: int = 0) -> pd.Series:
    """z-score ``(x - mean) / sd`` over the non-missing values (unweighted), computed by
    :func:`analysis.method.indices.zscores` (the one implementation).

    ``ddof`` 0 = population SD, 1 = sample SD. Missing values stay missing. Unlike the
    report's indices, a scheme refuses a column without variation: raises ``ValueError``
    when there is no value or no variation (SD 0).
    """
    x = pd.to_numeric(series, errors="raise").astype(float)
    valid = x.dropna()
    if valid.empty:
        raise ValueError("keine Werte vorhanden (no values)")
    if valid.nunique() == 1 or not np.isfinite(valid.std(ddof=ddof)):
        raise ValueError(f"keine Streuung über {len(valid)} Gebiet(e) – Standardabweichung 0, "
                         "z-Werte nicht berechenbar (no variation)")
    z = zscores(x.to_frame("x"), ddof=ddof)["x"]
    if z.dropna().eq(0).all():  # spread below rounding noise
        raise ValueError(f"keine Streuung über {len(valid)} Gebiet(e) – Standardabweichung 0, "
                         "z-Werte nicht berechenbar (no variation)")
    return z.rename(series.name)


def classify(index: pd.Series, classes: Sequence[IndexClass | dict]) -> pd.Series:
    """Class label per value; ``""`` for a missing value.

    ``classes`` are :class:`IndexClass` objects (or dicts with the same keys) that
    partition the real line (checked, ``ValueError`` otherwise); a class without
    ``closed`` includes its lower bound.
    """
    parsed = [c if isinstance(c, IndexClass) else IndexClass.model_validate(c) for c in classes]
    check_classes(parsed)
    values = pd.to_numeric(index, errors="raise").astype(float)
    out = pd.Series("", index=index.index, dtype=object, name=CLASS)
    for c in parsed:
        hit = values.notna()
        if c.lower is not None:
            hit &= values >= c.lower if c.includes_lower() else values > c.lower
        if c.upper is not None:
            hit &= values <= c.upper if c.includes_upper() else values < c.upper
        out[hit] = c.label
    return out


def apply_scheme(values: pd.DataFrame, scheme: IndexScheme) -> pd.DataFrame:
    """Compute z-scores, index and class per area according to ``scheme``.

    Needs one row per area with ``scheme.id_column`` and one numeric column per
    indicator (missing = NaN). Returns, in input order, the id column, the
    indicator columns, ``z_<indicator>``, ``index`` and ``klasse``. Other input
    columns are not carried over. An area with a missing indicator value gets
    NaN / ``""`` and is left out of the re-standardisation of the aggregate.
    Classes are assigned on the index rounded to 6 decimals (the output precision).
    Raises ``UserError`` for missing columns, duplicate ids or an indicator without
    variation.
    """
    needed = [scheme.id_column, *scheme.columns]
    missing = [c for c in needed if c not in values.columns]
    if missing:
        raise UserError(f"Spalte „{missing[0]}“ fehlt (missing column)")
    ids = values[scheme.id_column]
    if ids.duplicated().any():
        raise UserError(f"ID „{ids[ids.duplicated()].iloc[0]}“ kommt mehrfach vor – "
                        "eine Zeile je Gebiet (duplicate id)")
    out = values[needed].copy()
    z = pd.DataFrame(index=values.index)
    for ind in scheme.indicators:
        try:
            x = pd.to_numeric(values[ind.column], errors="raise").astype(float)
        except (ValueError, TypeError):
            raise UserError(f"Spalte „{ind.column}“ enthält keine Zahlen "
                            "(column is not numeric)") from None
        out[ind.column] = x
        if ind.standardise:
            try:
                x = zscore(x.rename(ind.column), ddof=scheme.ddof)
            except ValueError as exc:
                raise UserError(f"Indikator „{ind.column}“: {exc}") from None
        z[ind.column] = ind.direction * x
    weights = pd.Series({i.column: i.weight for i in scheme.indicators})
    aggregate = (z * weights).sum(axis=1, skipna=False)
    if scheme.aggregation == "mean":
        aggregate = aggregate / weights.sum()
    if scheme.restandardise:
        try:
            aggregate = zscore(aggregate, ddof=scheme.ddof)
        except ValueError as exc:
            raise UserError(f"Index über die vollständigen Gebiete: {exc}") from None
    for col in scheme.columns:
        out[Z_PREFIX + col] = z[col]
    out[INDEX] = aggregate
    out[CLASS] = classify(aggregate.round(DECIMALS), scheme.classes)
    return out


def _de(value: float) -> str:
    """Number in German notation for messages: ``1.5`` → ``1,5``, ``-1.0`` → ``-1``."""
    return f"{value:g}".replace(".", ",")
