"""The analysis pipeline: indicators → indices → need → robustness → change.

Pure functions over a validated :class:`~analysis.contract.dataset.Dataset` and a
:class:`~analysis.contract.config.ReportConfig`; the notebooks and the CLI call these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.common.ids import natural_rows, natural_sorted
from analysis.contract import schema as S
from analysis.contract.config import FieldConfig, ReportConfig
from analysis.contract.dataset import Dataset
from analysis.gate import disclosure as D
from analysis.method import indicators as I
from analysis.method.indices import field_index, zscores
from analysis.method.need import at_least, classify_field, cumulation, headline, lead_conditions, rule_flags


@dataclass
class Analysis:
    """Everything the chapters need, computed once."""

    year: int
    area: pd.DataFrame  # long area indicators, all years
    municipal: pd.DataFrame  # long municipal indicators, all years
    region: pd.DataFrame  # long region indicators, all years
    z: pd.DataFrame  # area × indicator z-scores (report year, direction applied)
    need: pd.DataFrame  # per area: per field index, flags, rules, details
    headline: pd.DataFrame  # per field: areas, kommunen
    any_need: int  # areas with need in at least one of the seed fields
    stability: pd.DataFrame  # per area × field share of variants with need
    change: pd.DataFrame | None  # per area × indicator change since comparison year
    need_previous: pd.DataFrame | None  # need in the comparison year
    protected: pd.DataFrame  # area counts after disclosure control
    protected_municipal: pd.DataFrame  # counts that exist only per Kommune, protected
    # change of the *published* values with the noise check, and the dynamics per field
    change_published: pd.DataFrame | None = None
    dynamics: pd.DataFrame | None = None


def _directions(catalogue: pd.DataFrame) -> dict[str, int]:
    return dict(zip(catalogue[S.INDICATOR], catalogue["richtung"].astype(int), strict=True))


@dataclass
class YearData:
    """Everything the need rules read for one year, computed once per year."""

    values: pd.DataFrame  # area × indicator values
    counts: pd.DataFrame  # area × indicator numerators (people concerned)
    z: pd.DataFrame  # area × indicator z-scores, direction applied
    directions: dict[str, int]
    area_ags: pd.Series  # area → AGS, aligned with values.index
    mun_values: pd.DataFrame  # AGS × indicator municipal values


def prepare_year(area_ind: pd.DataFrame, mun_ind: pd.DataFrame, catalogue: pd.DataFrame,
                 year: int) -> YearData:
    """Wide value, count and z-score tables of one year (shared by all variants)."""
    values = I.value_table(area_ind, year)
    counts = I.value_table(area_ind, year, column=S.NUMERATOR)
    directions = _directions(catalogue)
    sel = area_ind[area_ind[S.YEAR] == year]
    first = ~pd.Series(pd.factorize(sel[S.AREA])[0]).duplicated().to_numpy()
    area_ags = pd.Series(np.asarray(sel[S.AGS], dtype=object)[first],
                         index=np.asarray(sel[S.AREA], dtype=object)[first])
    return YearData(values, counts, zscores(values, directions), directions,
                    area_ags.reindex(values.index), I.value_table(mun_ind, year, key=S.AGS))


def classify_prepared(yd: YearData, cfg: ReportConfig, fields: list[str],
                      overrides: dict | None = None, details: bool = True) -> pd.DataFrame:
    """Apply the need rules of ``fields`` to prepared data (see :func:`classify_year`)."""
    overrides = overrides or {}
    rules = cfg.bedarf.model_dump(exclude={"mindestzahl_indikatoren"})
    rules.update({k: v for k, v in overrides.items() if k in rules})
    fcfgs: dict[str, FieldConfig] = overrides.get("field_config", {})
    cols = {}
    for f in fields:
        fc = fcfgs.get(f, cfg.handlungsfelder[f])
        inds = [i for i in fc.indikatoren if i in yd.z.columns]
        idx = field_index(yd.z, inds, fc.gewichte)
        lead = fc.leitindikator
        lead_mun = yd.area_ags.map(yd.mun_values[lead])
        res = classify_field(idx, yd.values[lead], lead_mun, yd.counts[lead],
                             lead_direction=yd.directions.get(lead, 1), rules_text=details,
                             **rules)
        cols[f"{f}_index"] = res["index"]
        cols[f"{f}_bedarf_flag"] = res["bedarf"]
        if details:
            cols[f"{f}_regeln"] = res["regeln"]
            cols[f"{f}_leitwert"] = yd.values[lead]
            cols[f"{f}_leit_kommune"] = lead_mun
            cols[f"{f}_leit_anzahl"] = yd.counts[lead]
    need = pd.DataFrame(cols)
    # cumulation over the counted fields only (``separat`` fields stand apart, as in the
    # headline total)
    need["kumulation"] = cumulation(need, [f for f in fields if f in cfg.counted_fields])
    return need


def classify_year(area_ind: pd.DataFrame, mun_ind: pd.DataFrame, catalogue: pd.DataFrame,
                  cfg: ReportConfig, year: int, fields: list[str] | None = None,
                  overrides: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Need classification for one year; returns (z-scores, need table).

    ``overrides`` replaces rule thresholds (robustness variants) and may carry
    ``field_config`` (a dict field → FieldConfig) for weight / indicator variants.
    """
    yd = prepare_year(area_ind, mun_ind, catalogue, year)
    return yd.z, classify_prepared(yd, cfg, fields or cfg.fields, overrides)


