"""The change chapter of the Sozialbericht (Veränderung): how the classification changed
since the comparison year, the dynamics index and status × dynamics types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.common.ids import natural_sorted
from analysis.contract import schema as S
from analysis.gate import disclosure as D
from analysis.method.core import TYPES, typology
from analysis.rendering.figures import FigureOutput
from analysis.rendering.maps import ClassScheme, choropleth
from analysis.rendering.palettes import ATTENTION
from analysis.rendering.prose import Prose, Stack, prose
from analysis.rendering.tables import TableOutput
from analysis.views.context import (
    BORDERLINE,
    Chapter,
    Heading,
)

# "stabil" is a statement about the FIELD index only: single indicators of the field may
# have worsened beyond the noise (review R4-03), so no type says „nicht verschlechtert“
TYPE_LABEL = {
    "aufmerksamkeit": "besonderer Aufmerksamkeitsbedarf",
    "bedarf_stabil": "Handlungsbedarf, keine gesicherte Verschlechterung des Feldes",
    "bedarf_positiv": "Handlungsbedarf, Lage verbessert",
    "beobachten": "kein Handlungsbedarf, Lage verschlechtert (beobachten)",
    "unauffaellig": "kein Handlungsbedarf, keine gesicherte Verschlechterung des Feldes",
}


TYPE_SHORT = {
    "aufmerksamkeit": "Bedarf und negativ",
    "bedarf_stabil": "Bedarf, Feld stabil",
    "bedarf_positiv": "Bedarf, positiv",
    "beobachten": "kein Bedarf, negativ",
    "unauffaellig": "kein Bedarf, sonst",
}

#: column of the typology table: need, field stable, but single indicators worsened
SINGLE_WORSE = "davon mit einzelnen verschlechterten Indikatoren"
#: column of the typology table: areas whose field dynamics cannot be judged
NOT_JUDGED = "Dynamik nicht bewertbar"

#: the map's classes (highest over the fields, :meth:`Change._area_types`), lowest first
AREA_TYPE_LABELS = (
    "kein Handlungsbedarf, kein Feld gesichert verschlechtert",
    "kein Handlungsbedarf, Lage verschlechtert (beobachten)",
    "Handlungsbedarf, keine Verschlechterung festgestellt",
    "Handlungsbedarf; anderes Feld oder einzelne Indikatoren verschlechtert (beobachten)",
    "besonderer Aufmerksamkeitsbedarf",
)


DYNAMICS_LABEL = {"positiv": "positiv", "stabil": "stabil", "negativ": "negativ",
                  "": "nicht bewertet"}


@dataclass
class Change(Chapter):
    """The change chapter (notebook ``30_veraenderung``)."""

    # ------------------------------------------------------------------ change
    def change_text(self) -> Prose:
        base = self.cfg.vergleichsjahr
        if base is None or self.res.need_previous is None:
            return prose("Für diese Ausgabe ist kein Vergleichsjahr konfiguriert.")
        items = []
        for f in self.cfg.fields:
            now = self.res.need[f"{f}_bedarf_flag"]
            before = self.res.need_previous[f"{f}_bedarf_flag"].reindex(now.index, fill_value=False)
            entered = natural_sorted(now.index[now & ~before])
            left = natural_sorted(now.index[~now & before])
            knapp = int(self.borderline(f).reindex(entered, fill_value=False).sum())
            items.append(self.change_phrase(f, entered, left, knapp))
        return prose(
            f"Zwischen {base} und {self.year} hat sich die Einstufung so verändert:", items=items
        )

    def change_phrase(self, field: str, entered: list[str], left: list[str],
                      borderline: int = 0) -> str:
        """How one field's classification changed (block ``bericht.veraenderung.feld``):
        the areas newly in need (``borderline`` of them only „knapp“) and those no longer
        in need, in whole German sentences for 0, 1, 2 and many."""
        return self.say1(
            "bericht.veraenderung.feld", feld=self.cfg.handlungsfelder[field].kurz,
            explorativ="ja" if self.is_exploratory(field) else "nein",
            wandel="ja" if entered or left else "nein", neu=list(entered),
            davon_knapp=self.borderline_tail(len(entered), borderline),
            entfallen=list(left))

    def change_table(self) -> TableOutput | Stack:
        """Per core indicator: areas improving / stable / worsening since the comparison
        year; indicators judged ``neutral`` (and context indicators) in a second table
        that only says risen / fallen."""
        ch = self.res.change
        base = self.cfg.vergleichsjahr
        flags = self.gate.area_values[[S.AREA, S.YEAR, S.INDICATOR, D.FLAG]]
        hidden = (
            flags[flags[S.YEAR].isin([self.year, base])]
            .groupby([S.AREA, S.INDICATOR], observed=True)[D.FLAG]
            .any()
        )
        ch = ch.set_index([S.AREA, S.INDICATOR])
        ch = ch[~hidden.reindex(ch.index, fill_value=True)].reset_index()
        judged_rows, neutral_rows = [], []
        n_areas = len(self.areas)
        for f in self.cfg.fields:
            fc = self.cfg.handlungsfelder[f]
            for ind in [*fc.indikatoren, *fc.kontext]:
                sub = ch[ch[S.INDICATOR] == ind]
                if sub.empty:
                    continue
                row = {"Indikator": self.label(ind) + (" (Kontext)" if ind in fc.kontext else ""),
                       "Handlungsfeld": fc.kurz}
                if (sub["bewertung"] == "neutral").all():
                    row.update({"gestiegen": int((sub["dynamik"] == "gestiegen").sum()),
                                "stabil": int((sub["dynamik"] == "stabil").sum()),
                                "gesunken": int((sub["dynamik"] == "gesunken").sum())})
                    target = neutral_rows
                else:
                    row.update({"verbessert": int((sub["dynamik"] == "verbessert").sum()),
                                "stabil": int((sub["dynamik"] == "stabil").sum()),
                                "verschlechtert": int((sub["dynamik"] == "verschlechtert").sum())})
                    target = judged_rows
                # withheld in either year, or missing: not judged (the rows add up to all areas)
                row["nicht bewertbar"] = n_areas - sum(
                    v for k, v in row.items() if k not in ("Indikator", "Handlungsfeld"))
                row.update({"Region vorher": self.gate.region_value(ind, base),
                            "Region jetzt": self.gate.region_value(ind)})
                target.append(row)
        formats = {"Region vorher": lambda x: fmt.number(x, 1),
                   "Region jetzt": lambda x: fmt.number(x, 1)}
        rule = (f"Schwelle ± {fmt.number(self.cfg.dynamik.schwelle, 1)}"
                + (" und außerhalb der Zufallsschwankung" if self.cfg.dynamik.vertrauensniveau
                   else ""))
        judged = TableOutput(
            pd.DataFrame(judged_rows, columns=["Indikator", "Handlungsfeld", "verbessert",
                                               "stabil", "verschlechtert", "nicht bewertbar",
                                               "Region vorher", "Region jetzt"]),
            f"Entwicklung der Kernindikatoren {base}–{self.year}: Zahl der "
            f"Sozialräume ({rule})",
            number_formats=formats,
            row_header="Indikator",
        )
        if not neutral_rows:
            return judged
        neutral = TableOutput(
            pd.DataFrame(neutral_rows),
            f"Indikatoren ohne Bewertung (Zusammensetzung, Kontext) {base}–{self.year}: Zahl "
            f"der Sozialräume mit gestiegenem oder gesunkenem Wert ({rule})",
            number_formats=formats,
            row_header="Indikator",
        )
        return Stack((judged, prose(
            "Die folgenden Indikatoren beschreiben die Zusammensetzung der Bevölkerung oder "
            "den Kontext. Ein höherer Wert kann mehr Bedarf an Angeboten anzeigen – als "
            "Kernindikator geht er in den Handlungsbedarf ein –, ist aber keine Verbesserung "
            "oder Verschlechterung der Lebenslage; gezeigt wird deshalb nur, wo er gestiegen "
            "oder gesunken ist. Sie gehen nicht in den Dynamikindex ein."),
            neutral))

    def change_lists(self) -> TableOutput:
        base = self.cfg.vergleichsjahr
        rows, hrefs = [], []
        for f in self.cfg.fields:
            now = self.res.need[f"{f}_bedarf_flag"]
            before = self.res.need_previous[f"{f}_bedarf_flag"].reindex(now.index, fill_value=False)
            for code in natural_sorted(now.index[now != before]):
                hrefs.append(self.area_href(code))
                rows.append(
                    {
                        "Sozialraum": self.area_label(code),
                        "Kommune": self.areas.loc[code, S.KOMMUNE],
                        "Handlungsfeld": self.cfg.handlungsfelder[f].kurz,
                        "Veränderung": "neu mit Bedarf" if now[code] else "Bedarf entfallen",
                        f"Index {base}": self.res.need_previous.loc[code, f"{f}_index"],
                        f"Index {self.year}": self.res.need.loc[code, f"{f}_index"],
                    }
                )
        df = (
            pd.DataFrame(rows)
            if rows
            else pd.DataFrame(columns=["Sozialraum", "Kommune", "Handlungsfeld", "Veränderung"])
        )
        return TableOutput(
            df,
            f"Sozialräume, deren Einstufung sich seit {base} geändert hat",
            links={"Sozialraum": hrefs},
            number_formats={
                f"Index {base}": self.index_text,
                f"Index {self.year}": self.index_text,
            },
            row_header="Sozialraum",
        )

    # ------------------------------------------------------------------ status × dynamics
    @property
    def has_dynamics(self) -> bool:
        """A comparison year is configured and present in the data."""
        return self.res.dynamics is not None

    def dynamics_bounds(self, field: str, code: str) -> tuple[float, ...]:
        """The dynamics-index values that decide an area's class in ``field``: ±
        ``dynamik.index_schwelle`` and ± its noise (the index must exceed both)."""
        t = float(self.cfg.dynamik.index_schwelle)
        noise = float(self.res.dynamics.loc[code, f"{field}_dynamik_rauschen"])
        return (-t, t) if np.isnan(noise) else (-t, t, -noise, noise)

    def dynamics_class(self, field: str) -> pd.Series:
        """Area → „positiv“ / „stabil“ / „negativ“ / "" (not judged)."""
        return self.res.dynamics[f"{field}_dynamik"]

    def typology(self, field: str) -> pd.Series:
        """Area → status × dynamics type (:data:`analysis.method.core.TYPES`); made once
        per field (tables ask for it area by area). Callers must not change it."""
        made = self.__dict__.setdefault("_typologies", {})
        if field not in made:
            made[field] = typology(self.res.need[f"{field}_bedarf_flag"],
                                   self.dynamics_class(field))
        return made[field]

    def judged_areas(self, field: str) -> pd.Series:
        """Area → True where the field's dynamics could be judged (a class, not "")."""
        return self.dynamics_class(field).reindex(self.res.need.index).fillna("") != ""

    def worsened_single(self, field: str) -> pd.Series:
        """Area → True where at least one judged core indicator of the field worsened
        beyond the threshold and the noise (published values), whatever the field index
        did."""
        worse = self.res.dynamics[f"{field}_schlechter"].reindex(self.res.need.index)
        return worse.fillna("") != ""

    @property
    def attention_fields(self) -> list[str]:
        """Fields whose dynamics feed the areas of special attention (not exploratory)."""
        return [f for f in self.cfg.fields if not self.is_exploratory(f)]

    def _judged(self, field: str) -> list[str]:
        """The field's judged indicators (made once per field: asked area by area)."""
        made = self.__dict__.setdefault("_judged_fields", {})
        if field not in made:
            ev = self.res.change_published.drop_duplicates(S.INDICATOR).set_index(S.INDICATOR)
            made[field] = [i for i in self.cfg.handlungsfelder[field].indikatoren
                           if ev["bewertung"].get(i, "neutral") != "neutral"]
        return made[field]

    def _changes_of(self, code: str) -> pd.DataFrame:
        """The published changes of one area, rows in their order (the frame is split by
        area once: a filter of the whole frame per area grows with the square of the
        number of areas)."""
        ch = self.res.change_published
        by_area = self.__dict__.get("_changes_by_area")
        if by_area is None:
            by_area = {k: g for k, g in ch.groupby(S.AREA, observed=True, sort=False)}
            self.__dict__["_changes_by_area"] = by_area
        return by_area.get(code, ch.iloc[:0])

    def _change_phrase(self, indicator: str, delta: float) -> str:
        unit = self.unit(indicator)
        step = ("Prozentpunkte" if unit == "%" else unit)
        return f"{self.label(indicator)} {self.delta_text(delta)} {step}".rstrip()

    def dynamics_reasons(self, field: str, code: str) -> str:
        """Which judged indicators moved beyond the noise, with their change; when none
        did on its own but the index did, the changes in the index's direction."""
        judged = self._judged(field)
        ch = self._changes_of(code)
        sub = ch[ch[S.INDICATOR].isin(judged)].set_index(S.INDICATOR)
        sub = sub.reindex([i for i in judged if i in sub.index])
        parts = []
        for word in ("verschlechtert", "verbessert"):
            moved = sub[sub["dynamik"] == word]
            if len(moved):
                parts.append(f"{word}: " + fmt.join_de(
                    self._change_phrase(i, d) for i, d in moved["veraenderung"].items()))
        if parts:
            return "; ".join(parts)
        cls = self.dynamics_class(field).get(code, "")
        if cls in ("negativ", "positiv"):
            sign = sub["bewertung"].map({"hoch_schlecht": 1.0, "hoch_gut": -1.0})
            toward = sub[(sub["veraenderung"] * sign > 0) == (cls == "negativ")]
            toward = toward[toward["veraenderung"].abs() > 0]
            if len(toward):
                word = "verschlechtert" if cls == "negativ" else "verbessert"
                return (f"{word}, jeder Indikator für sich innerhalb der Schwankung: "
                        + fmt.join_de(self._change_phrase(i, d)
                                      for i, d in toward["veraenderung"].items()))
        return "kein Indikator außerhalb der Schwankung verändert"

    def dynamics_text(self) -> Prose:
        """How the dynamics index is built, and per field how many areas are positive,
        stable and negative, and how many need special attention."""
        if not self.has_dynamics:
            return prose("Für diese Ausgabe ist kein Vergleichsjahr konfiguriert.")
        base = self.cfg.vergleichsjahr
        dy = self.cfg.dynamik
        yes = {True: "ja", False: "nein"}
        items = []
        for f in self.cfg.fields:
            cls = self.dynamics_class(f)
            rated = bool((cls != "").any())
            att = (self.typology(f) == "aufmerksamkeit") if rated else cls != cls
            n, k = int(att.sum()), int((att & self.borderline(f)).sum())
            single = (self.typology(f) == "bedarf_stabil") & self.judged_areas(f) \
                & self.worsened_single(f)
            items.append(self.say1(
                "bericht.dynamik.feld", feld=self.cfg.handlungsfelder[f].kurz,
                explorativ=yes[self.is_exploratory(f)], bewertet=yes[rated],
                **{c: int((cls == c).sum()) for c in ("positiv", "stabil", "negativ")},
                nicht_bewertbar=int((~self.judged_areas(f)).sum()) if rated else 0,
                aufmerksamkeit=n, davon_knapp=self.borderline_tail(n, k),
                einzeln=int(single.sum()) if rated else 0,
                karte=yes[f in self.attention_fields]))
        types = self._area_types()
        att = types == 4
        firm = pd.Series(False, index=types.index)
        for f in self.attention_fields:
            firm |= (self.typology(f) == "aufmerksamkeit") & ~self.borderline(f)
        n_att, k_att = int(att.sum()), int((att & ~firm).sum())
        total = self.say1(
            "bericht.dynamik.gesamt",
            felder=[self.cfg.handlungsfelder[f].kurz for f in self.attention_fields],
            anzahl=n_att, davon_knapp=self.borderline_tail(n_att, k_att), knapp=k_att,
            beobachten=int((types == 1).sum()), anderswo=int((types == 3).sum()))
        return prose(
            *self.say("bericht.dynamik.methode", seit=str(base),
                      index_schwelle=fmt.number(dy.index_schwelle, 2),
                      zufall="ja" if dy.vertrauensniveau else "nein",
                      vertrauen=fmt.number(dy.vertrauensniveau * 100, 0)
                      if dy.vertrauensniveau else ""),
            total,
            items=items,
        )

    def typology_table(self) -> Stack | Prose:
        """Per field: areas per status × dynamics type (with the borderline part)."""
        if not self.has_dynamics:
            return prose("")
        rows = []
        for f in self.cfg.fields:
            typ = self.typology(f)
            row = {"Handlungsfeld": self.cfg.handlungsfelder[f].kurz + self.exploratory_suffix(f)}
            rated = self.judged_areas(f)
            judged = bool(rated.any())

            def n(mask: pd.Series, judged: bool = judged) -> int | str:
                return int(mask.sum()) if judged else fmt.MISSING

            for t in TYPES:
                # an area whose dynamics cannot be judged is in none of the types (R4-06)
                of_type = (typ == t) & rated
                row[TYPE_SHORT[t]] = n(of_type)
                if t == "aufmerksamkeit":
                    row[f"davon {BORDERLINE}"] = n(of_type & self.borderline(f))
                if t == "bedarf_stabil":
                    row[SINGLE_WORSE] = n(of_type & self.worsened_single(f))
            row[NOT_JUDGED] = n(~rated)
            rows.append(row)
        table = TableOutput(
            pd.DataFrame(rows),
            f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year}: Zahl der Sozialräume "
            "je Typ und Handlungsfeld",
            row_header="Handlungsfeld",
        )
        return Stack((table, self.uncertainty_key(
            exploratory=bool(self.cfg.exploratory_fields)),
            prose(*self.say(
                "bericht.dynamik.typen",
                zufall="ja" if self.cfg.dynamik.vertrauensniveau else "nein",
                ohne_dynamik="ja" if any(r[TYPE_SHORT["aufmerksamkeit"]] == fmt.MISSING
                                         for r in rows) else "nein"))))

    def _area_types(self) -> pd.Series:
        """Area → highest type over the attention fields (:data:`AREA_TYPE_LABELS`):

        4 special attention (need and negative dynamics in the same field);
        3 need, and negative dynamics in another field or a single judged indicator
        worsened beyond the noise (to watch: never „nicht verschlechtert“, R4-03);
        2 need, no negative dynamics and no single indicator worsened;
        1 watch (negative dynamics without need); 0 none of these."""
        idx = self.res.need.index
        none = pd.Series(False, index=idx)
        attention, need, negative, worse = none.copy(), none.copy(), none.copy(), none.copy()
        for f in self.attention_fields:
            attention |= self.typology(f).reindex(idx) == "aufmerksamkeit"
            need |= self.res.need[f"{f}_bedarf_flag"].reindex(idx).fillna(False).astype(bool)
            negative |= self.dynamics_class(f).reindex(idx).fillna("") == "negativ"
            worse |= self.worsened_single(f)
        code = np.select([attention, need & (negative | worse), need, negative],
                         [4, 3, 2, 1], 0)
        return pd.Series(code, index=idx).astype(int)

    def attention_map(self) -> FigureOutput:
        """Map of the areas of special attention (status × dynamics)."""
        names = ", ".join(self.cfg.handlungsfelder[f].kurz for f in self.attention_fields)
        return choropleth(
            self._area_types(),
            self.ds.geometry,
            self.areas[S.KOMMUNE],
            title=f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year}: Sozialräume mit "
                  "besonderem Aufmerksamkeitsbedarf",
            scheme=ClassScheme(
                tuple(range(len(AREA_TYPE_LABELS))), AREA_TYPE_LABELS,
                ATTENTION, "Typ (höchste Stufe über die Felder)", categorical=True),
            caption=self.map_caption() + f" Felder: {names}. Besonderer "
            "Aufmerksamkeitsbedarf: Handlungsbedarf und negative Dynamik in mindestens einem "
            "Feld. Einzelne Indikatoren: bewertete Kernindikatoren, die sich über die Schwelle "
            + ("und die Zufallsschwankung " if self.cfg.dynamik.vertrauensniveau else "")
            + "hinaus verschlechtert haben, auch wenn der Feldindex stabil blieb.",
            mark=self.image_mark,
            links=self.area_links(), area_names=self.area_names,
        )

    def attention_table(self) -> Stack | Prose:
        """Areas of special attention: field, index, dynamics index and the reasons."""
        if not self.has_dynamics:
            return prose("")
        rows = []
        bounds: dict[float, set[float]] = {}
        for code in natural_sorted(self.res.need.index):
            for f in self.attention_fields:
                if self.typology(f)[code] != "aufmerksamkeit":
                    continue
                fc = self.cfg.handlungsfelder[f]
                rows.append({
                    "Sozialraum": self.area_label(code),
                    "Kommune": self.areas.loc[code, S.KOMMUNE],
                    "Handlungsfeld": fc.kurz + (f" ({BORDERLINE})"
                                                if self.borderline(f)[code] else ""),
                    "Feldindex": self.res.need.loc[code, f"{f}_index"],
                    "Dynamikindex": self.res.dynamics.loc[code, f"{f}_dynamik_index"],
                    "Gründe": self.dynamics_reasons(f, code),
                })
                # the bounds of each shown value (the noise differs by area and field)
                bounds.setdefault(float(rows[-1]["Dynamikindex"]), set()).update(
                    self.dynamics_bounds(f, code))
        df = pd.DataFrame(rows, columns=["Sozialraum", "Kommune", "Handlungsfeld", "Feldindex",
                                         "Dynamikindex", "Gründe"])
        table = TableOutput(
            df,
            f"Sozialräume mit besonderem Aufmerksamkeitsbedarf {self.cfg.vergleichsjahr}–"
            f"{self.year}: Handlungsbedarf und negative Dynamik",
            number_formats={"Feldindex": self.index_text,
                            "Dynamikindex": lambda x: fmt.apart(x, bounds.get(float(x), ()), 2,
                                                                fmt.signed)},
            row_header="Sozialraum",
        )
        dy = self.cfg.dynamik
        return Stack((table, self.uncertainty_key(), prose(*self.say(
            "bericht.dynamik.schluessel", index_schwelle=fmt.number(dy.index_schwelle, 2),
            schwelle=fmt.number(dy.schwelle, 1),
            zufall="ja" if dy.vertrauensniveau else "nein"))))

    def watch_table(self) -> TableOutput | Prose:
        """Areas with need whose situation worsened in another field (negative dynamics)
        or in single indicators while their field index stayed (map class 3, to watch):
        which fields have need, and what worsened (R4-03)."""
        if not self.has_dynamics:
            return prose("")
        types = self._area_types()
        rows, hrefs = [], []
        for code in natural_sorted(types.index[types == 3]):
            need = [self.cfg.handlungsfelder[f].kurz for f in self.attention_fields
                    if self.res.need.loc[code, f"{f}_bedarf_flag"]]
            worse = []
            for f in self.attention_fields:
                negative = self.dynamics_class(f).get(code, "") == "negativ"
                if negative or self.worsened_single(f)[code]:
                    state = "Dynamik negativ" if negative else "Feld stabil"
                    if self.dynamics_class(f).get(code, "") == "positiv":
                        state = "Dynamik positiv"
                    worse.append(f"{self.cfg.handlungsfelder[f].kurz} ({state}) – "
                                 + self.dynamics_reasons(f, code))
            hrefs.append(self.area_href(code))
            rows.append({"Sozialraum": self.area_label(code),
                         "Kommune": self.areas.loc[code, S.KOMMUNE],
                         "Handlungsbedarf": ", ".join(need),
                         "Verschlechterung": "; ".join(worse)})
        if not rows:
            return prose("Kein Sozialraum mit Handlungsbedarf hat eine Verschlechterung in "
                         "einem anderen Feld oder bei einzelnen Indikatoren.")
        return TableOutput(
            pd.DataFrame(rows),
            f"Zur Beobachtung {self.cfg.vergleichsjahr}–{self.year}: Sozialräume mit "
            "Handlungsbedarf, in denen sich ein anderes Feld oder einzelne Indikatoren "
            "verschlechtert haben",
            links={"Sozialraum": hrefs},
            row_header="Sozialraum",
        )

    def dynamics_download(self) -> pd.DataFrame:
        """Per area and field: status, borderline, dynamics index and class, type,
        indicators that moved (derived from published values only)."""
        rows = []
        for code in natural_sorted(self.res.need.index):
            for f in self.cfg.fields:
                d = self.res.dynamics.loc[code]
                rows.append({
                    "sozialraum": code,
                    "name": self.areas.loc[code, "name"],
                    "kommune": self.areas.loc[code, S.KOMMUNE],
                    "handlungsfeld": f,
                    "explorativ": "ja" if self.is_exploratory(f) else "nein",
                    "feldindex": fmt.round_apart(self.res.need.loc[code, f"{f}_index"],
                                                 self.index_bounds, 2),
                    "bedarf": "ja" if self.res.need.loc[code, f"{f}_bedarf_flag"] else "nein",
                    "einstufung_knapp": "ja" if self.borderline(f)[code] else "nein",
                    "dynamikindex": fmt.round_apart(d[f"{f}_dynamik_index"],
                                                    self.dynamics_bounds(f, code), 2),
                    "dynamik_schwankung": round(float(d[f"{f}_dynamik_rauschen"]), 2),
                    "dynamik": d[f"{f}_dynamik"] or "nicht bewertet",
                    "typ": TYPE_LABEL[self.typology(f)[code]] if d[f"{f}_dynamik"] else
                    ("Handlungsbedarf" if self.res.need.loc[code, f"{f}_bedarf_flag"]
                     else "kein Handlungsbedarf") + ", Dynamik nicht bewertet",
                    "verbessert": ", ".join(self.label(i) for i in d[f"{f}_besser"].split(", ")
                                            if i),
                    "verschlechtert": ", ".join(self.label(i)
                                                for i in d[f"{f}_schlechter"].split(", ") if i),
                })
        return pd.DataFrame(rows)

    def change_heading(self) -> Heading:
        """Heading of the change chapter's trend: the indicator of ``rollen.veraenderung``."""
        return Heading(f"{self.label(self.cfg.change_indicator())} nach Kommunen", 2)
