"""Charts and maps: alt text from data, table beside the chart, reproducible SVG."""

import base64
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import box  # noqa: E402

from analysis.rendering import (
    figures,  # noqa: E402
    maps,  # noqa: E402
)

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.fixture
def bars() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["AC 1 Ost", "AC 9", "AC 3", "AC 4", "AC 5"],
            "wert": [24.3, 3.1, 11.0, "•", np.nan],
            "ki_unten": [21.0, 2.0, 9.5, np.nan, np.nan],
            "ki_oben": [27.8, 4.5, 12.6, np.nan, np.nan],
        }
    )


def _svg_of(html: str) -> bytes:
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    return base64.b64decode(src)


def _no_placeholder(out: figures.FigureOutput) -> None:
    assert figures.NO_DESCRIPTION not in out.alt
    assert figures.NO_DESCRIPTION not in out.html


def test_bar_alt_text_from_data(bars):
    out = figures.bar_with_intervals(
        bars,
        "name",
        "wert",
        "ki_unten",
        "ki_oben",
        "Mindestsicherungsquote 2021 in Aachen",
        "%",
        highlight="AC 3",
        reference=11.5,
        reference_label="Regionswert",
    )
    alt = out.alt
    assert alt.startswith("Balkendiagramm: Mindestsicherungsquote 2021 in Aachen.")
    assert f"Höchster Wert: AC 1 Ost mit 24,3{NBSP}%" in alt
    assert f"niedrigster: AC 9 mit 3,1{NBSP}%" in alt
    assert f"Regionswert: 11,5{NBSP}%" in alt
    assert "1 von 3 Werten liegt darüber" in alt
    assert "Hervorgehoben: AC 3" in alt
    assert "1 Wert aus Datenschutzgründen unterdrückt" in alt
    assert "1 Wert ohne Angabe" in alt
    _no_placeholder(out)


def test_bar_html_has_figure_alt_and_table(bars):
    out = figures.bar_with_intervals(
        bars, "name", "wert", "ki_unten", "ki_oben", "Quote <2021>", "%", caption="Quelle: IT.NRW"
    )
    html = out._repr_html_()
    assert html.startswith('<figure class="chart">\n<img alt="Balkendiagramm: Quote &lt;2021&gt;.')
    assert "<figcaption><strong>Quote &lt;2021&gt;</strong>" in html
    assert "Quelle: IT.NRW" in html
    assert html.index("</figure>") < html.index("<table>")
    assert "<caption>Daten zur Abbildung: Quote &lt;2021&gt;</caption>" in html
    assert '<th scope="row">AC 1 Ost</th>' in html
    assert '<td class="num">24,3</td>' in html
    assert '<td class="num">•</td>' in html  # suppressed stays suppressed in the table
    # table rows in chart order: highest first, excluded rows last
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert rows == ["AC 1 Ost", "AC 3", "AC 9", "AC 4", "AC 5"]
    svg = _svg_of(html)
    assert svg.startswith(b"<?xml") and b"<svg" in svg


def test_suppressed_value_is_not_plotted(bars):
    out = figures.bar_with_intervals(bars, "name", "wert", None, None, "T", "%")
    # value labels are drawn as text: the plotted values appear, the suppressed row doesn't
    assert b">24,3<" in out.svg and b">3,1<" in out.svg
    assert "3 Werte." in out.alt


def test_suppressed_flag_column(bars):
    df = bars.assign(
        wert=[24.3, 3.1, 11.0, np.nan, np.nan], geheim=[False, False, True, True, False]
    )
    out = figures.bar_with_intervals(
        df, "name", "wert", "ki_unten", "ki_oben", "T", "%", suppressed_col="geheim"
    )
    assert "2 Werte aus Datenschutzgründen unterdrückt" in out.alt
    assert "1 Wert ohne Angabe" in out.alt
    assert "AC 3" not in out.alt.split("Höchster")[1]


def test_svg_is_deterministic_and_clean(bars):
    a = figures.bar_with_intervals(
        bars, "name", "wert", "ki_unten", "ki_oben", "T", "%", reference=10.0
    )
    b = figures.bar_with_intervals(
        bars, "name", "wert", "ki_unten", "ki_oben", "T", "%", reference=10.0
    )
    assert a.svg == b.svg
    assert a.html == b.html
    text = a.svg.decode()
    assert "<dc:date>" not in text and "Matplotlib" not in text
    assert "/tmp" not in text and "/home" not in text and "/work" not in text
    assert "<text" in text  # svg.fonttype none: text stays text


