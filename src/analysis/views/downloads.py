"""Readable downloads: names, units, sources and an explanation („Erläuterung“) per file.

The report views give their published tables (ids as columns and cells, numbers through
the disclosure gate). :func:`readable` adds, beside the id columns, what a reader needs
without asking: the indicator's name, unit and source, the field's name and the date of
the counts (``stand``). :func:`explanation` writes one row per column of a download
(name, meaning, unit), then the Datenstand, the publisher, the demo note, the meaning of
„•“ and ``unsicher``, and the indicators and fields the file holds. The build writes it
as the second sheet „Erläuterung“ of the XLSX and as ``<name>_erlaeuterung.csv`` beside
the CSV (:func:`download_files`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.common import fmt
from analysis.contract import schema as S
from analysis.gate.published import MARK
from analysis.method.concept import KIND_TITLES
from analysis.rendering.tables import DEMO_COLUMN, DEMO_MARK, label_demo
from analysis.views.overview import DEMO_NOTE

#: name of the explanation sheet of every XLSX download
NOTES_SHEET = "Erläuterung"
#: the CSV explanation of ``<stem>.csv`` is ``<stem><NOTES_SUFFIX>.csv``
NOTES_SUFFIX = "_erlaeuterung"
#: the columns of an explanation
NOTES_COLUMNS = ["art", "eintrag", "bedeutung", "einheit"]

#: columns added by :func:`readable`, each after the column it explains
INDICATOR_NAME, UNIT, SOURCE, FIELD_NAME, DATE = (
    "indikator_name", "einheit", "quelle", "handlungsfeld_name", "stand")
#: stability of the classification in percent (the pages show it in %)
STABILITY_SUFFIX = "_stabilitaet_prozent"

_SEE_UNIT = "siehe Spalte einheit"
_LIST = " (mehrere durch „|“ getrennt)"

#: meaning and unit of every column of a download (one place for both reports)
COLUMNS: dict[str, tuple[str, str]] = {
    DEMO_COLUMN: ("Art der Daten: in jeder Zeile der Hinweis, dass die Zahlen synthetisch "
                  "sind", ""),
    # ids and names
    S.AREA: ("Kennung des Sozialraums", ""),
    "name": ("Name des Sozialraums", ""),
    S.AGS: ("Kennung der Kommune (bei einer Gemeinde der Amtliche Gemeindeschlüssel)", ""),
    S.KOMMUNE: ("Name der Kommune", ""),
    "kommunen": ("Namen der Kommunen" + _LIST, ""),
    "sozialraeume": ("Kennungen der Sozialräume" + _LIST, ""),
    S.FIELD: ("Kennung des Handlungsfelds (maschinenlesbar, siehe unten „Handlungsfeld“)", ""),
    FIELD_NAME: ("Name des Handlungsfelds", ""),
    S.INDICATOR: ("Kennung des Indikators (maschinenlesbar, siehe unten „Indikator“)", ""),
    INDICATOR_NAME: ("Name des Indikators", ""),
    UNIT: ("Einheit der Spalten wert, ki_unten und ki_oben dieser Zeile: „%“ = je 100, "
           "„je 1.000“ = je 1.000 der Bezugsgruppe (Nenner)", ""),
    SOURCE: ("Datenquelle des Indikators (Zähler und Nenner)", ""),
    S.YEAR: ("Jahr der Zählung (Berichtsjahr oder Vergleichsjahr)", "Jahr"),
    DATE: ("Stichtag der Zählung (Datenstand dieser Zeile)", "Datum"),
    # indicator values
    S.NUMERATOR: ("Zähler: Zahl der Personen (bzw. Haushalte, Fälle), die der Indikator "
                  "zählt", "Anzahl"),
    S.DENOMINATOR: ("Nenner: Bezugsgruppe des Indikators", "Anzahl"),
    S.VALUE: ("Wert des Indikators: Zähler je 100 bzw. je 1.000 des Nenners", _SEE_UNIT),
    S.LOWER: ("Untere Grenze des 95-%-Vertrauensbereichs (Wilson) des Werts", _SEE_UNIT),
    S.UPPER: ("Obere Grenze des 95-%-Vertrauensbereichs (Wilson) des Werts", _SEE_UNIT),
    "unsicher": ("„ja“: Nenner unter der Grenze für verlässliche Werte, Aussagewert "
                 "eingeschränkt (siehe unten „unsicher“)", "ja/nein"),
    # need
    "explorativ": ("„ja“: Handlungsfeld mit zu wenigen Kernindikatoren, explorativ "
                   "(nicht gezählt)", "ja/nein"),
    "feldindex": ("Feldindex: gewichteter Mittelwert der z-Werte der Kernindikatoren des "
                  "Felds (0 = Mittel der Region)", "Standardabweichungen"),
    "bedarf": ("„ja“: Handlungsbedarf im Handlungsfeld", "ja/nein"),
    "einstufung_knapp": ("„ja“: Grenzfall der Robustheitsprüfung – die Einstufung (mit oder "
                         "ohne Handlungsbedarf) hält in zu wenigen Rechenvarianten; die "
                         "Berichtsseiten zählen nur die Grenzfälle mit Handlungsbedarf",
                         "ja/nein"),
    "dynamikindex": ("Dynamikindex: Veränderung der Kernindikatoren seit dem Vergleichsjahr; "
                     "Werte unter 0 zeigen in Richtung Verschlechterung, ob sie als "
                     "Veränderung gilt, sagt die Spalte dynamik", "Standardabweichungen"),
    "dynamik_schwankung": ("Zufallsschwankung des Dynamikindex: erst ein Betrag darüber "
                           "zählt als Veränderung", "Standardabweichungen"),
    "dynamik": ("Klasse der Dynamik: positiv, stabil, negativ oder nicht bewertet", ""),
    "typ": ("Status × Dynamik: Handlungsbedarf und Richtung der Veränderung", ""),
    "verbessert": ("Indikatoren, die sich seit dem Vergleichsjahr verbessert haben", ""),
    "verschlechtert": ("Indikatoren, die sich seit dem Vergleichsjahr verschlechtert "
                       "haben", ""),
    # Handlungskonzept
    "nr": ("Laufende Nummer", ""),
    "art": ("Art der Empfehlung (Anlass, aus dem sie abgeleitet ist)", ""),
    "titel": ("Titel der Empfehlung, des Arbeitspakets bzw. des Themas", ""),
    "prioritaet": ("Priorität: hoch, mittel oder niedrig", ""),
    "ebene": ("Ebene: bei Empfehlungen die Zuständigkeit (Spalte zustaendig), bei "
              "Wirkungszielen sozialraum oder kommune", ""),
    "zustaendig": ("Wer zuständig ist", ""),
    "bezug": ("Worauf sich die Zeile bezieht (Gebiete, Thema oder Handlungsfeld)", ""),
    "text": ("Text der Empfehlung, wie im Bericht", ""),
    "schritt": ("Nächster Schritt", ""),
    "zeithorizont": ("Zeithorizont: kurz-, mittel- oder langfristig", ""),
    "bis": ("Zieljahr des Zeithorizonts", "Jahr"),
    "grundlage": ("Ergebnis, auf dem die Empfehlung beruht (Kennung): kumulation = Bedarf in "
                  "mehreren gezählten Feldern (Karte Kumulation im Sozialbericht); feld = "
                  "Bedarf und Versorgung im Handlungsfeld; cluster = gemeindeübergreifendes "
                  "Gebiet; thema = von mehreren Kommunen benannter Schwerpunkt; ziel = "
                  "Wirkungsziel; grenzfaelle = Grenzfälle der Robustheitsprüfung", ""),
    "federfuehrung": ("Federführende Stelle", ""),
    "format": ("Beteiligungsformat", ""),
    "aufwand": ("Aufwand der Umsetzung (Klasse nach der Zahl der beteiligten Kommunen und "
                "Sozialräume)", ""),
    "welle": ("Welle, in der das Format beginnt (1 = zuerst)", ""),
    "beginn": ("Zeitraum, in dem das Format beginnt (Halbjahr oder Jahr)", ""),
    "empfehlungen": ("Nummern der Empfehlungen, denen das Format dient" + _LIST, ""),
    "zusammengelegt": ("Zahl der Formate, die in diesem zusammengelegt sind", "Anzahl"),
    "baut_auf": ("Nummern der Formate, auf die dieses aufbaut" + _LIST, ""),
    "anlass": ("Anlass des Formats", ""),
    "arbeitspaket": ("Kennung des Arbeitspakets des Beschlusses", ""),
    "bausteine": ("Bausteine des Berichts, die das Arbeitspaket bedienen" + _LIST, ""),
    "umsetzung": ("Wie das Arbeitspaket umgesetzt ist", ""),
    "seiten": ("Seiten des Berichts, auf denen es steht", ""),
    "cluster": ("Kennung des gemeindeübergreifenden Gebiets", ""),
    "anzahl_sozialraeume": ("Zahl der Sozialräume", "Anzahl"),
    "anzahl_kommunen": ("Zahl der Kommunen", "Anzahl"),
    "anzahl": ("Zahl der Kommunen", "Anzahl"),
    "thema": ("Kennung des Themas", ""),
    "themen": ("Kennungen der von der Kommune benannten Themen" + _LIST, ""),
    "benannt": ("„ja“: die Kommune hat im Handlungsfeld einen Schwerpunkt benannt", "ja/nein"),
    "klasse": ("Benannter Schwerpunkt gegen gemessenen Bedarf", ""),
    "angebote_im_raum": ("Passende Angebote im Sozialraum", "Anzahl"),
    "angebote_angrenzend": ("Passende Angebote in angrenzenden Sozialräumen", "Anzahl"),
    "angrenzend_mit_angebot": ("Angrenzende Sozialräume mit passendem Angebot" + _LIST, ""),
    "angebote_kommunenweit": ("Kommunenweite Angebote (für jeden Sozialraum der Kommune)",
                              "Anzahl"),
    "versorgung": ("Versorgung: im Sozialraum, nur angrenzend oder kein passendes Angebot "
                   "erfasst", ""),
    "luecke": ("„ja“: in der Bestandsaufnahme kein passendes Angebot erfasst", "ja/nein"),
    "empfehlung": ("Hinweis für die Planung", ""),
    "ziel_id": ("Kennung des Wirkungsziels", ""),
    "ziel": ("Wirkungsziel", ""),
    "gebiet": ("Kennung des Gebiets (Sozialraum oder Kommune)", ""),
    "basisjahr": ("Basisjahr des Ziels", "Jahr"),
    "basiswert": ("Wert im Basisjahr", _SEE_UNIT),
    "zielwert": ("Zielwert", _SEE_UNIT),
    "zieljahr": ("Jahr, bis zu dem das Ziel erreicht sein soll", "Jahr"),
    "richtung": ("Richtung des Ziels: senken, erhöhen oder halten", ""),
    "fortschritt": ("Erreichter Anteil des Wegs vom Basiswert zum Zielwert (1 = erreicht)",
                    "Anteil"),
    "erwartet": ("Anteil des Wegs, der bis zum Berichtsjahr zu erwarten war", "Anteil"),
    "gesichert": ("„ja“: die Veränderung seit dem Basisjahr ist größer als die "
                  "Zufallsschwankung", "ja/nein"),
    "status": ("Stand des Ziels: erreicht, auf Kurs, nicht auf Kurs, unsicher (Zielwert im "
               "Vertrauensbereich) oder keine Daten", ""),
}

#: wide columns of the need table: ``<field>_<suffix>`` → meaning (field name appended)
FIELD_COLUMNS: dict[str, tuple[str, str]] = {
    "index": ("Feldindex (0 = Mittel der Region)", "Standardabweichungen"),
    "bedarf": ("„ja“: Handlungsbedarf", "ja/nein"),
    "regeln": ("Regeln, nach denen Handlungsbedarf besteht (regional, kommunal, absolut)", ""),
    STABILITY_SUFFIX[1:]: ("Anteil der Rechenvarianten der Robustheitsprüfung (andere "
                           "Schwellen, Gewichte, ohne einen Indikator), in denen der "
                           "Sozialraum Handlungsbedarf hat (wie auf den Seiten in %): nahe 100 "
                           "= Bedarf in fast allen Varianten, nahe 0 = in fast keiner; "
                           "dazwischen ein Grenzfall (siehe einstufung_knapp)", "%"),
}


def readable(r, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the names beside the ids: ``indikator_name``, ``einheit`` after
    ``indikator`` and ``quelle`` at the end (from the indicator catalogue),
    ``handlungsfeld_name`` after ``handlungsfeld`` (configured ``kurz``), ``stand``
    (Stichtag of the count) after ``jahr``. ``r``: the report context. Id columns stay."""
    out = df.copy()
    cat = r.catalogue
    if S.INDICATOR in out.columns and INDICATOR_NAME not in out.columns:
        ids = out[S.INDICATOR].astype(str)
        at = out.columns.get_loc(S.INDICATOR) + 1
        out.insert(at, INDICATOR_NAME, ids.map(cat["bezeichnung"]).fillna(""))
        out.insert(at + 1, UNIT, ids.map(cat["einheit"]).fillna(""))
        out[SOURCE] = ids.map(cat["quelle"]).fillna("")
    if S.FIELD in out.columns and FIELD_NAME not in out.columns:
        names = {f: fc.kurz for f, fc in r.cfg.handlungsfelder.items()}
        out.insert(out.columns.get_loc(S.FIELD) + 1, FIELD_NAME,
                   out[S.FIELD].map(lambda f: names.get(f, "")))
    if S.YEAR in out.columns and DATE not in out.columns:
        day = r.cfg.bezeichnungen.stichtag
        out.insert(out.columns.get_loc(S.YEAR) + 1, DATE,
                   out[S.YEAR].map(lambda y: f"{day}{int(y)}" if pd.notna(y) else ""))
    return out


