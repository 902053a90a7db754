"""The committed demo world is credible: services fit their Träger and the Jugendamt split,
basic services follow population, areas lie inside the real outlines of the Kommunen,
names are neutral, and the noise leaves borderline classifications in every field."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from analysis.build import demo
from analysis.contract import schema as S
from analysis.contract.config import load_config
from analysis.contract.dataset import load_dataset
from analysis.method.concept import active_services, split_areas
from analysis.method.core import run, stability_label

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
CONFIG = REPO / "config" / "report.yaml"
YEAR = 2021
# Kommunen whose Jugendamt is the StädteRegion's own (shared/reference/README.md)
STAEDTEREGION_YOUTH = {"Monschau", "Roetgen", "Simmerath"}


@pytest.fixture(scope="module")
def ds():
    return load_dataset(DEMO)


@pytest.fixture(scope="module")
def served(ds) -> pd.DataFrame:
    """Active services × the Kommunen (names) of the areas they serve."""
    kommune = dict(zip(ds.areas[S.AREA], ds.areas[S.KOMMUNE], strict=True))
    rows = []
    for _, r in active_services(ds.services, YEAR).iterrows():
        for a in split_areas(r["sozialraeume"]):
            rows.append({**r.to_dict(), "kommune": kommune[a]})
    return pd.DataFrame(rows)


def test_youth_office_services_follow_the_jugendamt_split(ds, served):
    youth = served[served["traeger"].str.endswith("Jugendamt")]
    assert not youth.empty
    region = youth[youth["traeger"] == "StädteRegion Aachen, Jugendamt"]
    assert set(region["kommune"]) == STAEDTEREGION_YOUTH
    own = youth[youth["traeger"] != "StädteRegion Aachen, Jugendamt"]
    # a Kommune's own Jugendamt works only in that Kommune, never in the three above
    short = own["kommune"].str.split(" (", regex=False).str[0]
    assert (own["traeger"] == "Stadt " + short + ", Jugendamt").all()
    assert not set(own["kommune"]) & STAEDTEREGION_YOUTH


def test_type_provider_and_target_group_fit(ds):
    svc = ds.services
    jobcenter = svc[svc["traeger"].str.startswith("Jobcenter")]
    assert set(jobcenter["typ"]) == {"Beschäftigungsförderung"}
    for typ in ("Familienzentrum", "Mobilität", "Teilhabeberatung", "Kita", "Frühe Hilfen"):
        provider = svc.loc[svc["typ"] == typ, "traeger"]
        assert not provider.str.startswith("Jobcenter").any(), typ
    assert not svc.loc[svc["typ"] == "Teilhabeberatung", "traeger"].str.contains(
        "Jugendamt").any()
    assert (svc.loc[svc["typ"] == "Frühe Hilfen", "traeger"].str.endswith("Jugendamt")).all()
    assert (svc.loc[svc["typ"] == "Mobilität", "traeger"].str.startswith("Bürgerbus")).all()
    # one target group per type of service in a field (no "Beratung" for anyone)
    groups = svc.groupby([S.FIELD, "typ", "name"])["zielgruppe"].nunique()
    assert (groups == 1).all()


def test_every_kommune_has_kitas_and_primary_schools_in_proportion(ds, served):
    kitas = served[served["typ"] == "Kita"].groupby("kommune")["angebot"].nunique()
    schools = served[served["typ"] == "Offene Ganztagsschule"].groupby("kommune")[
        "angebot"].nunique()
    names = set(ds.municipalities["name"])
    assert set(kitas.index) == names and set(schools.index) == names
    pop = ds.counts[(ds.counts[S.YEAR] == YEAR) & (ds.counts[S.VARIABLE] == "bev_gesamt")]
    pop = pop.merge(ds.areas[[S.AREA, S.KOMMUNE]], on=S.AREA).groupby(S.KOMMUNE)[S.COUNT].sum()
    per_10k = kitas / pop * 10_000
    assert per_10k.between(0.6, 2.5).all(), per_10k.to_dict()
    assert kitas.idxmax() == pop.idxmax()


def test_few_plausible_gaps(ds):
    """Kommunenweit services (Frühe Hilfen, Schulsozialarbeit …) do not close local gaps, so
    some genuine gaps show – but few, and never poverty in a town centre."""
    from analysis.views.concept_report import open_concept

    c = open_concept(DEMO, CONFIG)
    gaps = c.gaps[c.gaps["luecke"]]
    assert 1 <= len(gaps) <= 0.1 * len(c.gaps), gaps[["handlungsfeld", "sozialraum"]]
    assert "in der Bestandsaufnahme ist dort und in den angrenzenden Sozialräumen kein " \
        "passendes Angebot erfasst" in gaps["empfehlung"].iloc[0]
    # no centre of a Kommune without an offer against poverty
    centres = set(demo._areas().query("typ == 'zentrum'")[S.AREA])
    assert not set(gaps.loc[gaps["handlungsfeld"] == "armut", "sozialraum"]) & centres


def test_kommunenweit_services_are_named_where_a_gap_remains(ds):
    from analysis.views.concept_report import open_concept

    c = open_concept(DEMO, CONFIG)
    wide = c.gaps[c.gaps["luecke"] & (c.gaps["angebote_kommunenweit"] > 0)]
    assert not wide.empty  # the demo shows the rule at work
    for text in wide["empfehlung"]:
        assert "Kommunenweit erfasst (für alle Sozialräume der Kommune, nicht als Angebot " \
            "vor Ort gezählt): " in text


def _kind_of(svc: pd.DataFrame) -> pd.Series:
    """The generator's kind of each service, from its type (only types of one kind)."""
    from analysis.build import demo_planning as P

    by_type: dict[str, list[str]] = {}
    for kind, spec in P.KINDS.items():
        by_type.setdefault(spec[1], []).append(kind)
    unique = {typ: kinds[0] for typ, kinds in by_type.items() if len(kinds) == 1}
    return svc["typ"].map(unique)


