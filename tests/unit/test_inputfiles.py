"""Issue 10: input files are only read when they are regular files inside the data folder
and within the limits; the data hash reads only what the contract reads; the validator
refuses the text the page check refuses (one predicate)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.common.errors import DataContractError, Problem, UserError
from analysis.contract.dataset import data_hash, load_dataset

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
DEMO_HASH = "ff13915aaa8c"  # the demo report shows it: it must not change (by accident)


def test_hash_covers_only_contract_files(demo_copy):
    """Backups, notes in other formats and sub-folders do not enter the hash (a 12 GiB
    backup in a sub-folder made it run out of memory); the demo hash is unchanged."""
    (demo_copy / "sicherung").mkdir()
    (demo_copy / "sicherung" / "zaehlungen_alt.csv").write_bytes(b"x" * 1000)
    (demo_copy / "befunde" / "notizen.txt").write_text("nicht Teil des Vertrags")
    (demo_copy / "kommunen.xlsx").write_bytes(b"ignored: the CSV wins")
    os.mkfifo(demo_copy / "sicherung" / "pipe")
    assert data_hash(demo_copy) == data_hash(DEMO) == DEMO_HASH


def test_hash_streams_and_ignores_a_huge_backup(demo_copy):
    """A sparse 12 GiB file in a sub-folder costs neither time nor memory."""
    (demo_copy / "sicherung").mkdir()
    with open(demo_copy / "sicherung" / "voll.bak", "wb") as fh:
        fh.truncate(12 * 1024**3)
    t = time.perf_counter()
    assert data_hash(demo_copy) == DEMO_HASH
    assert time.perf_counter() - t < 5


def test_hash_refuses_a_fifo_marker_without_blocking(demo_copy):
    """The DEMO marker as a FIFO: refused by the hash (the build computes it before
    validating) and by the validator, never opened."""
    (demo_copy / "DEMO").unlink()
    os.mkfifo(demo_copy / "DEMO")
    with pytest.raises(DataContractError) as exc:
        data_hash(demo_copy)
    assert exc.value.problems[0] == Problem(
        "DEMO", None, None, None, "ist keine normale Datei, sondern eine Pipe (FIFO)",
        exc.value.problems[0].hint)
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    assert [p.file for p in exc.value.problems] == ["DEMO"]


def _char_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # the same device as /dev/zero
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")


def test_device_file_inside_the_folder_is_refused(demo_copy):
    """A device node in the folder (not a symlink) is refused by its type, before reading:
    reading /dev/zero exhausts the memory."""
    (demo_copy / "zaehlungen.csv").unlink()
    _char_device(demo_copy / "zaehlungen.csv")
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    [problem] = exc.value.problems
    assert (problem.file, problem.message) == (
        "zaehlungen.csv", "ist keine normale Datei, sondern eine Gerätedatei")


def test_symlinked_folder_pointing_outside_is_refused(demo_copy, tmp_path):
    """befunde/ itself a symlink to a folder outside: every note in it is refused."""
    outside = tmp_path / "anderswo"
    shutil.move(demo_copy / "befunde", outside)
    (demo_copy / "befunde").symlink_to(outside)
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    assert {p.message for p in exc.value.problems} == {
        "Verknüpfung (Symlink) zeigt aus dem Datenordner heraus; solche Dateien werden "
        "nicht gelesen"}
    assert len(exc.value.problems) == 8


def test_fifo_does_not_hang_the_command(demo_copy, cli):
    """The real command with a FIFO as a table ends at once (it used to block)."""
    (demo_copy / "kommunen.csv").unlink()
    os.mkfifo(demo_copy / "kommunen.csv")
    code, out, err = cli("validate", demo_copy, timeout=60)
    assert code == 2 and "Traceback" not in err
    assert "kommunen.csv: ist keine normale Datei, sondern eine Pipe (FIFO)" in err


def test_limits_from_environment_are_checked(monkeypatch):
    from analysis.contract.inputfiles import limits

    monkeypatch.setenv("SOZIALPLANUNG_MAX_ZEILEN", "viele")
    with pytest.raises(UserError, match="SOZIALPLANUNG_MAX_ZEILEN='viele'"):
        limits()


def test_defaults_admit_the_benchmark_size():
    """10.000 areas × 41 variables × 10 years (the benchmark) fit within the default
    limits: 4,1 million rows; ``X 123,2021,v7,1234`` is ~21 bytes a row (86 MB), real
    codes and variable names ~40 bytes (164 MB)."""
    from analysis.contract.inputfiles import limits

    lim = limits()
    rows = 10_000 * 41 * 10
    assert rows * 2 <= lim.max_rows
    assert rows * 21 * 2.5 <= lim.max_file_bytes
    assert rows * 40 * 1.5 <= lim.max_file_bytes
    assert 10_000 * 4 <= lim.max_areas


@pytest.mark.parametrize(("text", "flagged"), [
    ("Stand 2021-06-02 14:30", True),
    ("Stand 2021-06-02", False),
    ("siehe " + os.path.join(os.sep, "home", "planung", "notiz.txt"), True),
    ("siehe file:///tmp/x", True),
    ("Ablage C:\\Users\\ich\\", True),
    ("Kinder/Jugendliche und/oder Eltern", False),
])
def test_validator_and_page_check_share_one_predicate(text, flagged):
    """What the page check refuses as path or timestamp, the validator refuses too."""
    from analysis.common.textcheck import text_problem
    from analysis.rendering.assemble import _leak_problems

    assert bool(_leak_problems(text, "Seite")) is flagged
    assert (text_problem(text) is not None) is flagged


def test_traceback_text_is_refused_like_the_page_check_does(demo_copy):
    """A finding quoting a Python error would make its page look like a crashed chapter;
    the page check refuses it, so validate does."""
    from bs4 import BeautifulSoup

    from analysis.rendering.assemble import _page_problems

    text = "Traceback (most recent call last): im Fachverfahren"
    page = f'<html lang="de"><body><main><p>{text}</p></main></body></html>'
    assert any("Traceback" in p for p in _page_problems(BeautifulSoup(page, "html.parser"),
                                                          page))
    note = demo_copy / "befunde" / "2021-06-02_e_innenstadt.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    [problem] = exc.value.problems
    assert (problem.file, problem.row, problem.column) == (
        "befunde/2021-06-02_e_innenstadt.md", 10, "Text")
    assert "Python-Fehlermeldung" in problem.message


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    """Nine levels of ten aliases (10⁹ strings) in the configuration: refused in well
    under a second, in a subprocess so that a regression cannot take the test run down."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, 9)]
    path = tmp_path / "report.yaml"
    path.write_text("\n".join([*lines, "region: [*a8]"]), encoding="utf-8")
    code = ("import sys; from analysis.contract.config import load_config\n"
            "try:\n    load_config(sys.argv[1])\nexcept Exception as e:\n    print(e)")
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert time.perf_counter() - t < 30
    assert "YAML-Anker „&a0“ ist nicht erlaubt" in out.stdout