def test_trend_lines():
    df = pd.DataFrame(
        {
            "jahr": [2019, 2020, 2021, 2019, 2020, 2021],
            "kommune": ["Aachen"] * 3 + ["Stolberg"] * 3,
            "wert": [10.0, 10.5, 11.2, 8.0, "•", 7.6],
        }
    )
    out = figures.trend_lines(df, "jahr", "wert", "kommune", "SGB-II-Quote", "%")
    alt = out.alt
    assert alt.startswith("Liniendiagramm: SGB-II-Quote. 2 Verläufe von 2019 bis 2021")
    assert f"Aachen: von 10,0{NBSP}% (2019) auf 11,2{NBSP}% (2021), +1,2 Prozentpunkte" in alt
    assert f"Stolberg: von 8,0{NBSP}% (2019) auf 7,6{NBSP}% (2021), {MINUS}0,4 Prozentpunkte" in alt
    assert "1 Wert aus Datenschutzgründen unterdrückt" in alt
    assert list(out.table.columns) == ["Kommune", "2019", "2020", "2021"]  # years, not 2.019
    assert out.table.iloc[1, 2] == "•"
    assert ">2.019<" not in out.svg.decode()
    assert out.svg == figures.trend_lines(df, "jahr", "wert", "kommune", "SGB-II-Quote", "%").svg
    _no_placeholder(out)