def test_service_numbers_follow_the_target_group(ds):
    """Per Kommune, the number of services of a kind lies within three noise standard
    deviations of „services per 1.000 of the target group“ (at least the minimum), so
    Aachen with 45 % of the people has many more than Herzogenrath (review R2-08)."""
    from analysis.build import demo_planning as P

    svc = ds.services.assign(kind=_kind_of(ds.services))
    first = svc["sozialraeume"].map(lambda v: split_areas(v)[0])
    ags = dict(zip(ds.areas[S.AREA], ds.areas[S.AGS], strict=True))
    svc = svc.assign(**{S.AGS: first.map(ags)})
    now = ds.counts[ds.counts[S.YEAR] == YEAR].merge(ds.areas[[S.AREA]], on=S.AREA)
    now = now.assign(**{S.AGS: now[S.AREA].map(ags)})
    group = now.groupby([S.VARIABLE, S.AGS])[S.COUNT].sum()
    checked = 0
    spread = float(np.exp(3 * P.NOISE))
    for kind, (var, rate, minimum, _field) in P.PER_1000.items():
        if kind not in set(svc["kind"].dropna()):
            continue
        for k in sorted(set(ds.areas[S.AGS])):
            if kind == "pflegeberatung" and k in P.EIFEL:
                continue  # one regional office for the three Eifel Kommunen
            n = int(((svc["kind"] == kind) & (svc[S.AGS] == k)).sum())
            expected = rate * float(group[(var, k)]) / 1000
            low = max(minimum, int(np.floor(expected / spread)))
            high = max(minimum, 1, int(np.ceil(expected * spread)))
            assert low <= n <= high, (kind, k, n, round(expected, 1))
            checked += 1
    assert checked >= 80
    # the review's example: Seniorenberatung per 1.000 aged 65+ within a factor of three
    sen = svc[svc["typ"] == "Seniorenberatung"].groupby(S.AGS).size()
    old = group["bev_65plus"]
    big = old[old * P.PER_1000["seniorenberatung"][1] / 1000 >= 2].index
    per = sen.reindex(big).fillna(0) / old[big] * 1000
    assert per.max() <= 3 * per.min(), per.to_dict()
    assert sen.idxmax() == old.idxmax()


def test_service_names_are_unique_and_not_numbered(ds):
    names = ds.services["name"]
    assert names.is_unique, names[names.duplicated()].tolist()
    assert not names.str.contains(r"\(\d+\)").any()
    assert not names.str.contains(r" \d+$").any()  # „Seniorenberatung Herzogenrath 1“
    # a Kommune's own office carries its name; neighbourhood services a street
    kita = names[ds.services["typ"] == "Kita"]
    kommunen = set(ds.municipalities["name"].str.split(" (", regex=False).str[0])
    assert not kita.map(lambda n: any(k in n for k in kommunen)).any()


def test_every_kommune_has_services_of_every_counted_field(ds, served):
    fields = {"armut", "aeltere", "kinder", "integration", "inklusion"}
    per = served.groupby("kommune")[S.FIELD].agg(set)
    for kommune, got in per.items():
        assert fields <= got, (kommune, fields - got)


def test_chains_differ_between_fields(ds):
    from analysis.views.concept_report import open_concept

    c = open_concept(DEMO, CONFIG)
    tables = {f: c.chain_table(f) for f in c.cfg.fields}
    shown = {f: t.df for f, t in tables.items() if t is not None}
    assert len(shown) >= 2
    headers = {tuple(df.columns) for df in shown.values()}
    assert len(headers) == len(shown)  # every field its own stages
    kinder = shown["kinder"].set_index("Kommune")
    for stage in ("Frühe Hilfen", "Kita", "Grundschule"):
        assert (kinder[stage] > 0).all(), stage