def robustness_variants(cfg: ReportConfig, field: str) -> list[dict]:
    """The perturbations of METHOD.md §5 for one field, as override dicts."""
    rb = cfg.robustheit
    base = cfg.bedarf
    fc = cfg.handlungsfelder[field]
    variants: list[dict] = []
    for d in (-rb.schwellen_delta, rb.schwellen_delta):
        if d:
            variants.append({"regional_index": base.regional_index + d,
                             "kommunal_index": base.kommunal_index + d,
                             "absolut_index": base.absolut_index + d})
    if rb.gewichte_faktor and len(fc.indikatoren) > 1:
        for ind in fc.indikatoren:
            for f in (1 - rb.gewichte_faktor, 1 + rb.gewichte_faktor):
                w = dict(fc.gewichte)
                w[ind] = fc.weight(ind) * f
                variants.append({"field_config": {field: fc.model_copy(update={"gewichte": w})}})
    if rb.indikator_weglassen and len(fc.indikatoren) > 1:
        for ind in fc.indikatoren:
            keep = [i for i in fc.indikatoren if i != ind]
            lead = fc.leitindikator
            new = fc.model_copy(update={
                "indikatoren": keep if lead in keep else [*keep, lead],
                "gewichte": {k: v for k, v in fc.gewichte.items() if k in keep},
            })
            if lead not in keep:
                # the lead indicator stays for rules 2 and 3 but leaves the index
                new = fc.model_copy(update={"indikatoren": keep + [lead],
                                            "gewichte": {**{k: v for k, v in fc.gewichte.items()
                                                            if k in keep}, lead: 1e-9}})
            variants.append({"field_config": {field: new}})
    return variants


def stability(area_ind: pd.DataFrame, mun_ind: pd.DataFrame, catalogue: pd.DataFrame,
              cfg: ReportConfig, year: int) -> pd.DataFrame:
    """Share of robustness variants that classify each area as need, per field."""
    yd = prepare_year(area_ind, mun_ind, catalogue, year)
    base = cfg.bedarf.model_dump()
    out = {}
    for f in cfg.fields:
        fc0 = cfg.handlungsfelder[f]
        lead = fc0.leitindikator
        # the lead conditions of rules 2 and 3 are the same in every variant
        rel, top = lead_conditions(yd.values[lead], yd.area_ags.map(yd.mun_values[lead]),
                                   yd.counts[lead], kommunal_faktor=base["kommunal_faktor"],
                                   absolut_anteil=base["absolut_anteil"],
                                   lead_direction=yd.directions.get(lead, 1))
        flags = []
        for ov in robustness_variants(cfg, f):
            fc = ov.get("field_config", {}).get(f, fc0)
            rules = {k: ov.get(k, base[k])
                     for k in ("regional_index", "kommunal_index", "absolut_index")}
            idx = field_index(yd.z, [i for i in fc.indikatoren if i in yd.z.columns],
                              fc.gewichte).to_numpy()
            r1, r2, r3 = rule_flags(idx, rel, top, **rules)
            flags.append(r1 | r2 | r3)
        out[f] = np.mean(flags, axis=0) if flags else np.nan
    return pd.DataFrame(out, index=yd.values.index)