def column_meaning(r, column: str) -> tuple[str, str]:
    """(meaning, unit) of a download column; ("", "") when none is known (a test
    checks that every column of both reports has one)."""
    if column == "ebene" and r.cfg.konzept.ebenen:  # the configured levels, region named
        levels = "; ".join(f"{k} = „{v.replace('{region}', r.cfg.region)}“"
                           for k, v in r.cfg.konzept.ebenen.items())
        return (f"Ebene: bei Empfehlungen die Zuständigkeit ({levels}), bei Wirkungszielen "
                "sozialraum oder kommune"), ""
    if column == "aufwand":  # the configured rule (analysis.method.concept.effort_class)
        e = r.cfg.konzept.aufwand
        return (f"Aufwand der Umsetzung: {', '.join(e.bezeichnungen.values())} – nach der Art "
                "der Empfehlung, eine Stufe höher ab "
                f"{fmt.number(e.kommunen_ab)} Kommunen oder {fmt.number(e.sozialraeume_ab)} "
                "Sozialräumen (Regel unter „Wer zuständig ist“)"), ""
    if column == "art":
        kinds = "; ".join(f"{k} = „{v}“" for k, v in KIND_TITLES.items())
        return f"Art der Empfehlung (Anlass, aus dem sie abgeleitet ist): {kinds}", ""
    if column in COLUMNS:
        return COLUMNS[column]
    for f, fc in r.cfg.handlungsfelder.items():
        for suffix, (meaning, unit) in FIELD_COLUMNS.items():
            if column == f"{f}_{suffix}":
                return f"{meaning} im Handlungsfeld {fc.kurz}", unit
    return "", ""