def test_neutral_names_for_every_area(ds):
    """No real neighbourhood carries invented rates (review R2-18): every area has the
    neutral name „Kommune + number“, also the nine whose real name is published."""
    areas = ds.areas
    short = areas[S.KOMMUNE].str.split(" (", regex=False).str[0]
    suffix = areas[S.AREA].str.split(" ").str[1]
    assert (areas["name"] == short + " " + suffix).all()
    assert (areas["name_belegt"] == "nein").all()
    published = [line.split("|")[1] for line in demo.AREAS.strip().splitlines()
                 if line.split("|")[2] == "ja"]
    assert len(published) == 9
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEMO.rglob("*"))
             if p.is_file() and p.suffix in (".csv", ".md")]
    for name in published:
        assert not any(re.search(rf"\b{re.escape(name)}\b", t) for t in texts), name


def test_areas_fill_the_real_outlines(ds):
    doc = json.loads(demo.OUTLINES.read_text(encoding="utf-8"))
    outline = {f["properties"]["ags"]: shape(f["geometry"]) for f in doc["features"]}
    for ags, sub in ds.areas.groupby(S.AGS):
        geoms = [ds.geometry[c] for c in sub[S.AREA]]
        assert all(g.geom_type == "Polygon" for g in geoms), ags  # contiguous
        union = shapely.union_all(geoms)
        # only rounding to 1 mm where a border meets the outline differs
        assert union.symmetric_difference(outline[ags]).area < 1e-5 * outline[ags].area, ags


def test_map_credit_travels_with_the_geometry(ds):
    assert "GeoBasis-DE / BKG" in ds.map_credit and "schematisch" in ds.map_credit
    doc = json.loads((DEMO / S.GEOMETRY_FILE).read_text(encoding="utf-8"))
    assert doc[S.GEOMETRY_CREDIT] == ds.map_credit


def test_noise_leaves_borderline_cases_in_every_field(ds):
    cfg = load_config(CONFIG)
    res = run(ds, cfg)
    for f in cfg.counted_fields:
        need = res.need[f"{f}_bedarf_flag"]
        labels = [stability_label(s, n, cfg.robustheit.stabil_ab)
                  for s, n in zip(res.stability[f], need, strict=True)]
        borderline = labels.count("Grenzfall")
        assert 1 <= borderline < len(labels) / 2, (f, borderline)
        idx = res.need.loc[need, f"{f}_index"]
        assert idx.min() < cfg.bedarf.regional_index + 0.5, f  # not all far above


def test_need_indices_do_not_pile_up_at_the_threshold(ds):
    """The calibration must not park the need areas just above the rule-1 threshold.

    Two symptoms of a demo tuned to hit the seed's counts, checked per counted field:

    * at most 30 % of the need areas lie within 0,10 above the rule-1 threshold. A band of
      0,10 is a tenth of a standard deviation; in a field whose need areas spread over about
      one standard deviation above their lowest rule (0,5) and the threshold (1,0), a tenth to
      a fifth of them falling in it is ordinary; 30 % leaves room for noise, while a pile-up
      (28 of 43 areas of the older people's field before the fix, 65 %) fails;
    * the band between the lowest index the other rules accept (kommunal, absolut: 0,5) and
      the rule-1 threshold is not empty: there those rules decide, so a field whose areas all lie
      either clearly above the threshold or far below it would leave those rules and the
      robustness check nothing to do. This does not yet demand a smooth index below the
      threshold: with 43 of 93 areas in need, a z-standardised index (mean 0, SD 1) leaves
      little room for areas without need close to it (see ``demo.LATENT_MARKED``).
    """
    cfg = load_config(CONFIG)
    res = run(ds, cfg, with_stability=False)
    t = cfg.bedarf.regional_index
    low = min(cfg.bedarf.kommunal_index, cfg.bedarf.absolut_index)
    for f in cfg.counted_fields:
        need = res.need[f"{f}_bedarf_flag"]
        idx = res.need[f"{f}_index"]
        near = (need & (idx >= t) & (idx < t + 0.10)).sum()
        assert near <= 0.30 * need.sum(), (f, int(near), int(need.sum()))
        below = ((idx >= low) & (idx < t)).sum()
        assert below > 0, f


def test_small_areas_have_noisier_rates(ds):
    """Overdispersed counts: year-to-year swings of a rate are larger in small areas."""
    c = ds.counts[ds.counts[S.VARIABLE].isin(["mindestsicherung", "bev_gesamt"])]
    wide = c.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    rate = (wide["mindestsicherung"] / wide["bev_gesamt"]).unstack(S.YEAR)
    swing = np.log(rate).diff(axis=1).abs().mean(axis=1)
    pop = wide["bev_gesamt"].unstack(S.YEAR)[YEAR]
    small, large = pop < pop.quantile(0.25), pop > pop.quantile(0.75)
    assert swing[small].mean() > 1.3 * swing[large].mean()


def test_no_reference_neighbourhood_names_in_planning_texts():
    """Notes and goals name areas by code or Kommune, not by real neighbourhood names
    that would carry invented figures."""
    text = (DEMO / "wirkungsziele.csv").read_text(encoding="utf-8")
    for name in ("Unterstolberg", "Rothe Erde", "Setterich", "Venwegen"):
        assert not re.search(name, text), name