def index_bounds(cfg: ReportConfig) -> tuple[float, ...]:
    """The field-index values that decide a class: the index thresholds of the need
    rules and – the index maps draw their classes symmetric around 0 at them – their
    negatives; ascending. A field index is never shown rounded onto one of them
    (:func:`analysis.common.fmt.apart`)."""
    b = cfg.bedarf
    rules = {float(b.regional_index), float(b.kommunal_index), float(b.absolut_index)}
    return tuple(sorted(rules | {-t for t in rules}))


def stability_bounds(cfg: ReportConfig) -> tuple[float, float]:
    """The shares of robustness variants with need (in %) at which a classification turns
    borderline: ``stabil_ab`` for an area with need, ``1 − stabil_ab`` for one without."""
    st = float(cfg.robustheit.stabil_ab)
    return (round((1 - st) * 100, 10), round(st * 100, 10))


def stability_label(share: float, has_need: bool, stable_from: float) -> str:
    """„stabil“ when at least ``stable_from`` of the variants agree with the result."""
    agree = share if has_need else 1 - share
    return "stabil" if agree >= stable_from else "Grenzfall"


#: how a change is judged (``bewertung``) → sign that makes "more need" positive
EVALUATION_SIGN = {"hoch_schlecht": 1.0, "hoch_gut": -1.0, "neutral": 1.0}


def evaluations(catalogue: pd.DataFrame, cfg: ReportConfig | None = None) -> dict[str, str]:
    """``bewertung`` of every catalogue indicator (configuration, else from ``richtung``)."""
    out = {}
    for ind, d in _directions(catalogue).items():
        out[ind] = cfg.evaluation(ind, d) if cfg is not None else (
            "hoch_gut" if d < 0 else "hoch_schlecht")
    return out


def change_table(area_ind: pd.DataFrame, catalogue: pd.DataFrame, year: int, base_year: int,
                 threshold: float, evaluation: dict[str, str] | None = None,
                 level: float = 0.0) -> pd.DataFrame:
    """Change of each indicator since ``base_year`` and a dynamics class per area.

    Change is in the indicator's unit (percentage points for shares). A change counts
    when it is at least ``threshold`` and – with a confidence ``level`` > 0 – larger
    than the noise: ``z × √(se₀² + se₁²)``, the standard errors taken from the two
    years' Wilson intervals (``rauschen``). Class by ``evaluation`` (``bewertung``,
    default from ``richtung``): „verschlechtert“ / „verbessert“ / „stabil“; for a
    ``neutral`` indicator „gestiegen“ / „gesunken“ / „stabil“ (no judgement).
    """
    now = I.value_table(area_ind, year)
    then = I.value_table(area_ind, base_year).reindex(index=now.index, columns=now.columns)
    half = {}
    for y, ref in ((year, now), (base_year, then)):
        hi = I.value_table(area_ind, y, column=S.UPPER).reindex(index=ref.index,
                                                                columns=ref.columns)
        lo = I.value_table(area_ind, y, column=S.LOWER).reindex(index=ref.index,
                                                                columns=ref.columns)
        half[y] = ((hi - lo) / (2 * I.Z95)).to_numpy().ravel()
    n_areas, n_ind = now.shape
    df = pd.DataFrame({
        S.AREA: np.repeat(now.index.to_numpy(dtype=object), n_ind),
        S.INDICATOR: np.tile(now.columns.to_numpy(dtype=object), n_areas),
        "wert": now.to_numpy().ravel(),
        "wert_vorher": then.to_numpy().ravel(),
    })
    df["veraenderung"] = df["wert"] - df["wert_vorher"]
    df["rauschen"] = I.noise_factor(level) * np.sqrt(half[year] ** 2 + half[base_year] ** 2)
    if evaluation is None:
        evaluation = evaluations(catalogue)
    df["bewertung"] = df[S.INDICATOR].map(lambda i: evaluation.get(i, "hoch_schlecht"))
    sign = np.asarray(df["bewertung"].map(EVALUATION_SIGN), dtype=float)
    signed = df["veraenderung"].to_numpy(dtype=float) * sign
    noise = df["rauschen"].fillna(0.0).to_numpy()
    with np.errstate(invalid="ignore"):
        up = at_least(signed, threshold) & (np.abs(signed) > noise)
        down = at_least(-signed, threshold) & (np.abs(signed) > noise)
    neutral = (df["bewertung"] == "neutral").to_numpy()
    df["dynamik"] = np.select(
        [up & ~neutral, down & ~neutral, up & neutral, down & neutral],
        ["verschlechtert", "verbessert", "gestiegen", "gesunken"], "stabil")
    df.loc[df["veraenderung"].isna(), "dynamik"] = ""
    return df


