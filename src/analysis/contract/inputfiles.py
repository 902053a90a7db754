"""Safe access to input files: only regular files inside the data folder, bounded size.

Every reader of the data folder (tables, GeoJSON, ``befunde/*.md``, the data hash)
opens its files through :func:`open_input`:

* the path is resolved (symlinks followed) and must lie **inside the data folder** – a
  symlink pointing out of it is refused; a symlink to another file inside it is fine;
* the file must be a **regular file** – devices (``/dev/zero``), FIFOs, sockets and
  folders are refused after ``os.stat``, before anything is read; the file is opened with
  ``O_NONBLOCK`` and checked again with ``fstat`` (a FIFO swapped in meanwhile cannot
  block);
* its size must not exceed the limit (:func:`limits`), and no more than the limit is read.

Limits have defaults that comfortably admit 10.000 Sozialräume × 40 indicators × 10
years (the benchmark size) and can be changed with environment variables
(``SOZIALPLANUNG_MAX_DATEI_MB``, ``SOZIALPLANUNG_MAX_ZEILEN``,
``SOZIALPLANUNG_MAX_SOZIALRAEUME``).
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analysis.common.errors import DataContractError, Problem, UserError

MIB = 1024 * 1024
#: Excel cannot hold more rows in one sheet
XLSX_MAX_ROWS = 1_048_576
#: a Markdown finding or a YAML configuration: a few KB in practice
TEXT_FILE_LIMIT = 1 * MIB
#: nesting depth of a GeoJSON document (a MultiPolygon feature collection needs 8)
GEOJSON_MAX_DEPTH = 64
#: digits of a number in a table cell (int64 has 19; more is a typo, and Python refuses
#: to convert strings of more than 4300 digits at all)
MAX_DIGITS = 30

_ENV = {
    "max_file_mb": ("SOZIALPLANUNG_MAX_DATEI_MB", 256),
    "max_rows": ("SOZIALPLANUNG_MAX_ZEILEN", 10_000_000),
    "max_areas": ("SOZIALPLANUNG_MAX_SOZIALRAEUME", 50_000),
}


@dataclass(frozen=True)
class Limits:
    """Size limits of input files (defaults in brackets)."""

    max_file_mb: int  # one table or GeoJSON file, also uncompressed for .xlsx (256)
    max_rows: int  # data rows of one table (10.000.000)
    max_areas: int  # rows of sozialraeume, features of the GeoJSON (50.000)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MIB


def limits() -> Limits:
    """The limits in force: defaults, overridden by the environment variables."""
    values = {}
    for key, (env, default) in _ENV.items():
        raw = os.environ.get(env, "").strip()
        if not raw:
            values[key] = default
            continue
        if not re.fullmatch(r"\d{1,12}", raw) or int(raw) < 1:
            raise UserError(f"Umgebungsvariable {env}={raw!r}: erwartet eine ganze Zahl ≥ 1 "
                            f"(Standard: {default})")
        values[key] = int(raw)
    return Limits(**values)


def _refuse(file: str, message: str, hint: str, value: str | None = None) -> DataContractError:
    return DataContractError([Problem(file, None, None, value, message, hint)])


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "ein Ordner"
    if stat.S_ISFIFO(mode):
        return "eine Pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "ein Socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "eine Gerätedatei"
    return "keine normale Datei"


def _not_regular(file: str, mode: int) -> DataContractError:
    return _refuse(file, f"ist keine normale Datei, sondern {_kind(mode)}",
                   "eine gewöhnliche Datei in den Datenordner legen (keine Geräte, Pipes "
                   "oder Sockets)")


def _n(n: int) -> str:
    """``2000000`` → ``2.000.000``."""
    return f"{n:,}".replace(",", ".")


def _mb(n: int) -> str:
    """``1234567890`` bytes → ``1.177,4 MB`` (German number format)."""
    return f"{n / MIB:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".") + " MB"


def _too_big(file: str, size: int, limit: int) -> DataContractError:
    return _refuse(file, f"Datei ist zu groß ({_mb(size)}, erlaubt höchstens {_mb(limit)})",
                   "Datei prüfen (falsche Datei? Sicherungskopie?); für sehr große Daten "
                   "die Grenze mit SOZIALPLANUNG_MAX_DATEI_MB erhöhen")


def check_input(path: Path, root: Path, file: str) -> os.stat_result:
    """Check that ``path`` is a regular file inside ``root``; return its ``stat``.

    Nothing is opened. ``file`` is the name shown in messages.
    """
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _refuse(file, "Verknüpfung (Symlink) zeigt auf eine Datei, die es nicht "
                          "gibt", "Verknüpfung durch die Datei selbst ersetzen") from None
        raise _refuse(file, "Datei fehlt", "Datei in den Datenordner legen") from None
    except (OSError, RuntimeError) as exc:  # symlink loop, permission
        raise _refuse(file, f"Datei kann nicht gelesen werden ({type(exc).__name__})",
                      "Datei und Verknüpfungen prüfen") from None
    if not real.is_relative_to(root.resolve()):
        raise _refuse(file, "Verknüpfung (Symlink) zeigt aus dem Datenordner heraus; "
                      "solche Dateien werden nicht gelesen",
                      "die Datei selbst in den Datenordner kopieren")
    try:
        st = os.stat(real)
    except OSError as exc:
        raise _refuse(file, f"Datei kann nicht gelesen werden ({exc.strerror})",
                      "Zugriffsrechte prüfen") from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(file, st.st_mode)
    return st


def open_input(path: Path, root: Path, file: str, limit: int) -> io.BufferedReader:
    """Open a checked input file for reading (binary); see the module docstring."""
    checked = check_input(path, root, file)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _refuse(file, f"Datei kann nicht gelesen werden ({exc.strerror})",
                      "Zugriffsrechte prüfen") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between the check and the open
            raise _not_regular(file, st.st_mode)
        if (st.st_dev, st.st_ino) != (checked.st_dev, checked.st_ino):
            raise _refuse(file, "Datei wurde während des Lesens ausgetauscht",
                          "erneut aufrufen, wenn niemand mehr am Datenordner arbeitet")
        if st.st_size > limit:
            raise _too_big(file, st.st_size, limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: Path, root: Path, file: str, limit: int) -> bytes:
    """All bytes of a checked input file, at most ``limit``."""
    with open_input(path, root, file, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew after the check
        raise _too_big(file, len(data), limit)
    return data


def read_text_file(path: Path, limit: int = TEXT_FILE_LIMIT) -> bytes:
    """Bytes of a text file outside the data folder (the configuration): regular file,
    bounded size. Raises :class:`UserError` with a German message."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UserError(f"{path.name} kann nicht gelesen werden ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{path.name} ist keine normale Datei, sondern {_kind(st.st_mode)}")
    if st.st_size > limit:
        raise UserError(f"{path.name} ist zu groß ({_n(st.st_size)} Bytes, erlaubt höchstens "
                        f"{_n(limit)})")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserError(f"{path.name} ist keine normale Datei")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UserError(f"{path.name} ist zu groß (mehr als {_n(limit)} Bytes)")
    return data


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3}\d+(?::[A-Z]{1,3}(\d+))?)\"")