def _shares(ds) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per share indicator (scale 100, area level): (numerator, denominator), area × year."""
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    out = {}
    ind = ds.indicators
    for _, r in ind[(ind["skala"] == 100) & (ind[S.LEVEL] == "sozialraum")].iterrows():
        out[r[S.INDICATOR]] = (wide[r[S.NUMERATOR]].unstack(S.YEAR),
                               wide[r[S.DENOMINATOR]].unstack(S.YEAR))
    return out


MIN_DENOMINATOR = 20
TREND_ALLOWANCE = 0.10  # a genuine five-year change of a small-area share, generous
CHANCE_SE = 3.0  # standard errors of chance difference on top of it


def test_shares_move_plausibly_over_five_years(ds):
    """A share of at least MIN_DENOMINATOR people changes between the first and the last
    demo year by at most TREND_ALLOWANCE (10 percentage points – real small-area shares
    rarely move more in five years) plus CHANCE_SE binomial standard errors of the
    difference of two shares of that size, sqrt(p(1−p)(1/n₁ + 1/n₂)) at the pooled share p.
    Chance alone (independent binomial counts) exceeds that in well under 0.3 % of the
    comparisons; the old normal noise gave e.g. 2,2 % → 68,8 % long-term unemployed
    (45 → 32 unemployed) or 25 % → 63 % single parents among 164 → 173 households."""
    first, last = min(ds.years), max(ds.years)
    bad = []
    for ind, (num, den) in _shares(ds).items():
        n1, n2 = den[first], den[last]
        p1, p2 = num[first] / n1, num[last] / n2
        pooled = (num[first] + num[last]) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        big = (n1 >= MIN_DENOMINATOR) & (n2 >= MIN_DENOMINATOR)
        jump = big & ((p2 - p1).abs() > TREND_ALLOWANCE + CHANCE_SE * se)
        bad += [(ind, a, round(100 * p1[a], 1), round(100 * p2[a], 1), n1[a], n2[a])
                for a in jump[jump].index]
    assert not bad, bad
    assert len(_shares(ds)) >= 10  # the check covers the share indicators


def test_long_term_unemployed_share_has_a_plausible_floor(ds):
    """About a third of the unemployed are long-term unemployed in every German region;
    even from a low share of 25 %, a long-term share below 5 % among ≥ 20 unemployed
    (none at all, P = 0.3 % binomial) or below 10 % among ≥ 50 unemployed (at most 4,
    P = 0.4 %) would be a freak draw, not a neighbourhood (the old noise gave 0 of 8,
    1 of 45 = 2,2 %)."""
    num, den = _shares(ds)["langzeitarbeitslose"]
    share = num / den
    assert not (share[den >= 20] < 0.05).any().any(), share[den >= 20].min().min()
    assert not (share[den >= 50] < 0.10).any().any(), share[den >= 50].min().min()
    assert (den >= 50).sum().sum() > 50  # the floor is tested on many area-years


# An implausible swing (the rule of test_no_implausible_swings): a rate of at least
# SWING_MIN_N counted units in both years that moves by more than SWING_PP percentage points
# AND by more than the factor SWING_FACTOR AND by more than SWING_CHANCE_SE standard errors of
# chance.
SWING_MIN_N = 30
SWING_PP = 0.15
SWING_FACTOR = 2.0
SWING_CHANCE_SE = 3.0


def _rates(ds) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per area-level indicator (any scale): (numerator, denominator), area × year."""
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    ind = ds.indicators[ds.indicators[S.LEVEL] == "sozialraum"]
    return {r[S.INDICATOR]: (wide[r[S.NUMERATOR]].unstack(S.YEAR),
                             wide[r[S.DENOMINATOR]].unstack(S.YEAR))
            for _, r in ind.iterrows()}


def implausible_swings(ds) -> list[tuple]:
    """Every area × indicator × pair of years (first and last demo year, and each two
    consecutive years) whose rate swings implausibly; see test_no_implausible_swings."""
    years = sorted(ds.years)
    pairs = [(years[0], years[-1])] + list(zip(years, years[1:], strict=False))
    out = []
    for ind, (num, den) in _rates(ds).items():
        for y0, y1 in pairs:
            n0, n1, k0, k1 = den[y0], den[y1], num[y0], num[y1]
            p0, p1 = k0 / n0, k1 / n1
            pooled = (k0 + k1) / (n0 + n1)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
            lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
            with np.errstate(divide="ignore", invalid="ignore"):
                swing = ((n0 >= SWING_MIN_N) & (n1 >= SWING_MIN_N)
                         & ((p1 - p0).abs() > SWING_PP)
                         & (hi > SWING_FACTOR * lo)
                         & ((p1 - p0).abs() > SWING_CHANCE_SE * se))
            out += [(ind, a, y0, y1, round(100 * p0[a], 1), round(100 * p1[a], 1),
                     int(n0[a]), int(n1[a])) for a in swing[swing].index]
    return out