#: classes of the dynamics index
DYNAMICS_CLASSES = ("positiv", "stabil", "negativ")


def dynamics(change: pd.DataFrame, base_values: pd.DataFrame, cfg: ReportConfig,
             fields: list[str] | None = None) -> pd.DataFrame:
    """Dynamics index and class per area and field (METHOD.md §5, *Change*).

    ``change`` is :func:`change_table` of the published values (with the same
    confidence level as ``dynamik.vertrauensniveau``), ``base_values``
    the area × indicator values of the comparison year (their spread between areas is
    the unit of the index). Per field, the judged (not ``neutral``) core indicators'
    changes are turned towards improvement (+ = better), divided by that spread and
    averaged with the field weights: index > 0 = the situation improved. Its noise is
    the same combination of the changes' standard errors. Class „positiv“ / „negativ“
    when the index is at least ``dynamik.index_schwelle`` away from 0 *and* outside
    the noise, else „stabil“; no judged indicator or no value → "" (no class).

    Columns per field: ``<f>_dynamik_index``, ``<f>_dynamik_rauschen``, ``<f>_dynamik``,
    ``<f>_besser`` and ``<f>_schlechter`` (indicator ids that moved, comma-separated).
    """
    fields = fields or cfg.fields
    z = I.noise_factor(cfg.dynamik.vertrauensniveau)
    sd = base_values.std(axis=0, ddof=0, skipna=True)
    sd = sd.where(sd > 0)
    evaluation = change.drop_duplicates(S.INDICATOR).set_index(S.INDICATOR)["bewertung"]
    ch = change.set_index([S.AREA, S.INDICATOR])
    areas = pd.Index(natural_sorted(set(change[S.AREA])), name=S.AREA)
    delta = ch["veraenderung"].unstack(S.INDICATOR).reindex(areas)
    # standard error of each change (``rauschen`` is z × se; z = 1 without a noise check)
    se_all = ch["rauschen"].unstack(S.INDICATOR).reindex(areas) / (z or 1.0)
    klass = ch["dynamik"].unstack(S.INDICATOR).reindex(areas)
    thr = cfg.dynamik.index_schwelle
    cols: dict[str, object] = {}
    for f in fields:
        fc = cfg.handlungsfelder[f]
        judged = [i for i in fc.indikatoren if i in delta.columns
                  and evaluation.get(i, "neutral") != "neutral" and not np.isnan(sd.get(i, np.nan))]
        n = len(areas)
        idx = np.full(n, np.nan)
        err = np.full(n, np.nan)
        better = worse = [""] * n
        if judged:
            # towards improvement: + = better (the sign of "more need" turned round)
            sign = np.array([-EVALUATION_SIGN[evaluation[i]] for i in judged])
            w = np.array([fc.weight(i) for i in judged], dtype=float)
            scale = sd[judged].to_numpy(dtype=float)
            d = delta[judged].to_numpy(dtype=float) * sign / scale
            se = np.nan_to_num(se_all[judged].to_numpy(dtype=float) / scale)
            ok = ~np.isnan(d)
            wsum = (ok * w).sum(axis=1)
            has = wsum > 0
            safe = np.where(has, wsum, 1.0)
            idx = np.where(has, (np.where(ok, d, 0.0) * w).sum(axis=1) / safe, np.nan)
            err = np.where(has, np.sqrt(((np.where(ok, se, 0.0) * w) ** 2).sum(axis=1)) / safe,
                           np.nan)
            sub = klass[judged].fillna("")
            better = [", ".join(i for i in judged if row[i] == "verbessert")
                      for _, row in sub.iterrows()]
            worse = [", ".join(i for i in judged if row[i] == "verschlechtert")
                     for _, row in sub.iterrows()]
        noise = z * err
        with np.errstate(invalid="ignore"):
            pos = at_least(idx, thr) & (idx > noise)
            neg = at_least(-idx, thr) & (-idx > noise)
        cls = np.select([pos, neg], ["positiv", "negativ"], "stabil").astype(object)
        cls[np.isnan(idx)] = ""
        cols[f"{f}_dynamik_index"] = idx
        cols[f"{f}_dynamik_rauschen"] = noise
        cols[f"{f}_dynamik"] = cls
        cols[f"{f}_besser"] = better
        cols[f"{f}_schlechter"] = worse
    return pd.DataFrame(cols, index=areas)