def _small_counts(cfg) -> str:
    """„Fallzahlen 1 und 2“ – the counts the gate withholds, in words a reader expects."""
    top = int(cfg.geheimhaltung.mindestanzahl) - 1
    if top <= 1:
        return "die Fallzahl 1"
    if top == 2:
        return "Fallzahlen 1 und 2"
    return f"Fallzahlen von 1 bis {fmt.number(top)}"


def _years(r) -> str:
    day = r.cfg.bezeichnungen.stichtag
    text = f"Stand {day}{r.year} (Berichtsjahr {r.year})"
    if r.cfg.vergleichsjahr:
        text += (f"; Vergleichsjahr {r.cfg.vergleichsjahr} "
                 f"(Stand {day}{r.cfg.vergleichsjahr})")
    return text


def explanation(r, label: str, df: pd.DataFrame, report_title: str) -> pd.DataFrame:
    """The „Erläuterung“ of a download ``df`` (as published, with the demo column if
    any): one row per column in order (art „Spalte“), then the Datenstand, publisher,
    demo note, the meaning of „•“ (and of ``unsicher``), the indicators and fields
    the file holds. Columns :data:`NOTES_COLUMNS`."""
    cfg = r.cfg
    rows: list[tuple[str, str, str, str]] = [
        ("Tabelle", label, f"{report_title} {cfg.region} {r.year}", ""),
        ("Datenstand", "", _years(r), ""),
    ]
    pub = cfg.herausgeber
    who = ", ".join(x for x in (pub.stelle, pub.behoerde) if x)
    if who:
        rows.append(("Herausgeber", "", f"Berechnung: {who}", ""))
    if r.ds.is_demo:
        rows.append(("Hinweis", DEMO_MARK, DEMO_NOTE, ""))
    for c in df.columns:
        meaning, unit = column_meaning(r, str(c))
        rows.append(("Spalte", str(c), meaning, unit))
    rows.append(("Zeichen", MARK,
                 f"aus Gründen der Geheimhaltung gesperrt: {_small_counts(cfg)} (eine 0 "
                 "wird gezeigt) und Werte, aus denen sie sich zurückrechnen ließen; ein "
                 "leeres Feld: kein Wert vorhanden", ""))
    if "unsicher" in df.columns:
        rows.append(("Zeichen", "unsicher",
                     f"„ja“: Nenner unter {int(cfg.unsicher_nenner)} – der Wert schwankt "
                     "stark zufällig, sein Aussagewert ist eingeschränkt (auf den Seiten in "
                     "Klammern)", ""))
    if S.INDICATOR in df.columns:
        cat = r.catalogue
        for i in sorted(set(df[S.INDICATOR].astype(str))):
            if i not in cat.index:
                continue
            row = cat.loc[i]
            rows.append(("Indikator", i, f"{row['bezeichnung']}: {row['definition']} "
                         f"(Quelle: {row['quelle']})", str(row["einheit"])))
    fields = [f for f in cfg.handlungsfelder
              if (S.FIELD in df.columns and f in set(df[S.FIELD]))
              or any(str(c).startswith(f"{f}_") for c in df.columns)]
    for f in fields:
        fc = cfg.handlungsfelder[f]
        rows.append(("Handlungsfeld", f, f"{fc.kurz}: {fc.titel}", ""))
    return pd.DataFrame(rows, columns=NOTES_COLUMNS)


