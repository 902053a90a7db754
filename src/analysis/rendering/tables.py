"""Accessible HTML tables and safe downloads (CSV for German Excel, XLSX).

* :func:`html_table` renders a DataFrame as a WCAG-conformant ``<table>`` (caption,
  ``<th scope="col">`` headers, optional row headers, right-aligned ``num`` cells,
  German number formats, everything HTML-escaped, no random ids).
* :class:`TableOutput` wraps it for notebooks in a scrollable, keyboard-focusable region.
* :func:`write_csv_de` and :func:`write_xlsx` write downloads byte for byte
  reproducibly and protected against formula injection (CSV/Excel injection): text that
  starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is never a formula.
  :func:`csv_bytes` with :data:`PLAIN_CSV` is the same writer for the plain CSV of the
  command line (``python -m analysis need`` / ``index``): one implementation of the
  protection for every CSV the package writes.

The DataFrame index is never written; call ``reset_index()`` first if it carries data.
Data must already have passed disclosure control (suppressed cells hold ``"•"``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import numbers
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.gate.published import is_withheld

__all__ = [
    "EXCEL_DE",
    "FORMULA_PREFIXES",
    "PLAIN_CSV",
    "CsvDialect",
    "Links",
    "csv_bytes",
    "TableOutput",
    "html_table",
    "protect_text",
    "write_csv_de",
    "write_xlsx",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FIXED_TIMESTAMP = dt.datetime(2000, 1, 1, 0, 0, 0)  # XLSX document properties
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # earliest date a ZIP entry can carry
YES, NO = "ja", "nein"
#: text that openpyxl would not store as plain text by itself: formulas (``=…``) and
#: error codes (``#N/A`` …); the other FORMULA_PREFIXES only get the quote prefix
_NOT_PLAIN_TEXT = (*FORMULA_PREFIXES, "#")

Formatter = Callable[[object], str]


# ---------------------------------------------------------------------------
# cell classification
# ---------------------------------------------------------------------------
def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _is_numeric_column(s: pd.Series) -> bool:
    """Numeric dtype, or object column holding only numbers, ``"•"`` and missing values."""
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s):
        return True
    values = [v for v in s if not fmt.is_missing(v)]
    return (
        bool(values)
        and all(_is_number(v) or is_withheld(v) for v in values)
        and any(_is_number(v) for v in values)
    )


def _default_formatter(s: pd.Series) -> Formatter:
    """Integer columns without, other numeric columns with one decimal place."""
    values = [v for v in s if _is_number(v)]
    if pd.api.types.is_integer_dtype(s) or (
        values and all(float(v).is_integer() for v in values) and not pd.api.types.is_float_dtype(s)
    ):
        return lambda x: fmt.number(x, 0)
    return lambda x: fmt.number(x, 1)


def _text(x: object) -> str:
    """Plain text of a non-numeric cell."""
    if fmt.is_missing(x):
        return fmt.MISSING
    if isinstance(x, bool | np.bool_):
        return YES if x else NO
    if _is_number(x):
        return fmt.number(x, 0 if float(x).is_integer() else 1)
    return str(x)


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


class Links(str):
    """A table cell of links: as text (downloads, screen-reader fallback) the labels
    joined by „, “; in an HTML table each label links to its target (``pairs``)."""

    pairs: tuple[tuple[str, str], ...]

    def __new__(cls, pairs) -> Links:
        pairs = tuple((str(t), str(h)) for t, h in pairs)
        obj = super().__new__(cls, ", ".join(t for t, _ in pairs))
        obj.pairs = pairs
        return obj

    def html(self) -> str:
        return ", ".join(f'<a href="{_esc(h)}">{_esc(t)}</a>' for t, h in self.pairs)

    def __reduce__(self):
        return (Links, (self.pairs,))


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
def html_table(
    df: pd.DataFrame,
    caption: str,
    number_formats: Mapping[str, Formatter] | None = None,
    row_header: str | None = None,
    table_id: str | None = None,
    links: Mapping[str, Sequence[str | None]] | None = None,
    row_links: Sequence[str | None] | None = None,
    row_ids: Sequence[str | None] | None = None,
) -> str:
    """Render ``df`` as an accessible HTML table (Tabelle) with German number formats.

    Parameters
    ----------
    df : DataFrame
        Rows in display order; column names become the column headers. The index is
        ignored.
    caption : str
        Visible title of the table (``<caption>``), required for accessibility.
    number_formats : dict, optional
        Column name → function value → str (e.g. ``fmt.percent``). Columns not listed
        use defaults: numeric columns ``fmt.number`` (integers without, others with one
        decimal place), booleans ``ja``/``nein``, missing ``–``, suppressed ``•``.
    row_header : str, optional
        Column whose cells are row headers (``<th scope="row">``), e.g. the area name.
    table_id : str, optional
        ``id`` attribute of the ``<table>`` (must be stable across builds).
    links : dict, optional
        Column name → one link target per row (``None`` = no link): the cell's text
        becomes a link, e.g. an area to its Steckbrief.
    row_links : list of str, optional
        One href (or ``None``) per row: the row header becomes a link, e.g. to the
        area's profile (needs ``row_header``).
    row_ids : list of str, optional
        One ``id`` (or ``None``) per row, so that a link can point at the row (stable
        across builds, unique on the page).

    Returns
    -------
    str
        HTML; numeric cells carry ``class="num"``. Identical input → identical string.
    """
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("Eine Tabelle braucht eine Überschrift (caption).")
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"Doppelte Spaltennamen: {fmt.join_de(dup)}")
    if row_header is not None and row_header not in df.columns:
        raise KeyError(f"Spalte für Zeilenköpfe fehlt: {row_header!r}")
    if row_links is not None and (row_header is None or len(row_links) != len(df)):
        raise ValueError("Links je Zeile brauchen eine Spalte für Zeilenköpfe und eine "
                         "Adresse je Zeile.")
    if row_ids is not None and len(row_ids) != len(df):
        raise ValueError("Kennungen je Zeile: eine je Zeile angeben.")
    formats = dict(number_formats or {})
    unknown = sorted(str(c) for c in formats if c not in df.columns)
    if unknown:
        raise KeyError(f"Formate für unbekannte Spalten: {fmt.join_de(unknown)}")

    links = dict(links or {})
    for c, targets in links.items():
        if c not in df.columns or len(targets) != len(df):
            raise ValueError(f"Links für Spalte {c!r}: Spalte fehlt oder Zahl der Links "
                             f"({len(targets)}) passt nicht zu {len(df)} Zeilen")
    columns = list(df.columns)
    numeric = {c: _is_numeric_column(df[c]) for c in columns}
    formatter: dict[object, Formatter] = {}
    for c in columns:
        if c in formats:
            formatter[c] = formats[c]
        elif numeric[c]:
            formatter[c] = _default_formatter(df[c])
        else:
            formatter[c] = _text

    out = [f'<table id="{_esc(table_id)}">' if table_id else "<table>"]
    out.append(f"<caption>{_esc(caption)}</caption>")
    out.append("<thead><tr>")
    for c in columns:
        cls = ' class="num"' if numeric[c] and c != row_header else ""
        out.append(f'<th scope="col"{cls}>{_esc(c)}</th>')
    out.append("</tr></thead>")
    out.append("<tbody>")
    row_hrefs = list(row_links) if row_links is not None else [None] * len(df)
    ids = list(row_ids) if row_ids is not None else [None] * len(df)
    for i, (row, href) in enumerate(zip(df.itertuples(index=False, name=None), row_hrefs,
                                        strict=True)):
        out.append(f'<tr id="{_esc(ids[i])}">' if ids[i] else "<tr>")
        for c, value in zip(columns, row, strict=True):
            f = formatter[c]
            text = value if is_withheld(value) else f(value)
            cls = ' class="num"' if numeric[c] else ""
            cell = value.html() if isinstance(value, Links) else _esc(text)
            target = links[c][i] if c in links else None
            if target:
                cell = f'<a href="{_esc(target)}">{cell}</a>'
            if c == row_header:
                if href and not isinstance(value, Links):
                    cell = f'<a href="{_esc(href)}">{cell}</a>'
                out.append(f'<th scope="row"{cls}>{cell}</th>')
            else:
                out.append(f"<td{cls}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def wrap_region(inner_html: str, label: str) -> str:
    """Scrollable, keyboard-focusable region around a wide table (WCAG 1.4.10, 2.1.1)."""
    return (
        f'<div class="table-wrap tabelle" role="region" aria-label="{_esc(label)}" tabindex="0">'
        f"\n{inner_html}\n</div>"
    )


@dataclass(frozen=True)
class TableOutput:
    """A table for a notebook cell; displays as accessible HTML (``_repr_html_``).

    Same parameters as :func:`html_table`.
    """

    df: pd.DataFrame = field(repr=False)
    caption: str
    number_formats: Mapping[str, Formatter] | None = field(default=None, repr=False)
    row_header: str | None = None
    table_id: str | None = None
    links: Mapping[str, Sequence[str | None]] | None = field(default=None, repr=False)
    row_links: Sequence[str | None] | None = field(default=None, repr=False)
    row_ids: Sequence[str | None] | None = field(default=None, repr=False)

    @property
    def html(self) -> str:
        table = html_table(
            self.df, self.caption, self.number_formats, self.row_header, self.table_id,
            self.links,
            self.row_links, self.row_ids,
        )
        return wrap_region(table, self.caption)

    def _repr_html_(self) -> str:
        return self.html

    def write_csv(self, path: str | Path) -> Path:
        """Download as CSV for German Excel, see :func:`write_csv_de`."""
        return write_csv_de(self.df, path)

    def write_xlsx(self, path: str | Path, sheet_name: str = "Daten") -> Path:
        """Download as XLSX, see :func:`write_xlsx`."""
        return write_xlsx(self.df, path, sheet_name)


#: label of synthetic data in every image, map and download (demo honesty)
DEMO_MARK = "Synthetische Demodaten – keine amtlichen Zahlen"
DEMO_COLUMN = "datenart"


def label_demo(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a first column ``datenart`` saying in every row that the values are
    synthetic: the label travels with any rows copied out of a download."""
    out = df.copy()
    out.insert(0, DEMO_COLUMN, DEMO_MARK)
    return out


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------
def protect_text(text: str) -> str:
    """Prefix a text that a spreadsheet would read as a formula with ``'``.

    Applies to text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    (OWASP CSV injection). Numbers are never passed here: a real ``-1.5`` stays a number.
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class CsvDialect:
    """How :func:`csv_bytes` writes: separator, decimal mark, BOM, line end, rounding."""

    sep: str = ";"
    decimal: str = ","
    bom: bool = True
    newline: str = "\r\n"
    decimals: int | None = None  # round numbers to this many places (trailing zeros dropped)


#: downloads: German Excel opens them directly
EXCEL_DE = CsvDialect()
#: command line outputs: ``,`` and decimal point, UTF-8 without BOM, ``\n``
PLAIN_CSV = CsvDialect(sep=",", decimal=".", bom=False, newline="\n")


def _csv_number(x: object, dialect: CsvDialect = EXCEL_DE) -> str:
    """Number without thousands separator, no exponent notation, the dialect's decimal mark."""
    if isinstance(x, numbers.Integral):
        return str(int(x))
    f = float(x)  # type: ignore[arg-type]
    if math.isinf(f):
        raise ValueError(f"Unendlicher Wert kann nicht exportiert werden: {x!r}")
    if dialect.decimals is None:
        text = np.format_float_positional(f, trim="-")
    else:
        text = f"{f:.{dialect.decimals}f}".rstrip("0").rstrip(".")
        text = "0" if text in ("-0", "") else text
    return text.replace(".", dialect.decimal)