#: status × dynamics types (need in the report year × dynamics class), in legend order
TYPES = ("aufmerksamkeit", "bedarf_stabil", "bedarf_positiv", "beobachten", "unauffaellig")


def typology(need_flag: pd.Series, dynamics_class: pd.Series) -> pd.Series:
    """Status × dynamics type per area (Berlin MSS / Hamburg Sozialmonitoring style):

    * ``aufmerksamkeit`` – need and negative dynamics (*besonderer Aufmerksamkeitsbedarf*);
    * ``bedarf_stabil`` – need, dynamics stable (or not judged);
    * ``bedarf_positiv`` – need, dynamics positive;
    * ``beobachten`` – no need, but negative dynamics (early warning);
    * ``unauffaellig`` – no need, dynamics stable or positive (or not judged).
    """
    need = need_flag.astype(bool)
    dyn = dynamics_class.reindex(need.index).fillna("")
    out = np.select([need & (dyn == "negativ"), need & (dyn == "positiv"), need,
                     dyn == "negativ"],
                    ["aufmerksamkeit", "bedarf_positiv", "bedarf_stabil", "beobachten"],
                    "unauffaellig")
    return pd.Series(out, index=need.index, name="typ")


def _protect_municipal_only(ds: Dataset, cfg: ReportConfig) -> pd.DataFrame:
    """The counts of ``zaehlungen_kommune`` after disclosure control, each Kommune as its
    own area (so the region total cannot give a withheld Kommune back)."""
    cm = ds.counts_municipal
    return D.protect_counts(cm.assign(**{S.AREA: cm[S.AGS]}), cfg.geheimhaltung.mindestanzahl,
                            ds.identities, share_pairs(ds.indicators),
                            cfg.geheimhaltung.schluessel)


def share_pairs(catalogue: pd.DataFrame) -> list[tuple[str, str]]:
    """``(numerator, denominator)`` of every share (scale 100, unit %): a reader knows
    the numerator is at most the denominator, so disclosure control assumes it too."""
    shares = catalogue[(catalogue["skala"] == 100) & (catalogue["einheit"] == "%")]
    return sorted({(str(n), str(d)) for n, d in zip(shares[S.NUMERATOR], shares[S.DENOMINATOR],
                                                    strict=True)})