def test_no_implausible_swings(ds):
    """No area's rate swings implausibly between the first and the last demo year (the
    comparison of the change chapter) or from one year to the next.

    Rule: flagged when, with at least 30 counted units (denominator) in both years, the
    rate moves by more than 15 percentage points AND the larger rate is more than twice the
    smaller AND the change exceeds 3 standard errors of chance. Why these bounds:

    * 15 points: real small-area shares move by a few points a year; 15 points in five
      years is three points every year in the same direction – in a real series only after
      an event the planners would know of (a new estate, a shelter), never as noise.
    * factor 2: a share that doubles or halves (the old demo: 52,8 % → 15,9 % single parents
      among 53 → 44 Bedarfsgemeinschaften in A 4, 5 % → 37,5 % children with migration
      background among 40 in SI 1) is what a Sozialplanerin would have to explain in
      committee; both bounds together spare large relative changes of small shares
      (2 % → 5 %) and large point changes of large shares (40 % → 56 %).
    * chance: genuine small-number noise is not flagged – with 30 to 50 children per
      school-entry cohort, 15 points can be chance; a change beyond 3 binomial standard
      errors of the difference (√(p(1−p)(1/n₀ + 1/n₁)) at the pooled rate p) happens by
      chance in 0,3 % of comparisons of independent draws, and the demo's counts of a
      neighbourhood persist from year to year, so they should not reach it. Below 30
      counted units a rate is not judged at all (the report marks rates below 50 as
      „unsicher“)."""
    bad = implausible_swings(ds)
    assert not bad, bad
    assert len(_rates(ds)) >= 15  # every area-level indicator is scanned


def test_demo_goals_fit_measures_indicator_and_direction(ds):
    """Review R2-15: each goal's indicator belongs to the goal's field, and help with
    benefit applications aims at *more* take-up (a working measure is not „nicht auf
    Kurs“)."""
    from analysis.method.concept import impact_progress

    fields = ds.indicators.set_index(S.INDICATOR)["handlungsfelder"]
    for _, g in ds.goals.iterrows():
        assert g[S.FIELD] in fields[g[S.INDICATOR]], g["ziel_id"]
    cfg = load_config(CONFIG)
    res = run(ds, cfg, with_stability=False)
    pr = impact_progress(ds.goals, res.area, res.municipal, YEAR).set_index("ziel_id")
    uptake = ds.goals[ds.goals["massnahmen"].str.contains("Antragshilfe")]
    assert not uptake.empty
    for gid in uptake["ziel_id"]:
        assert pr.loc[gid, "richtung"] == "erhöhen", gid


POVERTY_RATES = ("mindestsicherung", "sgb2", "sgb2_u15", "grusi_alter")


@pytest.fixture(scope="module")
def municipal_rates(ds) -> pd.DataFrame:
    """Kommune (AGS) × indicator: the municipal values of the report year, as the method
    computes them for the Kommune table (from the committed counts)."""
    res = run(ds, load_config(CONFIG), with_stability=False)
    m = res.municipal[res.municipal[S.YEAR] == YEAR]
    return m.pivot_table(index=S.AGS, columns=S.INDICATOR, values="wert", observed=True)


def test_poverty_is_highest_in_the_city_and_old_industrial_towns(municipal_rates):
    """Review R2-31: poverty – old-age poverty included – is an urban phenomenon. The
    Kommunen the generator profiles as urban core or old-industrial have a higher mean rate
    than the rural Eifel, and no Eifel Kommune lies above the median of the other seven
    (the old demo: Grundsicherung im Alter 15,6 % in Monschau, 3,7 % in Aachen)."""
    profile = pd.Series(demo.PROFILE)
    urban = profile[profile.isin(["kernstadt", "altindustriell"])].index
    eifel = profile[profile == "eifel"].index
    others = profile.index.difference(eifel)
    assert len(urban) >= 3 and len(eifel) >= 2
    for ind in POVERTY_RATES:
        v = municipal_rates[ind]
        assert v[urban].mean() > v[eifel].mean(), (ind, v.round(2).to_dict())
        assert (v[eifel] <= v[others].median()).all(), (ind, v.round(2).to_dict())


def test_childrens_sgb2_rate_is_about_twice_the_overall_rate(municipal_rates):
    """Families with children draw SGB II more often than the average: in every Kommune
    the SGB-II rate of children under 15 lies between 1,3 and 2,5 times the SGB-II rate
    (about 1,5 to 2 in German Kommunen; the old demo had 1,5 in Monschau, 3,8 in
    Herzogenrath)."""
    ratio = municipal_rates["sgb2_u15"] / municipal_rates["sgb2"]
    assert len(ratio) == len(demo.MUNICIPALITIES)
    assert ratio.between(1.3, 2.5).all(), ratio.round(2).to_dict()


# --------------------------------------------------------------------------- review 3, #8
def _measure_services(ds, gebiet: str, year: int) -> pd.DataFrame:
    """Active services serving the goal's area (an AGS: any area of that Kommune)."""
    inside = set(ds.areas.loc[ds.areas[S.AGS] == gebiet, S.AREA]) or {gebiet}
    act = active_services(ds.services, year)
    return act[act["sozialraeume"].map(lambda v: bool(inside & set(split_areas(v))))]


