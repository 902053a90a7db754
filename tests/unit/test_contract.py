"""The data contract: schema.py, data/README.md and the demo data agree with each other."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from analysis.build.cli import main
from analysis.contract import schema as S
from analysis.contract.dataset import load_dataset

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
README = REPO / "data" / "README.md"
CONFIG = REPO / "config" / "report.yaml"


def _readme_sections() -> dict[str, str]:
    """Markdown sections of data/README.md: heading line -> text up to the next heading."""
    if not README.exists():
        pytest.fail("data/README.md fehlt – die Dokumentation des Datenvertrags")
    sections: dict[str, str] = {}
    heading = ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if re.match(r"^#{1,6} ", line):
            heading = line
            sections[heading] = ""
        else:
            sections[heading] = sections.get(heading, "") + line + "\n"
    return sections


def _section_of(name: str) -> str:
    """The README section whose heading names the input file (``kommunen`` / ``kommunen.csv``)."""
    for heading, text in _readme_sections().items():
        if re.search(rf"(?<![\w.]){re.escape(name)}(\.csv|\.xlsx)?(?![\w])", heading):
            return text
    pytest.fail(f"data/README.md hat keinen Abschnitt (Überschrift) für {name}.csv")


@pytest.mark.parametrize("spec", S.TABLE_FILES, ids=lambda s: s.name)
def test_every_column_is_documented(spec):
    """Each column appears in the file's README section as `code` or as a table cell."""
    text = _section_of(spec.name)
    missing = [c.name for c in spec.columns
               if f"`{c.name}`" not in text and not re.search(rf"\|\s*{c.name}\s*\|", text)]
    assert not missing, f"{spec.name}: Spalten nicht in data/README.md dokumentiert: {missing}"


def test_geometry_and_notes_are_documented():
    if not README.exists():
        pytest.fail("data/README.md fehlt – die Dokumentation des Datenvertrags")
    text = README.read_text(encoding="utf-8")
    assert S.GEOMETRY_FILE in text and S.GEOMETRY_CRS in text
    missing = [f for f in S.NOTE_FIELDS if f"`{f}`" not in text and f"{f}:" not in text]
    assert f"{S.NOTES_DIR}/" in text and not missing, missing


@pytest.mark.parametrize("spec", S.TABLE_FILES, ids=lambda s: s.name)
def test_demo_files_have_exactly_the_contract_columns(spec):
    path = DEMO / f"{spec.name}.csv"
    assert path.exists(), f"Demodaten ohne {path.name}"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert header == spec.column_names


def test_contract_is_consistent():
    for spec in S.TABLE_FILES:
        names = spec.column_names
        assert len(set(names)) == len(names), spec.name
        assert set(spec.key) <= set(names), spec.name
        for col in spec.columns:
            assert col.dtype in ("str", "int", "float") and col.description and \
                col.example is not None
        S.pandera_schema(spec)  # builds


def test_demo_data_pass_validation():
    ds = load_dataset(DEMO)
    assert len(ds.areas) == 93
    assert len(ds.municipalities) == 10
    assert ds.years == list(range(2016, 2022))
    assert len(ds.counts) == 93 * 26 * 6
    assert ds.is_demo
    assert set(ds.geometry) == set(ds.areas[S.AREA])
    assert all(g.is_valid for g in ds.geometry.values())
    assert len(ds.notes) == len(list((DEMO / S.NOTES_DIR).glob("*.md")))
    assert ds.services is not None and ds.goals is not None and ds.priorities is not None
    assert ds.areas[S.KOMMUNE].notna().all()
    assert list(ds.areas.index) == list(range(len(ds.areas)))


def test_validate_demo_in_process(capsys):
    n_services = len((DEMO / "angebote.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert main(["validate", str(DEMO), "--config", str(CONFIG)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "Daten in Ordnung (synthetische Demodaten):",
        "93 Sozialräume in 10 Kommunen",
        "Jahre 2016–2021 (6 Jahre)",
        "28 Variablen, 19 Indikatoren, 14.508 Zählwerte",
        f"{n_services} Angebote, 8 qualitative Befunde",
    ]


def test_validate_demo_subprocess(cli):
    code, out, err = cli("validate", "data/demo")
    assert (code, err) == (0, "")
    assert "93 Sozialräume in 10 Kommunen" in out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_regenerates_byte_identical(tmp_path, cli):
    out = tmp_path / "demo"
    code, stdout, err = cli("demo", "--output", out)
    assert code == 0, err
    fresh, committed = _files(out), _files(DEMO)
    assert sorted(fresh) == sorted(committed)
    assert any(name.startswith(f"{S.NOTES_DIR}/") for name in committed)
    changed = [name for name in committed if fresh[name] != committed[name]]
    assert not changed, f"python -m analysis demo erzeugt andere Dateien: {changed}"