def run(ds: Dataset, cfg: ReportConfig, with_stability: bool = True) -> Analysis:
    """Run the whole core for the configured report year.

    Indices, need and robustness are computed from the *published* indicator values:
    a value withheld by disclosure control counts as missing there (the index averages
    the remaining indicators). Otherwise a published index together with the other
    published indicators would give the withheld value back (METHOD.md §6).
    """
    year = cfg.berichtsjahr
    area_all = I.area_indicators(ds.counts, ds.indicators, cfg.unsicher_nenner)
    mun_all = I.municipal_indicators(ds.counts, ds.indicators, ds.counts_municipal,
                                     cfg.unsicher_nenner)
    reg_ind = I.region_indicators(ds.counts, ds.indicators, ds.counts_municipal,
                                  cfg.unsicher_nenner)
    protected, muni_flags, _ = D.protect_with_totals(
        ds.counts, cfg.geheimhaltung.mindestanzahl, ds.identities,
        share_pairs(ds.indicators), cfg.geheimhaltung.schluessel)
    protected_m = _protect_municipal_only(ds, cfg)
    area_ind = D.withhold_values(area_all, ds.indicators, protected)
    mun_ind = D.withhold_values(mun_all, ds.indicators, muni_flags,
                                D.municipal_totals(protected_m))
    z, need = classify_year(area_ind, mun_ind, ds.indicators, cfg, year)
    a2k = ds.areas.set_index(S.AREA)[S.KOMMUNE]
    head = headline(need, cfg.fields, a2k)
    counted = cfg.counted_fields
    any_need = int(need[[f"{f}_bedarf_flag" for f in counted]].any(axis=1).sum())
    stab = stability(area_ind, mun_ind, ds.indicators, cfg, year) if with_stability else \
        pd.DataFrame(index=need.index)
    change = prev = change_pub = dyn = None
    if cfg.vergleichsjahr is not None and cfg.vergleichsjahr in ds.years:
        ev = evaluations(ds.indicators, cfg)
        level = cfg.dynamik.vertrauensniveau
        change = change_table(area_all, ds.indicators, year, cfg.vergleichsjahr,
                              cfg.dynamik.schwelle, ev, level)
        _, prev = classify_year(area_ind, mun_ind, ds.indicators, cfg, cfg.vergleichsjahr)
        # dynamics only from published values (a withheld value counts as missing)
        change_pub = change_table(area_ind, ds.indicators, year, cfg.vergleichsjahr,
                                  cfg.dynamik.schwelle, ev, level)
        dyn = dynamics(change_pub, I.value_table(area_ind, cfg.vergleichsjahr), cfg)
    return Analysis(year, area_all, mun_all, reg_ind, z, need, head, any_need, stab, change, prev,
                    protected, protected_m, change_pub, dyn)


def _round_apart(values: pd.Series, bounds: tuple[float, ...] | list[float],
                 decimals: int = 2) -> np.ndarray:
    """NumPy's rounding to ``decimals`` places, to more where the value would land on or
    across one of ``bounds`` (:func:`analysis.common.fmt.apart_decimals`)."""
    return np.array([x if pd.isna(x) else np.round(x, fmt.apart_decimals(x, bounds, decimals))
                     for x in values.to_numpy(dtype=float)], dtype=float)


def need_table(ds: Dataset, res: Analysis, cfg: ReportConfig,
               bounds: tuple[float, ...] | None = None) -> pd.DataFrame:
    """The published per-area need table (``handlungsbedarf.csv`` columns).

    Index and stability to 2 places, more where that would put them on a bound that
    decides their class (``bounds``: index values, default :func:`index_bounds`;
    :func:`stability_bounds`), as on the pages."""
    bounds = index_bounds(cfg) if bounds is None else bounds
    shares = [t / 100 for t in stability_bounds(cfg)]
    areas = ds.areas.set_index(S.AREA)
    out = pd.DataFrame({"sozialraum": res.need.index,
                        "name": areas.loc[res.need.index, "name"].to_numpy(),
                        "kommune": areas.loc[res.need.index, S.KOMMUNE].to_numpy()})
    for f in cfg.fields:
        out[f"{f}_index"] = _round_apart(res.need[f"{f}_index"], bounds)
        out[f"{f}_bedarf"] = np.where(res.need[f"{f}_bedarf_flag"], "ja", "nein")
        out[f"{f}_regeln"] = res.need[f"{f}_regeln"].to_numpy()
        if f in res.stability:
            out[f"{f}_stabilitaet"] = _round_apart(res.stability[f], shares)
        else:
            out[f"{f}_stabilitaet"] = np.nan
    return natural_rows(out, "sozialraum").reset_index(drop=True)