def test_trend_lines_keep_the_total_last():
    """Review R2-26: the region's row sat alphabetically between Stolberg and Würselen."""
    df = pd.DataFrame({"jahr": [2020, 2021] * 3,
                       "kommune": ["Würselen"] * 2 + ["Region Z"] * 2 + ["Aachen"] * 2,
                       "wert": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    plain = figures.trend_lines(df, "jahr", "wert", "kommune", "T", "%")
    assert list(plain.table.iloc[:, 0]) == ["Aachen", "Region Z", "Würselen"]
    out = figures.trend_lines(df, "jahr", "wert", "kommune", "T", "%", total="Region Z")
    assert list(out.table.iloc[:, 0]) == ["Aachen", "Würselen", "Region Z"]


def test_profile_chart():
    df = pd.DataFrame(
        {
            "indikator": ["Mindestsicherung", "SGB II", "Anteil 80+", "Schutzsuchende"],
            "z": [1.84, 0.4, -1.3, "•"],
        }
    )
    out = figures.profile_chart(df, "indikator", "z", "Profil AC 1 Ost")
    alt = out.alt
    assert alt.startswith("Profildiagramm: Profil AC 1 Ost. 3 Indikatoren")
    assert "Über dem Mittel: 2, darunter: 1." in alt
    assert f"Mindestsicherung (+1,8) und Anteil 80+ ({MINUS}1,3)" in alt
    assert "1 Wert aus Datenschutzgründen unterdrückt" in alt
    assert '<td class="num">+1,8</td>' in out.html
    _no_placeholder(out)


def test_figure_output_refuses_placeholder_alt():
    with pytest.raises(ValueError):
        figures.FigureOutput(
            svg=b"<svg/>", alt=figures.NO_DESCRIPTION, title="T", table=pd.DataFrame({"a": [1]})
        )


def test_line_colours_have_contrast():
    def lum(hexcol: str) -> float:
        rgb = [int(hexcol[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for colour in (*figures.LINE_COLOURS, figures.ABOVE, figures.BELOW, figures.NEUTRAL):
        assert (1.05) / (lum(colour) + 0.05) >= 3.0, colour


# ---------------------------------------------------------------------------
# maps: four 1-km squares in two municipalities
# ---------------------------------------------------------------------------
@pytest.fixture
def squares():
    geometry = {
        "AC 1": box(290000, 5630000, 291000, 5631000),
        "AC 2": box(291000, 5630000, 292000, 5631000),
        "ST 1": box(290000, 5629000, 291000, 5630000),
        "ST 2": box(291000, 5629000, 292000, 5630000),
    }
    municipality = pd.Series(
        {"AC 1": "Aachen", "AC 2": "Aachen", "ST 1": "Stolberg", "ST 2": "Stolberg"}
    )
    return geometry, municipality


def test_choropleth_continuous(squares):
    geometry, municipality = squares
    values = pd.Series({"AC 1": 1.2, "AC 2": 1.6, "ST 1": np.nan, "ST 2": 1.7})
    out = maps.choropleth(
        values,
        geometry,
        municipality,
        classes=[1.0, 1.5, 2.0],
        labels=None,
        title="Index Armut",
        legend_title="Index",
        caption="Quelle: Demo",
    )
    # a short sentence: the highest occupied class and where it lies; the rest is in the table
    assert out.alt == ("Karte der 4 Sozialräume: Index Armut. Index „1,5 bis 2,0“: 2 "
                       "Sozialräume, die meisten in Aachen (1) und Stolberg (1). Alle Werte "
                       "stehen in der Tabelle zur Abbildung.")
    assert list(out.table.columns) == ["Sozialraum", "Kommune", "Wert", "Klasse"]
    assert list(out.table["Sozialraum"]) == ["AC 1", "AC 2", "ST 1", "ST 2"]
    assert list(out.table["Klasse"]) == [
        "1,0 bis unter 1,5",
        "1,5 bis 2,0",
        "keine Angabe",
        "1,5 bis 2,0",
    ]
    html = out.html
    assert '<td class="num">1,6</td>' in html and '<td class="num">–</td>' in html
    svg = out.svg.decode()
    assert "keine Angabe (1)" in svg and "1,0 bis unter 1,5 (1)" in svg
    assert "<pattern" in svg  # hatched no-data class
    assert len(out.svg) < 40_000
    again = maps.choropleth(
        values,
        geometry,
        municipality,
        classes=[1.0, 1.5, 2.0],
        labels=None,
        title="Index Armut",
        legend_title="Index",
        caption="Quelle: Demo",
    )
    assert again.svg == out.svg
    _no_placeholder(out)


def test_choropleth_categorical_need(squares):
    geometry, municipality = squares
    need = pd.Series({"AC 1": True, "AC 2": True, "ST 1": False, "ST 2": True})
    out = maps.choropleth(
        need,
        geometry,
        municipality,
        None,
        None,
        "Handlungsbedarf Armut",
        "Handlungsbedarf",
        None,
        categorical=True,
    )
    assert "Handlungsbedarf „ja“: 3 Sozialräume, die meisten in Aachen (2) und Stolberg (1)." \
        in out.alt
    assert len(out.alt) < 200
    assert list(out.table.columns) == ["Sozialraum", "Kommune", "Handlungsbedarf"]
    assert list(out.table["Handlungsbedarf"]) == ["ja", "ja", "nein", "ja"]


def test_choropleth_class_labels_and_errors(squares):
    geometry, municipality = squares
    assert maps.class_labels([-np.inf, 1.0, 1.5, np.inf]) == [
        "unter 1,0",
        "1,0 bis unter 1,5",
        "1,5 und mehr",
    ]
    with pytest.raises(ValueError, match="außerhalb"):
        maps.choropleth(
            pd.Series({"AC 1": 5.0}), geometry, municipality, [0, 1], None, "T", "L", None
        )
    with pytest.raises(ValueError, match="Keine Geometrie"):
        maps.choropleth(
            pd.Series({"XX 9": 1.0}), geometry, municipality, None, None, "T", "L", None
        )


def test_default_classes_cover_values():
    v = pd.Series([1.23, 4.5, 7.77, 10.0, 12.4, 3.3])
    bounds = maps.default_classes(v)
    assert bounds[0] <= v.min() and bounds[-1] >= v.max()
    assert bounds == sorted(bounds) and len(bounds) <= 6


def test_map_labels_stay_inside_the_map():
    """A Kommune that is a narrow strip at the map edge: its centred name would reach
    over the edge (into the legend or off the figure); it is moved inside the map."""
    geometry = {
        "A 1": box(0, 0, 300, 12000),  # narrow strip at the left edge
        "B 1": box(300, 0, 10300, 12000),
        "C 1": box(10300, 0, 10600, 12000),  # and one at the right edge, next to the legend
    }
    municipality = pd.Series({"A 1": "Kommune mit langem Namen", "B 1": "Mitte",
                              "C 1": "Noch eine lange Kommune"})
    values = pd.Series({"A 1": 1.0, "B 1": 2.0, "C 1": 3.0})
    out = maps.choropleth(values, geometry, municipality, title="Rand")
    fig = out.figure
    fig.draw_without_rendering()
    ax = fig.axes[0]
    frame = ax.get_window_extent()
    texts = {t.get_text(): t for t in ax.texts}
    assert set(texts) >= set(municipality)
    for name in municipality:
        box_ = texts[name].get_window_extent()
        assert frame.x0 <= box_.x0 and box_.x1 <= frame.x1, name
        assert frame.y0 <= box_.y0 and box_.y1 <= frame.y1, name
    # a label that fits stays at its Kommune's representative point
    assert texts["Mitte"].get_position() == (5300, 6000)

