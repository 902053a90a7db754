"""The quick paths of the page post-processing (analysis.rendering.assemble) give exactly
what the general ones give: the serialiser, the text of a table cell and the parser."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from analysis.rendering import assemble as A

PAGE = """<!DOCTYPE html>
<html lang="de"><head><title>A &amp; B</title>
<style>td > p { content: "<&>"; }</style></head>
<body><main><h1 id="x">Armut &lt;5 &amp; mehr</h1>
<p title='a "b" &amp; c &lt; d'>Text mit &gt; und &amp;amp; und ohne</p>
<table><thead><tr><th>Kopf</th><th>Wert</th></tr></thead>
<tbody><tr><td>  1.234,5  </td><td> <b>7</b> </td></tr>
<tr><td><!-- Kommentar -->3</td><td>a<br>b</td></tr>
<tr><td>\u00a011,5 %\n</td><td></td></tr></tbody></table>
<svg viewBox="0 0 1 1"><clipPath id="c"></clipPath></svg>
<script>if (a < b && c > d) {}</script></main></body></html>
"""


def test_quick_serialiser_writes_what_str_writes():
    soup = BeautifulSoup(PAGE, "html.parser")
    assert soup.decode(formatter=A._MINIMAL) == str(soup)
    assert "&amp;amp;" in str(soup) and "&lt;5" in str(soup)  # the page has work to do


def test_parser_without_source_positions_gives_the_same_tree():
    assert str(A._parse(PAGE)) == str(BeautifulSoup(PAGE, "html.parser"))


@pytest.mark.parametrize("row", range(3))
def test_quick_cell_text_is_the_cell_text(row):
    soup = BeautifulSoup(PAGE, "html.parser")
    cells = soup.find("tbody").find_all("tr")[row].find_all("td")
    assert [A._cell_text(c) for c in cells] == [A._text(c) for c in cells]


def test_finished_page_is_unchanged_by_the_quick_paths():
    """A whole page through _finish: the same bytes as with str() and the default parser."""
    page = PAGE.replace("if (a < b && c > d) {}", A.TABLE_SCRIPT)  # the one script allowed
    html = A._finish(page, "Test")
    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main")
    A._anchor_headings(soup, main)
    A._wrap_tables(main)
    A._top_links(soup, main)
    expected = A._svg_case(str(soup))
    assert html == expected + ("" if expected.endswith("\n") else "\n")
    assert 'class="num"' in html and "viewBox" in html