def test_messages_do_not_reproduce_control_characters():
    """A refused value is printed with its invisible characters spelled out."""
    text = Problem("kommunen.csv", 2, "name", "Aachen\u202enehcaA\x1b[2J", "x").format()
    assert "<U+202E>" in text and "<U+001B>" in text
    assert "\u202e" not in text and "\x1b" not in text


def test_file_swapped_after_the_check_is_refused(demo_copy, monkeypatch):
    """The file opened must be the file checked (same device and inode): a symlink swapped
    in between the check and the open is not read."""
    import analysis.contract.inputfiles as inputfiles

    real_check = inputfiles.check_input
    other = os.stat(demo_copy / "kommunen.csv")

    def check_then_swap(path, root, file):
        real_check(path, root, file)
        return other  # as if the path was replaced after the check

    monkeypatch.setattr(inputfiles, "check_input", check_then_swap)
    with pytest.raises(DataContractError) as exc:
        inputfiles.read_input(demo_copy / "variablen.csv", demo_copy, "variablen.csv", 10**6)
    assert exc.value.problems[0].message == "Datei wurde während des Lesens ausgetauscht"


def test_hash_lists_every_refused_file(demo_copy):
    for name in ("kommunen.csv", "DEMO"):
        (demo_copy / name).unlink()
        os.mkfifo(demo_copy / name)
    with pytest.raises(DataContractError) as exc:
        data_hash(demo_copy)
    assert [p.file for p in exc.value.problems] == ["DEMO", "kommunen.csv"]


@pytest.mark.parametrize("text", [
    "frei /home/x", "frei/home/x", "C:\\Users\\a\\", "c:\\Dokumente\\", "file:/x", "/tmp",
    "/var/folders/ab", "/private/var/x", "~/work/x", "a /root", "/Users/me", "ohne Pfad",
    "2021-06-02 14:30", "x2021-06-02T14:30", "2021-06-02", "12-06-02 14:30", "1.234,5 %",
])
def test_quick_checks_find_what_the_patterns_find(text):
    """The page check first looks for what every match must contain (a substring, a
    short pattern) and runs the full pattern only then: it finds exactly the same."""
    from analysis.common.textcheck import (
        ABS_PATH_RE,
        TIMESTAMP_RE,
        path_matches,
        timestamp_matches,
    )

    for t in (text, f"<p>{text}</p>", text * 2):
        assert path_matches(t) == [m.group(0) for m in ABS_PATH_RE.finditer(t)]
        assert timestamp_matches(t) == [m.group(0) for m in TIMESTAMP_RE.finditer(t)]