@dataclass(frozen=True)
class DownloadFile:
    """One download as published: its data and its explanation (both demo-labelled on
    demo data)."""

    stem: str
    label: str
    data: pd.DataFrame
    notes: pd.DataFrame


def download_files(r, tables: dict[str, tuple[str, pd.DataFrame]], report_title: str
                   ) -> list[DownloadFile]:
    """The downloads of one report from its ``download_tables()``: each table with the
    demo column (on demo data) and its explanation, in the order of the file names."""
    out = []
    for stem, (label, df) in sorted(tables.items()):
        data = label_demo(df) if r.ds.is_demo else df
        notes = explanation(r, label, data, report_title)
        out.append(DownloadFile(stem, label, data, label_demo(notes) if r.ds.is_demo
                                else notes))
    return out


def stability_percent(need: pd.DataFrame, stability: pd.DataFrame,
                      bounds: tuple[float, ...] = ()) -> pd.DataFrame:
    """The need table with ``<field>_stabilitaet`` (a share) replaced by
    ``<field>_stabilitaet_prozent``: ``stability`` (area × field shares, unrounded) in
    percent as the pages print it – whole percent, more places where that would put it
    on or across one of ``bounds`` (in %, :func:`analysis.method.core.stability_bounds`;
    :func:`analysis.common.fmt.apart`), rounded half up like :func:`fmt.number`."""
    out = need.copy()
    renames = {}
    for c in list(out.columns):
        field = str(c).removesuffix("_stabilitaet")
        if field == str(c):
            continue
        if field in stability.columns:
            shares = stability[field].reindex(out["sozialraum"]).to_numpy(dtype=float)
            out[c] = [float("nan") if pd.isna(x) else _as_printed(x * 100, bounds)
                      for x in shares]
        else:
            out[c] = float("nan")
        renames[c] = f"{field}{STABILITY_SUFFIX}"
    return out.rename(columns=renames)


def _as_printed(x: float, bounds: tuple[float, ...]) -> float:
    """``x`` rounded as :func:`fmt.apart` prints it with 0 places (as a number)."""
    d = fmt.apart_decimals(x, bounds, 0)
    return float(fmt.number(x, d).replace(".", "").replace(",", "."))
