"""Area codes and Kommune ids in a region's own form (issue 11): form rules, one natural
order, safe and unique slugs, „AGS“ only for real AGS."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis.common.ids import area_anchors, id_slugs, is_ags, natural_key, natural_sorted, profile_pages
from analysis.contract import schema as S
from analysis.contract.io import read_csv_text
from analysis.contract.validate import typed_frame

AREA_CODES = ["AC 1", "A 1a", "0110", "01100101", "Mitte-Nord", "12.3", "Süd_2", "Öhringen Ost"]


def _typed(tmp_path, spec: S.InputFile, rows: list[list[str]]):
    path = tmp_path / f"{spec.name}.csv"
    out = io.StringIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(out, index=False)
    path.write_text(out.getvalue(), encoding="utf-8")
    return typed_frame(read_csv_text(path), spec)


def test_area_codes_in_the_regions_own_form_are_accepted_as_text(tmp_path):
    rows = [["sozialraum", "name", "ags", "name_belegt"],
            *[[c, f"Gebiet {i}", "bezirk_01", "nein"] for i, c in enumerate(AREA_CODES)]]
    frame, problems = _typed(tmp_path, S.SOZIALRAEUME, rows)
    assert problems == []
    assert list(frame["sozialraum"]) == AREA_CODES  # leading zeros kept


@pytest.mark.parametrize("kommune_id", ["05334002", "11000001", "bezirk_01", "Mitte",
                                        "Bezirk Tempelhof-Schöneberg", "B.01"])
def test_any_kommune_id_is_accepted(tmp_path, kommune_id):
    _, problems = _typed(tmp_path, S.KOMMUNEN, [["ags", "name"], [kommune_id, "X"]])
    assert problems == []


@pytest.mark.parametrize(("kommune_id", "message"), [
    ("99334002", S.AGS_FORM_ERROR), ("00334002", S.AGS_FORM_ERROR),
    ("5334002", S.AGS_FORM_ERROR), ("053340020", S.AGS_FORM_ERROR),
    ("bezirk/01", S.ID_FORM_ERROR), ("-bezirk", S.ID_FORM_ERROR),
    ("b" * 41, S.ID_LENGTH_ERROR),
])
def test_bad_kommune_ids_are_refused(tmp_path, kommune_id, message):
    _, problems = _typed(tmp_path, S.KOMMUNEN, [["ags", "name"], [kommune_id, "X"]])
    assert [(p.row, p.column, p.value, p.message) for p in problems] == [
        (2, "ags", kommune_id, message)]


def test_is_ags():
    assert is_ags("05334002") and is_ags("11000000") and is_ags("16077001")
    for other in ("bezirk_01", "5334002", "17000001", "00000001", "0533400a", None, 5334002):
        assert not is_ags(other)


def test_one_natural_order():
    assert natural_sorted(["AC 10", "AC 2", "A 1b", "A 1a", "0111", "0110", "A 10", "A 9"]) == [
        "0110", "0111", "A 1a", "A 1b", "A 9", "A 10", "AC 2", "AC 10"]
    assert natural_sorted(["S 1", "SI 1", "S 10", "S 2"]) == ["S 1", "S 2", "S 10", "SI 1"]
    # a total order: codes equal but for leading zeros or case still have a fixed order
    assert natural_sorted(["1", "01", "a", "A"]) == natural_sorted(["A", "a", "01", "1"])
    assert natural_key("01100101") < natural_key("01100102") < natural_key("01100201")


def test_there_is_only_one_natural_sort():
    import analysis.method.concept as concept
    import analysis.method.core as core
    import analysis.rendering.figures as figures
    import analysis.views.context as context

    assert not hasattr(core, "area_sort_key") and not hasattr(figures, "_natural_key")
    assert not hasattr(core, "_natural_sort") and not hasattr(concept, "_natural")
    assert not hasattr(context, "_natural")


def test_slugs_are_safe_and_unique():
    ids = ["AC 1", "ac-1", "Mitte-Nord", "mitte nord", "12.3", "<x>", "Süd", "05334002"]
    slugs = id_slugs(ids)
    assert len(set(slugs.values())) == len(ids)
    for s in slugs.values():
        assert s and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in s)
        assert s == s.lower()
    assert slugs["Süd"] == "sued" and slugs["05334002"] == "05334002"
    assert id_slugs(reversed(ids)) == slugs  # independent of the order given


def test_profile_pages_and_anchors_keep_the_demo_forms():
    assert profile_pages(["05334002"]) == {"05334002": "40_profil_05334002"}
    assert area_anchors(["AC 1", "A 1a", "SI 2"]) == {
        "AC 1": "sr-ac-1", "A 1a": "sr-a-1a", "SI 2": "sr-si-2"}
    assert profile_pages(["bezirk_01", "Bezirk 01"]).keys() == {"bezirk_01", "Bezirk 01"}
    assert len(set(profile_pages(["bezirk_01", "Bezirk 01", "bezirk-01"]).values())) == 3
