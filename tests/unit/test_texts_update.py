"""A region's own text folder after a program update: ``python -m analysis texte`` names
the blocks it lacks, ``--ergaenzen`` copies them from the program's folder, marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.build.cli import main
from analysis.build.texts_update import MARK, PROGRAM_TEXTS, complete, raw_blocks, status
from analysis.common.errors import UserError
from analysis.contract.config import load_config, text_problems

from ..configs import edited_config


def _drop_block(path: Path, name: str) -> None:
    text = path.read_text(encoding="utf-8")
    body = raw_blocks(text)[name]
    assert body in text
    path.write_text(text.replace(body + "\n", "", 1), encoding="utf-8")


@pytest.fixture()
def region(tmp_path: Path) -> Path:
    """A region's configuration whose text folder lacks one annex block, one kind of
    recommendation and the whole Sozialbericht sentence file, and has its own wording in
    another block."""
    cfg = edited_config(tmp_path, "texte: \"texte\"", "texte: \"eigene_texte\"")
    (tmp_path / "texte").rename(tmp_path / "eigene_texte")
    texts = tmp_path / "eigene_texte"
    sentences = raw_blocks((texts / "satzbausteine.md").read_text(encoding="utf-8"))
    first, second = list(sentences)[:2]
    _drop_block(texts / "satzbausteine.md", second)
    own = texts / "satzbausteine.md"
    own.write_text(own.read_text(encoding="utf-8").replace(
        sentences[first], sentences[first] + " Eigene Ergänzung der Region.", 1), encoding="utf-8")
    _drop_block(texts / "empfehlungen.md", "grenzfaelle")
    (texts / "satzbausteine_bericht.md").unlink()
    return cfg


def test_texte_names_the_missing_blocks_and_fails(region: Path, capsys) -> None:
    assert main(["texte", "--config", str(region)]) == 2
    err = capsys.readouterr().err
    assert "„## grenzfaelle“" in err and "empfehlungen.md" in err
    assert "satzbausteine_bericht.md: es fehlen" in err
    assert "--ergaenzen" in err
    assert text_problems(load_config(region), region), "validate must fail as well"


def test_ergaenzen_copies_marked_blocks_and_keeps_the_regions_wording(region: Path,
                                                                      capsys) -> None:
    own_before = (region.parent / "eigene_texte" / "satzbausteine.md").read_text(encoding="utf-8")
    assert main(["texte", "--config", str(region), "--ergaenzen"]) == 0
    out = capsys.readouterr().out
    assert "ergänzt" in out and "noch nicht geprüft" in out
    cfg = load_config(region)
    assert text_problems(cfg, region) == []
    own_after = (region.parent / "eigene_texte" / "satzbausteine.md").read_text(encoding="utf-8")
    assert own_after.startswith(own_before.rstrip("\n")), "the region's text is kept as it was"
    assert "Eigene Ergänzung der Region." in own_after
    added = own_after[len(own_before.rstrip("\n")):]
    assert added.count("\n## ") == 1 and MARK in added
    by_file = {s.name: s for s in status(cfg, region)}
    assert all(not s.missing for s in by_file.values())
    assert by_file["empfehlungen.md"].unreviewed == ("grenzfaelle",)
    shipped = raw_blocks((PROGRAM_TEXTS / "satzbausteine_bericht.md").read_text(encoding="utf-8"))
    assert set(by_file["satzbausteine_bericht.md"].unreviewed) == set(shipped)
    # nothing left to add: a second run changes no byte
    snapshot = {p: p.read_bytes() for p in (region.parent / "eigene_texte").rglob("*.md")}
    assert complete(cfg, region) == {}
    assert snapshot == {p: p.read_bytes() for p in (region.parent / "eigene_texte").rglob("*.md")}


def test_a_block_missing_from_the_program_too_writes_nothing(region: Path, tmp_path: Path) -> None:
    program = tmp_path / "vorlage"
    program.mkdir()
    for name in ("satzbausteine.md", "satzbausteine_bericht.md", "empfehlungen.md"):
        text = (PROGRAM_TEXTS / name).read_text(encoding="utf-8")
        if name == "empfehlungen.md":
            text = text.replace(raw_blocks(text)["grenzfaelle"], "")
        (program / name).write_text(text, encoding="utf-8")
    texts = region.parent / "eigene_texte"
    before = {p: p.read_bytes() for p in texts.rglob("*.md")}
    with pytest.raises(UserError, match=r"grenzfaelle.*fehlt auch dort"):
        complete(load_config(region), region, program=program)
    assert before == {p: p.read_bytes() for p in texts.rglob("*.md")}
    assert not (texts / "satzbausteine_bericht.md").exists()


def test_the_shipped_folder_is_complete(capsys) -> None:
    assert main(["texte"]) == 0
    assert re.search(r"alle Satzbausteine vorhanden", capsys.readouterr().out)