def _names_service(measure: str, svc: pd.Series) -> bool:
    """A measure names a service when the service's name contains it or the measure names
    the service's type („Aufsuchende Seniorenberatung“ – „Seniorenberatung“)."""
    m = measure.casefold()
    return m in svc["name"].casefold() or svc["typ"].casefold() in m


def test_goal_measures_are_in_the_inventory_or_marked_planned(ds):
    """Review 3, #8: a goal named „Brückenprojekt vor der Einschulung“, which no inventory
    listed. Each measure of a goal is either run by an active service for the goal's area
    (Kommune) – found by name or type – or says „(geplant …)“, is not running yet there,
    and the goals page shows that mark with the measure."""
    from analysis.views.concept_report import open_concept

    planned, found = [], []
    codes = list(ds.areas[S.AREA])
    for _, g in ds.goals.iterrows():
        local = _measure_services(ds, g["gebiet"], YEAR)
        for measure in g["massnahmen"].split("|"):
            if "(geplant" in measure:
                planned.append(measure)
                # … and not running yet where it is planned (the areas it names, else
                # the goal's): „Aufsuchende Seniorenberatung in S 10 und S 12 (geplant)“
                what = re.sub(r"\s*\(geplant[^)]*\)", "", measure)
                where = [c for c in codes if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", what)]
                there = (pd.concat([_measure_services(ds, c, YEAR) for c in where])
                         if where else local)
                running = [r["name"] for _, r in there.iterrows() if _names_service(what, r)]
                assert not running, (g["ziel_id"], measure, running)
                continue
            hits = [r["name"] for _, r in local.iterrows() if _names_service(measure, r)]
            assert hits, (g["ziel_id"], measure, g["gebiet"])
            found.append(measure)
    assert found and planned  # both cases occur in the demo
    c = open_concept(DEMO, CONFIG)
    shown = c.progress_table()._repr_html_()  # the goals page's table
    for measure in planned:
        assert html.escape(measure) in shown, measure


_MISSING_AFTER = re.compile(r"\b(?:kein|keine|keinen|keiner|fehlende|fehlenden)\b\s+(.*)",
                            re.IGNORECASE)
_MISSING_BEFORE = re.compile(r"(.*?)\s+\b(?:fehlt|fehlen)\b", re.IGNORECASE)


def _missing_phrases(text: str) -> list[str]:
    """What a finding says is missing: the words after „kein …“/„fehlende …“ up to „und“
    or the end of the clause, and the words of a clause before „… fehlt/fehlen“."""
    out = []
    for clause in re.split(r"[.,;:!?]", text):
        m = _MISSING_AFTER.search(clause)
        if m:
            out.append(re.split(r"\bund\b", m.group(1))[0])
        m = _MISSING_BEFORE.search(clause)
        if m:
            out.append(m.group(1))
    return out


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-zÄÖÜäöüß]+", text) if len(w) >= 5}


def _same_stem(a: str, b: str, stem: int = 7) -> bool:
    """„Ganztagsplätze“ – „Ganztagsschule“, „Brückenangebote“ – „Brückenprojekt“."""
    n = min(len(a), len(b), stem)
    return a[:n] == b[:n] and n >= 5


def test_findings_of_a_missing_service_are_not_contradicted(ds):
    """Review 3, #8: a finding says something is missing („fehlt“, „fehlen“, „kein“) –
    then no service of that kind was active there when the finding was written. A service
    is of that kind when its type or the first word of its name shares the stem of a
    missing word (the old „fehlende Ganztagsplätze“ in an area with Offenen Ganztag)."""
    checked = 0
    for note in ds.notes:
        areas = set(note.areas) or set(ds.areas.loc[ds.areas[S.AGS] == note.ags, S.AREA])
        year = min(int(note.date[:4]), YEAR)
        act = active_services(ds.services, year)
        act = act[act["sozialraeume"].map(lambda v, a=areas: bool(a & set(split_areas(v))))]
        for phrase in _missing_phrases(f"{note.title}. {note.text}"):
            missing = _words(phrase)
            checked += 1
            for _, r in act.iterrows():
                own = _words(r["typ"]) | _words(r["name"].split(" ")[0])
                clash = {(m, o) for m in missing for o in own if _same_stem(m, o)}
                assert not clash, (note.file, phrase, r["name"], r["sozialraeume"], clash)
    assert checked >= 3  # the demo's findings do name missing things


def test_services_a_finding_speaks_of_are_in_the_inventory(ds):
    """The reverse of the test above: a finding that speaks of a service as present („Der
    Bürgerbus fährt …“, „Das Quartiersbüro im Sozialraum …“) finds one of that kind among
    the services active in its areas when it was written (kinds as above; a word names a
    kind when some service anywhere in the inventory shares its stem)."""
    def own(r: pd.Series) -> set[str]:
        return _words(r["typ"]) | _words(r["name"].split(" ")[0])

    anywhere = set().union(*(own(r) for _, r in ds.services.iterrows()))
    checked = 0
    for note in ds.notes:
        areas = set(note.areas) or set(ds.areas.loc[ds.areas[S.AGS] == note.ags, S.AREA])
        act = active_services(ds.services, min(int(note.date[:4]), YEAR))
        act = act[act["sozialraeume"].map(lambda v, a=areas: bool(a & set(split_areas(v))))]
        here = set().union(*(own(r) for _, r in act.iterrows()))
        for m in re.finditer(r"\b(?:Der|Die|Das)\s+(\S+)", note.text):
            word = m.group(1).casefold()
            if any(_same_stem(word, k) for k in anywhere):
                assert any(_same_stem(word, k) for k in here), (note.file, m.group(0))
                checked += 1
    assert checked >= 3  # Bürgerbus, Quartiersbüro, Schuldner- and Seniorenberatung


