"""Need classification (Handlungsbedarf) per area and field (METHOD.md §5)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

RULE_LABELS = {"regional": "regional", "kommunal": "kommunal", "absolut": "absolut"}


# Relative tolerance of threshold comparisons: values computed as count / count × scale
# carry rounding noise (1.25 × 28 % is 35.00000000000001 %), and a value exactly at a
# threshold must count as reaching it.
TOLERANCE = 1e-9


def at_least(value, threshold):
    """``value >= threshold`` up to rounding noise (NaN → False)."""
    return value >= threshold - TOLERANCE * np.maximum(1.0, np.abs(threshold))


def top_share(counts: pd.Series, share: float) -> pd.Series:
    """True for the areas whose count is among the top ``share`` of areas.

    ``floor(share × n)`` areas (at least one) are in the top group; ties at the
    boundary are all included.
    """
    valid = counts.dropna()
    if valid.empty:
        return pd.Series(False, index=counts.index)
    n_top = max(1, math.floor(share * len(valid) + 1e-9))
    cut = valid.sort_values(ascending=False).iloc[n_top - 1]
    return (counts >= cut).fillna(False).astype(bool)


def lead_conditions(lead_value: pd.Series, lead_municipal: pd.Series, lead_count: pd.Series, *,
                    kommunal_faktor: float, absolut_anteil: float, lead_direction: int = 1
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The parts of rules 2 and 3 that do not depend on the field index.

    Returns boolean arrays: lead indicator far from the municipal value (rule 2), and
    number of people concerned among the top share of areas (rule 3).
    """
    mun = lead_municipal.astype(float)
    if lead_direction >= 0:
        rel = at_least(lead_value.astype(float), kommunal_faktor * mun)
    else:
        rel = at_least(-lead_value.astype(float), -mun / kommunal_faktor)
    # a municipal value of 0 (or missing) gives no reference: the rule cannot fire
    rel = (rel & (mun > 0)).fillna(False).astype(bool)
    return rel.to_numpy(), top_share(lead_count, absolut_anteil).to_numpy(dtype=bool)


def rule_flags(index: np.ndarray, rel: np.ndarray, top: np.ndarray, *, regional_index: float,
               kommunal_index: float, absolut_index: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rules 1–3 as boolean arrays from the index and the precomputed lead conditions."""
    with np.errstate(invalid="ignore"):
        r1 = np.asarray(at_least(index, regional_index), dtype=bool)
        r2 = rel & np.asarray(at_least(index, kommunal_index), dtype=bool)
        r3 = top & np.asarray(at_least(index, absolut_index), dtype=bool)
    return r1, r2, r3


def classify_field(index: pd.Series, lead_value: pd.Series, lead_municipal: pd.Series,
                   lead_count: pd.Series, *, regional_index: float = 1.0,
                   kommunal_faktor: float = 1.25, kommunal_index: float = 0.5,
                   absolut_index: float = 0.5, absolut_anteil: float = 0.10,
                   lead_direction: int = 1, rules_text: bool = True) -> pd.DataFrame:
    """Apply the three need rules to one field.

    1. *regional*: index ≥ ``regional_index``;
    2. *kommunal*: lead indicator ≥ ``kommunal_faktor`` × municipal value and
       index ≥ ``kommunal_index`` (for a lead indicator where lower means more
       need: ≤ municipal value ÷ factor); never when the municipal value is 0;
    3. *absolut*: index ≥ ``absolut_index`` and the number of people concerned
       (lead numerator) among the top ``absolut_anteil`` of areas.

    Returns per area: index, the three rule flags, ``bedarf`` (any rule) and
    ``regeln`` (names of the rules that fired, comma-separated; left out with
    ``rules_text=False``, which the robustness variants use for speed).
    """
    idx = index.astype(float)
    rel, top = lead_conditions(lead_value, lead_municipal, lead_count,
                               kommunal_faktor=kommunal_faktor, absolut_anteil=absolut_anteil,
                               lead_direction=lead_direction)
    r1, r2, r3 = rule_flags(idx.to_numpy(), rel, top, regional_index=regional_index,
                            kommunal_index=kommunal_index, absolut_index=absolut_index)
    out = pd.DataFrame({"index": idx, "regional": r1, "kommunal": r2, "absolut": r3},
                       index=idx.index)
    out["bedarf"] = out[["regional", "kommunal", "absolut"]].any(axis=1)
    if not rules_text:
        return out
    names = np.array(list(RULE_LABELS.values()), dtype=object)
    flags = out[["regional", "kommunal", "absolut"]].to_numpy()
    out["regeln"] = [", ".join(names[f]) for f in flags]
    return out


def headline(need: pd.DataFrame, fields: list[str], area_to_kommune: pd.Series) -> pd.DataFrame:
    """Areas with need and Kommunen concerned per field.

    ``need`` has a boolean column ``<field>_bedarf_flag`` per field, indexed by area.
    """
    rows = []
    for f in fields:
        flag = need[f"{f}_bedarf_flag"]
        areas = flag[flag].index
        rows.append({"handlungsfeld": f, "sozialraeume": int(flag.sum()),
                     "kommunen": int(area_to_kommune.reindex(areas).nunique())})
    return pd.DataFrame(rows)


def cumulation(need: pd.DataFrame, fields: Sequence[str]) -> pd.Series:
    """Number of ``fields`` with need per area (Kumulation; the report counts the fields
    that are not reported separately). A field without a need column counts as none."""
    cols = [f"{f}_bedarf_flag" for f in fields if f"{f}_bedarf_flag" in need.columns]
    return need[cols].fillna(False).astype(bool).sum(axis=1).astype("int64")