def check_xlsx(data: bytes, file: str, lim: Limits) -> None:
    """Before parsing a workbook: its uncompressed size and the declared number of rows of
    every worksheet must be within the limits (a 7 MB file can hold a 1,6 GB sheet)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise _refuse(file, "Excel-Datei kann nicht gelesen werden (kein .xlsx-Archiv)",
                      "Datei in Excel öffnen und erneut als .xlsx speichern") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise _refuse(file, f"Excel-Datei enthält {_n(len(infos))} Teile",
                          "Datei in Excel öffnen und erneut als .xlsx speichern")
        total = sum(i.file_size for i in infos)
        if total > lim.max_file_bytes:
            raise _refuse(file, f"Excel-Datei ist entpackt zu groß ({_mb(total)}, erlaubt "
                          f"höchstens {_mb(lim.max_file_bytes)})",
                          "nur die benötigte Tabelle speichern; für sehr große Daten die "
                          "Grenze mit SOZIALPLANUNG_MAX_DATEI_MB erhöhen")
        max_rows = min(lim.max_rows + 1, XLSX_MAX_ROWS)  # rows including the header
        for info in infos:
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                continue
            with archive.open(info) as fh:
                head = fh.read(4096)
            m = _DIMENSION_RE.search(head)
            if m is None or m.group(2) is None:
                continue
            rows = int(m.group(2)[:12])
            if rows > max_rows:
                raise _refuse(file, f"Tabellenblatt hat laut Excel {_n(rows)} Zeilen, erlaubt "
                              f"sind höchstens {_n(max_rows)}",
                              "nur die benötigten Zeilen speichern; für sehr große Daten CSV "
                              "verwenden", value=m.group(1).decode("ascii", "replace"))


def too_many_rows(file: str, rows: int, limit: int, what: str = "Datenzeilen") -> Problem:
    return Problem(file, None, None, None,
                   f"Datei hat {_n(rows)} {what}, erlaubt sind höchstens {_n(limit)}",
                   "Datei prüfen (falsche Datei?); für sehr große Daten die Grenze mit "
                   + ("SOZIALPLANUNG_MAX_SOZIALRAEUME" if "Sozialr" in what
                      else "SOZIALPLANUNG_MAX_ZEILEN") + " erhöhen")