# --------------------------------------------------------------------------- review 3, #17
@pytest.fixture(scope="module")
def adjacent(ds) -> dict[str, set[str]]:
    from analysis.method.concept import adjacency

    return adjacency(ds.geometry)


def test_multi_area_services_serve_adjacent_areas_of_one_kommune(ds, adjacent):
    """A service for several areas serves a connected group of adjacent areas (the
    method's neighbour notion) in one Kommune – or whole Kommunen (a regional office)."""
    ags = dict(zip(ds.areas[S.AREA], ds.areas[S.AGS], strict=True))
    members = ds.areas.groupby(S.AGS)[S.AREA].agg(set).to_dict()
    checked = 0
    for _, r in ds.services.iterrows():
        codes = set(split_areas(r["sozialraeume"]))
        if len(codes) < 2:
            continue
        start = min(codes)
        reached, todo = {start}, [start]
        while todo:
            for n in adjacent[todo.pop()] & codes - reached:
                reached.add(n)
                todo.append(n)
        assert reached == codes, (r["name"], r["sozialraeume"], "nicht zusammenhängend")
        kommunen = {ags[c] for c in codes}
        assert len(kommunen) == 1 or all(members[k] <= codes for k in kommunen), (
            r["name"], r["sozialraeume"])
        checked += 1
    assert checked >= 20


def test_outreach_goes_to_different_neighbours_without_an_own_service(ds):
    """Review 3, #17: every Seniorenberatung reached into its Kommune's first area („AC 2|AC
    1“, „AC 3|AC 1“, twice „AC 14|AC 11“). A service located in one area (listed first)
    that reaches into a second one reaches into an area without a service of its kind
    (type and first word of the name) of its own, and no two services of a kind reach
    into the same area."""
    svc = ds.services.assign(
        kind=ds.services["typ"] + "/" + ds.services["name"].str.split(" ").str[0],
        codes=ds.services["sozialraeume"].map(split_areas))
    home = svc.assign(home=svc["codes"].str[0])
    located = set(zip(home["kind"], home["home"], strict=True))
    pairs = home[home["codes"].map(len) == 2].assign(target=lambda d: d["codes"].str[1])
    assert len(pairs) >= 10
    for _, r in pairs.iterrows():
        assert (r["kind"], r["target"]) not in located, (r["name"], r["sozialraeume"])
    twice = pairs[pairs.duplicated(["kind", "target"], keep=False)]
    assert twice.empty, twice[["name", "sozialraeume"]].to_numpy().tolist()

def test_declared_subsets_hold_in_every_area_and_year(ds):
    """Every pair of ``teilmengen`` in the shipped configuration holds in the demo counts
    (R4-01: 36 of 91 areas had fewer children under 18 in Bedarfsgemeinschaften than
    children under 15 with SGB II)."""
    pairs = load_config(CONFIG).subsets
    assert len(pairs) >= 5
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    for part, whole in pairs:
        bad = wide[wide[part] > wide[whole]]
        assert bad.empty, (part, whole, bad[[part, whole]].head().to_dict("index"))


def test_children_in_bedarfsgemeinschaften_exceed_the_under_15s_plausibly(ds):
    """Children under 18 in Bedarfsgemeinschaften are the under-15s with SGB II plus the
    15–17-year-olds: in every year about 1,15–1,3 times as many, in the region and in the
    middle of the areas; equal only where few children are counted at all."""
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    for year in ds.years:
        w = wide.xs(year, level=S.YEAR)
        ratio = w["kinder_bg"] / w["sgb2_u15"]
        assert 1.15 <= w["kinder_bg"].sum() / w["sgb2_u15"].sum() <= 1.3, year
        assert 1.15 <= ratio.median() <= 1.3, (year, ratio.median())
        assert ratio.quantile(0.1) >= 1.05, (year, ratio.quantile(0.1))
        equal = w[w["kinder_bg"] == w["sgb2_u15"]]
        assert len(equal) <= 5 and (equal["sgb2_u15"] <= 25).all(), equal["sgb2_u15"]


# --------------------------------------------------------------------------- review 4, R4-02/12/13
def _region_counts(ds, year: int) -> pd.Series:
    """Variable → sum over all areas in ``year``."""
    c = ds.counts[ds.counts[S.YEAR] == year]
    return c.groupby(S.VARIABLE)[S.COUNT].sum()