def _csv_cell(x: object, dialect: CsvDialect = EXCEL_DE) -> str:
    if fmt.is_missing(x):
        return ""
    if isinstance(x, bool | np.bool_):
        return YES if x else NO
    if _is_number(x):
        return _csv_number(x, dialect)
    return protect_text(str(x))


def _csv_field(text: str, sep: str = ";") -> str:
    if any(ch in text for ch in (sep, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(df: pd.DataFrame, dialect: CsvDialect = EXCEL_DE) -> bytes:
    """The bytes :func:`write_csv_de` writes (for tests and in-memory downloads).

    With another ``dialect`` (e.g. :data:`PLAIN_CSV`) the same cells in another notation:
    numbers stay numbers (also negative ones), text starting with ``=``, ``+``, ``-``,
    ``@``, tab or CR gets a leading ``'``."""
    sep = dialect.sep
    lines = [sep.join(_csv_field(protect_text(str(c)), sep) for c in df.columns)]
    for row in df.itertuples(index=False, name=None):
        lines.append(sep.join(_csv_field(_csv_cell(v, dialect), sep) for v in row))
    text = dialect.newline.join(lines) + dialect.newline
    return text.encode("utf-8-sig" if dialect.bom else "utf-8")


def write_csv_de(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV that German Excel opens directly (Download).

    Separator ``;``, decimal comma, no thousands separator, UTF-8 with BOM, CRLF line
    endings, fields quoted only when needed; missing values empty; booleans ``ja``/``nein``;
    ``"•"`` kept. Text cells (and headers) starting with ``=``, ``+``, ``-``, ``@``, tab
    or CR get a leading ``'``. Index not written. Same frame → same bytes.
    """
    path = Path(path)
    path.write_bytes(csv_bytes(df))
    return path


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str) -> str:
    title = _SHEET_FORBIDDEN.sub("_", name).strip("'") or "Daten"
    return title[:31]


def _display_width(x: object) -> int:
    return len(_text(x)) if not isinstance(x, str) else len(x)


def _column_width(header: object, values) -> int:
    """Widest display text of a column's header and values (each distinct value measured
    once: a large download repeats most of them)."""
    width = _display_width(header)
    seen: set = set()
    for v in values:
        try:
            key = (type(v), v)  # 1 and True are equal but display differently
            if key in seen:
                continue
            seen.add(key)
        except TypeError:  # unhashable: measured every time
            pass
        width = max(width, _display_width(v))
    return width


def _fill_sheet(ws, df: pd.DataFrame, sheet_name: str, wrap: bool = False) -> None:
    """Write ``df`` into the worksheet ``ws``: bold frozen header, text never a formula,
    column widths from content; with ``wrap`` a text wider than its column wraps."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.title = _sheet_title(sheet_name)

    def value(x: object) -> object:
        if fmt.is_missing(x):
            return None
        if isinstance(x, bool | np.bool_):
            return YES if x else NO  # as in the CSV and the HTML table
        if _is_number(x):
            f = float(x)  # type: ignore[arg-type]
            if math.isinf(f):
                raise ValueError(f"Unendlicher Wert kann nicht exportiert werden: {x!r}")
            return int(x) if isinstance(x, numbers.Integral) else f
        return str(x)

    # whole rows at once (a cell at a time costs twice as much on large tables)
    texts: list[tuple[int, int]] = []  # cells of text a spreadsheet might not keep as text

    def row_values(i: int, items) -> list[object]:
        out = [value(x) for x in items]
        for j, x in enumerate(out, start=1):
            if isinstance(x, str) and x.startswith(_NOT_PLAIN_TEXT):
                texts.append((i, j))
        return out

    ws.append(row_values(1, df.columns))
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        ws.append(row_values(i, row))
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    for i, j in texts:
        cell = ws.cell(row=i, column=j)
        cell.data_type = "s"  # never a formula (or error code), whatever the first character
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited

    for j, c in enumerate(df.columns, start=1):
        width = min(max(_column_width(c, df[c]) + 2, 8), 60)
        ws.column_dimensions[get_column_letter(j)].width = width
        if wrap:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(cell.value, str) and len(cell.value) + 2 > width:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def xlsx_bytes(df: pd.DataFrame, sheet_name: str = "Daten",
               more_sheets: Sequence[tuple[str, pd.DataFrame]] = ()) -> bytes:
    """The bytes :func:`write_xlsx` writes (for tests and in-memory downloads); with
    ``more_sheets`` ((name, frame), …) further sheets after the first, written alike
    (long texts there wrap: they explain the first)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    _fill_sheet(wb.active, df, sheet_name)
    names = {wb.active.title}
    for name, frame in more_sheets:
        title = _sheet_title(name)
        if title in names:
            raise ValueError(f"Tabellenblatt „{title}“ gibt es schon")
        names.add(title)
        _fill_sheet(wb.create_sheet(), frame, name, wrap=True)

    props = wb.properties
    props.creator = None
    props.lastModifiedBy = None
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # save_workbook() would stamp "modified = now"
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed entry timestamps and attributes (same content → same bytes)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def write_xlsx(df: pd.DataFrame, path: str | Path, sheet_name: str = "Daten") -> Path:
    """Write ``df`` as an Excel workbook (Download), reproducibly and injection-safe.

    One sheet (name sanitised, max. 31 characters), bold header row, frozen header,
    column widths from content. Numbers stay numbers (also negative ones), missing
    values are empty cells, booleans ``ja``/``nein``, every text cell is stored as a
    string — never a formula — and text starting with ``=``, ``+``, ``-``, ``@``, tab or
    CR is additionally marked with Excel's quote prefix. Document properties carry no
    user name and a fixed date; ZIP entries carry fixed timestamps, so the same frame
    gives the same bytes. Index not written.
    """
    path = Path(path)
    path.write_bytes(xlsx_bytes(df, sheet_name))
    return path
