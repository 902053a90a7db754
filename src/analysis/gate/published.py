"""The published values: the one object through which every view gets its numbers.

:class:`Published` owns the counts after disclosure control (``protected``,
``protected_municipal``) and every value a page, figure or download may show – area,
Kommune and region indicators and counts, each either the number, withheld or uncertain.
It is built on the public functions of :mod:`analysis.gate.disclosure`.

A withheld cell has one display form, :data:`MARK` (``"•"``). Nothing outside the gate
defines or writes it: views and renderers ask :func:`is_withheld` and turn a cell into
its display form with :func:`display` (legends and keys with :func:`withheld_note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analysis.common import fmt
from analysis.contract import schema as S
from analysis.gate import disclosure as D

#: the display form of a withheld value (the one definition lives in the disclosure rules)
MARK = D.SUPPRESSED
#: boolean column of a value frame: the value is withheld
FLAG = D.FLAG

__all__ = ["FLAG", "MARK", "Published", "Uncertain", "display", "is_withheld",
           "mark_uncertain", "withheld_note"]


def is_withheld(x: object) -> bool:
    """True if ``x`` is a published cell that disclosure control withholds (``"•"``)."""
    return isinstance(x, str) and x == MARK


def display(value: object, withheld: bool = False) -> object:
    """The display form of a published cell: :data:`MARK` when it is withheld (by its
    flag or because it already is the mark), else the value unchanged."""
    return MARK if withheld or is_withheld(value) else value


def withheld_note(words: str) -> str:
    """The mark followed by words, for keys, legends and captions: "• gesperrt"."""
    return f"{MARK} {words}"


class Uncertain(float):
    """A published value flagged ``unsicher`` (denominator below ``unsicher_nenner``):
    tables show it in parentheses (*Aussagewert eingeschränkt*)."""


def mark_uncertain(formatter):
    """A cell formatter that puts :class:`Uncertain` values in parentheses."""
    def show(x):
        text = formatter(x)
        return f"({text})" if isinstance(x, Uncertain) and text not in (MARK,
                                                                         fmt.MISSING) else text
    return show


@dataclass
class Published:
    """Every value a view may show, after disclosure control.

    ``indicators`` is the indicator catalogue; ``area``, ``municipal`` and ``region`` the
    long indicator frames of the analysis (all years); ``protected`` and
    ``protected_municipal`` the counts after disclosure control; ``year`` the report year
    (the default of every lookup)."""

    indicators: pd.DataFrame
    area: pd.DataFrame
    municipal: pd.DataFrame
    region: pd.DataFrame
    protected: pd.DataFrame
    protected_municipal: pd.DataFrame
    year: int

    @classmethod
    def of(cls, ds, res, year: int) -> Published:
        """The published values of a data set (``ds``) and its analysis (``res``)."""
        return cls(ds.indicators, res.area, res.municipal, res.region, res.protected,
                   res.protected_municipal, year)

    # ------------------------------------------------------------------ protected values
    def _flag_rates(self, rates: pd.DataFrame) -> pd.DataFrame:
        return D.flag_indicators(rates, self.indicators, self.protected,
                                 self.protected_municipal)

    @cached_property
    def published_area(self) -> pd.DataFrame:
        """Area indicators with every withheld value missing (input for derived results)."""
        return D.withhold_values(self.area, self.indicators, self.protected)

    @cached_property
    def published_municipal(self) -> pd.DataFrame:
        """Municipal indicators with every withheld value missing."""
        return D.withhold_values(self.municipal, self.indicators,
                                 D.municipal_totals(self.protected),
                                 D.municipal_totals(self.protected_municipal))

    @cached_property
    def area_values(self) -> pd.DataFrame:
        """Area indicators (all years) with the suppression flag ``gesperrt``."""
        return self._flag_rates(self.area)

    @cached_property
    def municipal_values(self) -> pd.DataFrame:
        return self._flag_rates(self.municipal)

    @cached_property
    def region_values(self) -> pd.DataFrame:
        return self._flag_rates(self.region)

    @cached_property
    def area_value_groups(self) -> dict:
        """(indicator, year) → :meth:`area_value` of every indicator and year."""
        v = self.area_values.copy()
        for col in (S.VALUE, S.LOWER, S.UPPER, S.NUMERATOR):
            v[col] = v[col].where(~v[D.FLAG])
        return {k: g.set_index(S.AREA) for k, g in v.groupby([S.INDICATOR, S.YEAR], observed=True)}

    def area_value(self, indicator: str, year: int | None = None) -> pd.DataFrame:
        """One indicator for all areas in one year, suppressed values set to NaN."""
        return self.area_value_groups[(indicator, year or self.year)]

    def region_value(self, indicator: str, year: int | None = None) -> float:
        v = self.region_values
        row = v[(v[S.INDICATOR] == indicator) & (v[S.YEAR] == (year or self.year))]
        if row.empty or bool(row[D.FLAG].iloc[0]):
            return float("nan")
        return float(row[S.VALUE].iloc[0])

    @cached_property
    def _published_totals(self) -> tuple[dict, dict]:
        """Kommune and region totals of every count variable, through the gate: a
        withheld total is ``"•"`` (set by :func:`analysis.gate.disclosure.publish`)."""
        muni = D.publish(D.municipal_totals(self.protected), [S.COUNT], D.FLAG)
        region = D.publish(D.region_totals(self.protected), [S.COUNT], D.FLAG)
        return (muni.set_index([S.AGS, S.YEAR, S.VARIABLE])[S.COUNT].to_dict(),
                region.set_index([S.YEAR, S.VARIABLE])[S.COUNT].to_dict())

    def published_count(self, variable: str, ags: str | None = None,
                        year: int | None = None) -> object:
        """A Kommune's (``ags``) or the region's total of a count variable as published:
        an ``int``, ``"•"`` when disclosure control withholds it, NaN when absent."""
        muni, region = self._published_totals
        year = year or self.year
        value = region.get((year, variable)) if ags is None else muni.get((ags, year, variable))
        if value is None:
            return float("nan")
        return value if is_withheld(value) else int(value)

    @cached_property
    def _published_lookup(self) -> dict:
        """(level, key, indicator, year) → published value: a float, ``"•"`` when
        disclosure control withholds it (absent keys are missing)."""
        out: dict = {}
        for level, frame, key in (("area", self.area_values, S.AREA),
                                  ("kommune", self.municipal_values, S.AGS),
                                  ("region", self.region_values, None)):
            keys = frame[key].to_numpy() if key else [None] * len(frame)
            for k, ind, year, value, flag in zip(keys, frame[S.INDICATOR].to_numpy(),
                                                 frame[S.YEAR].to_numpy(),
                                                 frame[S.VALUE].to_numpy(),
                                                 frame[D.FLAG].to_numpy(), strict=True):
                out[(level, k, ind, int(year))] = display(float(value), bool(flag))
        return out

    def published_value(self, indicator: str, *, area: str | None = None,
                        ags: str | None = None, year: int | None = None) -> object:
        """An indicator of an area (``area``), a Kommune (``ags``) or the region (neither)
        as published: a float, ``"•"`` when withheld, NaN when there is none."""
        level, key = ("area", area) if area is not None else \
            ("kommune", ags) if ags is not None else ("region", None)
        return self._published_lookup.get((level, key, indicator, year or self.year),
                                          float("nan"))

    @cached_property
    def _published_area_counts(self) -> dict:
        pub = D.publish(self.protected, [S.COUNT], D.FLAG)
        return {(a, int(y), v): c for a, y, v, c in zip(
            pub[S.AREA], pub[S.YEAR], pub[S.VARIABLE], pub[S.COUNT], strict=True)}

    def published_area_count(self, variable: str, code: str, year: int | None = None) -> object:
        """An area's count of a variable as published: an ``int``, ``"•"`` when disclosure
        control withholds it, NaN when absent."""
        value = self._published_area_counts.get((code, year or self.year, variable))
        if value is None or fmt.is_missing(value):
            return float("nan")
        return value if is_withheld(value) else int(value)

    def municipal_value(self, indicator: str, ags: str, year: int | None = None) -> float:
        v = self.municipal_values
        row = v[
            (v[S.INDICATOR] == indicator) & (v[S.YEAR] == (year or self.year)) & (v[S.AGS] == ags)
        ]
        if row.empty or bool(row[D.FLAG].iloc[0]):
            return float("nan")
        return float(row[S.VALUE].iloc[0])

    # ------------------------------------------------------------------ uncertainty
    @cached_property
    def area_indicator_ids(self) -> set[str]:
        """Indicators that exist per Sozialraum (not only per Kommune)."""
        return set(self.area[S.INDICATOR])

    def uncertain_value(self, indicator: str, code: str, year: int | None = None) -> object:
        """An area's published value: ``"•"`` if withheld, :class:`Uncertain` if flagged
        ``unsicher``, else the float."""
        v = self.area_value(indicator, year)
        if code not in v.index or bool(v.loc[code, D.FLAG]):
            return display(float("nan"), code in v.index)
        x = v.loc[code, S.VALUE]
        if fmt.is_missing(x):
            return float("nan")
        return Uncertain(x) if bool(v.loc[code, S.RELIABLE]) else float(x)

    def affected(self, indicator: str, code: str, year: int | None = None) -> object:
        """An area's number of people concerned (numerator) of an indicator as published:
        the count, or ``"•"`` when the value is withheld."""
        v = self.area_value(indicator, year)
        return display(v.loc[code, S.NUMERATOR], bool(v.loc[code, D.FLAG]))

    @staticmethod
    def frame(values: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """A value frame with the flag column ``gesperrt`` as published (downloads): the
        ``columns`` of a withheld row show the mark, the flag column is dropped."""
        return D.publish(values, columns, D.FLAG).drop(columns=[D.FLAG])