def test_80plus_are_a_plausible_share_of_the_65plus(ds):
    """R4-02: the people aged 80+ are about a third of those aged 65+ (in Germany 2021 6,1
    of 18,4 million), more in old areas, never most of them. In every year the median over
    the areas lies between 0,30 and 0,40, no area above 0,6, and the region's share of the
    80+ in the population stays near the German 7 % (the old demo: 10,4 %, and in 28 of 93
    areas more than half of the 65+ were 80+)."""
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    for year in ds.years:
        w = wide.xs(year, level=S.YEAR)
        ratio = w["bev_80plus"] / w["bev_65plus"]
        assert 0.30 <= ratio.median() <= 0.40, (year, round(ratio.median(), 3))
        assert ratio.max() <= 0.6, (year, ratio.idxmax(), round(ratio.max(), 3))
        total = _region_counts(ds, year)
        share = 100 * total["bev_80plus"] / total["bev_gesamt"]
        assert 5.0 <= share <= 8.5, (year, round(share, 2))


def test_municipal_65plus_shares_stay_in_a_plausible_band(municipal_rates):
    """R4-02: the share of people aged 65+ of a Kommune lies between 15 and 32 % (in NRW
    about 18–30 %; the old demo: Monschau 41,3 %, Simmerath 41,2 %, Aachen 17,5 %), and the
    Eifel Kommunen, the oldest of the synthetic world, lie above the city of Aachen."""
    v = municipal_rates["anteil_65plus"]
    assert len(v) == len(demo.MUNICIPALITIES)
    assert v.between(15.0, 32.0).all(), v.round(1).to_dict()
    profile = pd.Series(demo.PROFILE)
    city = profile[profile == "kernstadt"].index
    eifel = profile[profile == "eifel"].index
    assert v[eifel].min() > v[city].max(), v.round(1).to_dict()


def test_65plus_shares_do_not_pile_up_at_the_generators_cap(ds):
    """R5-02: the share of people aged 65+ has no visible ceiling. In the report year at most
    two areas share the highest value (rounded to 0,1 as printed), and no area shows the
    same value (0,1) in every year (the old demo clipped at 38 %: nine areas at 38,0 % in
    2021, M 1 at 38,0 in all six years)."""
    wide = ds.counts.pivot_table(index=[S.AREA, S.YEAR], columns=S.VARIABLE, values=S.COUNT)
    share = (100 * wide["bev_65plus"] / wide["bev_gesamt"]).round(1).unstack(S.YEAR)
    last = share[max(ds.years)]
    at_max = last[last == last.max()]
    assert len(at_max) <= 2, at_max.to_dict()
    constant = share.nunique(axis=1)
    assert (constant > 1).all(), share[constant == 1].to_dict("index")


def test_eifel_kommunen_are_at_least_as_old_as_the_suburban_ones(municipal_rates):
    """R5-03: ageing is most advanced in the rural Eifel; the suburban Kommunen of the north
    (Herzogenrath, Würselen, Baesweiler) are younger (the old demo: Herzogenrath 30,2 %,
    Würselen 28,2 %, the Eifel Kommunen 25,5–27,7 %)."""
    v = municipal_rates["anteil_65plus"]
    profile = pd.Series(demo.PROFILE)
    suburban = profile[profile == "suburban"].index
    eifel = profile[profile == "eifel"].index
    assert v[eifel].min() >= v[suburban].max(), v.round(1).to_dict()


def test_older_people_live_alone_most_often_in_the_cities(municipal_rates):
    """R4-13: older people live alone most often in the city and the old industrial towns,
    least often in the Eifel villages (with family). The urban Kommunen's mean share of
    people aged 65+ living alone lies above the Eifel's mean, and the city of Aachen above
    every Eifel Kommune (the old demo: Simmerath 54,1 %, Roetgen 53,1 %, Aachen 33,6 %)."""
    v = municipal_rates["alleinlebend_65plus"]
    profile = pd.Series(demo.PROFILE)
    urban = profile[profile.isin(["kernstadt", "altindustriell"])].index
    city = profile[profile == "kernstadt"].index
    eifel = profile[profile == "eifel"].index
    assert v[urban].mean() > v[eifel].mean(), v.round(1).to_dict()
    assert v[city].min() > v[eifel].max(), v.round(1).to_dict()


def test_comparison_year_mindestsicherung_matches_the_published_rate(ds):
    """R4-12: the one published region rate of the seed period is the Mindestsicherungsquote
    of 31.12.2016, 11,5 % (about 65.000 people; Sozialbericht 2018). The demo's comparison
    year lies within ± 0,5 points of it (the value lives in the generator's documented
    constants, so the test runs on a clean clone); 2021 stays plausible (10–14 %)."""
    first, last = min(ds.years), max(ds.years)
    assert first == 2016
    for year, low, high in ((first, demo.PUBLISHED_MINDESTSICHERUNG_2016 - 0.5,
                             demo.PUBLISHED_MINDESTSICHERUNG_2016 + 0.5), (last, 10.0, 14.0)):
        total = _region_counts(ds, year)
        rate = 100 * total["mindestsicherung"] / total["bev_gesamt"]
        assert low <= rate <= high, (year, round(rate, 2))
