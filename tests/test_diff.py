"""carebook.diff and `carebook diff`: what changed between two runs' metrics.json."""

from __future__ import annotations

import json

import pytest

from carebook import cli
from carebook.diff import compare, diff_paths, flatten, load_metrics, to_dict, to_text
from carebook.errors import InputError

OLD = {
    "organisation": "China Mobile",
    "survey": {
        "respondents": 200,
        "servqual": {"gap": {"reliability": -0.95, "empathy": -0.6}, "weighted_gap": None},
        "nps": 7.25,
    },
    "comments": None,
    "benchmark": {"share": {"difference": 39.4, "organisation_better": True}},
}
NEW = {
    "organisation": "China Mobile",
    "survey": {
        "respondents": 250,
        "servqual": {"gap": {"reliability": -0.8, "empathy": -0.6}, "weighted_gap": -0.9},
        "nps": 7.25,
    },
    "comments": {"comments": 40},
    "benchmark": {"share": {"difference": 39.4, "organisation_better": False}},
}


def write(path, document) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


# --- flatten ------------------------------------------------------------------------


def test_flatten_gives_dotted_keys_and_keeps_null_leaves():
    assert flatten({"a": {"b": 1, "c": None}, "d": "x"}) == {"a.b": 1, "a.c": None, "d": "x"}


def test_lists_of_records_are_keyed_by_their_name_field():
    doc = {"dims": [{"dimension": "tangibles", "gap": -0.1}, {"dimension": "empathy", "gap": -0.6}]}
    assert flatten(doc) == {
        "dims[dimension=tangibles].gap": -0.1,
        "dims[dimension=empathy].gap": -0.6,
    }


def test_lists_without_a_name_field_are_keyed_by_index():
    assert flatten({"top": [3, 1]}) == {"top[0]": 3, "top[1]": 1}


def test_a_dotted_key_cannot_collide_with_a_nested_one():
    flat = flatten({"a.b": 1, "a": {"b": 2}})
    assert len(flat) == 2 and flat["a.b"] == 2


def test_empty_containers_are_leaves():
    assert flatten({"themes": {}, "items": []}) == {"themes": {}, "items": []}


# --- compare ------------------------------------------------------------------------


def test_changed_added_removed_and_unchanged_are_counted():
    result = compare(OLD, NEW)
    changed = {c.key: c for c in result.changed}
    assert set(changed) == {
        "survey.respondents",
        "survey.servqual.gap.reliability",
        "survey.servqual.weighted_gap",
        "benchmark.share.organisation_better",
    }
    # -0.80 - (-0.95) = +0.15; 250 - 200 = +50
    assert changed["survey.servqual.gap.reliability"].difference == pytest.approx(0.15)
    assert changed["survey.respondents"].difference == 50
    # null -> number is a change, but there is no difference to give
    assert changed["survey.servqual.weighted_gap"].difference is None
    assert [c.key for c in result.added] == ["comments.comments"]
    assert [c.key for c in result.removed] == ["comments"]
    # organisation, gap.empathy, nps, benchmark.share.difference
    assert result.unchanged == 4
    assert not result.same


def test_identical_documents_are_the_same():
    result = compare(OLD, json.loads(json.dumps(OLD)))
    assert result.same and result.unchanged == len(flatten(OLD))


def test_booleans_are_not_numbers_and_ints_equal_floats():
    result = compare({"a": True, "b": 1}, {"a": 1, "b": 1.0})
    assert [c.key for c in result.changed] == ["a"] and result.changed[0].difference is None
    assert result.unchanged == 1


def test_number_to_null_is_a_change():
    result = compare({"nps": 12.5}, {"nps": None})
    assert [(c.old, c.new, c.difference) for c in result.changed] == [(12.5, None, None)]


def test_list_order_does_not_matter_when_items_are_named():
    old = {"c": [{"channel": "email", "n": 1}, {"channel": "hotline", "n": 2}]}
    new = {"c": [{"channel": "hotline", "n": 2}, {"channel": "email", "n": 1}]}
    assert compare(old, new).same


def test_tolerance_hides_tiny_differences_only():
    old, new = {"a": 1.0, "b": 1.0}, {"a": 1.0 + 1e-12, "b": 1.5}
    assert [c.key for c in compare(old, new, tolerance=1e-9).changed] == ["b"]
    assert len(compare(old, new).changed) == 2


def test_inputs_are_left_untouched():
    before = json.dumps(OLD)
    compare(OLD, NEW)
    assert json.dumps(OLD) == before


# --- wording ------------------------------------------------------------------------


def test_text_reads_figure_by_figure_with_signed_differences():
    text = to_text(compare(OLD, NEW), "run1", "run2")
    assert text.splitlines()[0] == "run1 → run2: 4 changed, 1 added, 1 removed, 4 unchanged."
    assert "  survey.servqual.gap.reliability: -0.95 → -0.80 (+0.15)" in text
    assert "  survey.respondents: 200 → 250 (+50)" in text
    assert "  survey.servqual.weighted_gap: null → -0.90" in text
    assert "  benchmark.share.organisation_better: true → false" in text
    assert "Added (only in run2):\n  comments.comments: 40" in text
    assert "Removed (only in run1):\n  comments: null" in text


def test_close_values_get_enough_decimals_to_differ():
    # 0.1234 and 0.1236 round to the same 0.12; the line must still show them apart.
    line = to_text(compare({"x": 0.1234}, {"x": 0.1236})).splitlines()[-1]
    assert line == "  x: 0.1234 → 0.1236 (+0.0002)"


def test_no_differences_is_said_plainly():
    text = to_text(compare({"a": 1}, {"a": 1}), "A", "B")
    assert text == "A → B: no differences (1 figures compared)."


def test_dict_form_is_json_ready():
    data = to_dict(compare(OLD, NEW))
    assert json.loads(json.dumps(data)) == data
    assert data["added"] == [{"key": "comments.comments", "value": 40}]


# --- files and folders -----------------------------------------------------------------


def test_folders_and_files_both_work(tmp_path):
    write(tmp_path / "old" / "metrics.json", OLD)
    new_file = write(tmp_path / "new.json", NEW)
    assert len(diff_paths(tmp_path / "old", new_file).changed) == 4


def test_folder_without_metrics_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="has no metrics.json"):
        load_metrics(tmp_path / "empty")


def test_bad_json_gives_line_and_column(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_metrics(path)
    problem = info.value.problems[0]
    assert (problem.row, problem.column) == (4, "1")
    assert "not valid JSON" in problem.message


@pytest.mark.parametrize(("text", "message"), [("NaN", "not valid JSON"), ("[1, 2]", "a list")])
def test_non_json_numbers_and_non_objects_are_refused(tmp_path, text, message):
    path = tmp_path / "metrics.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_metrics(path)


# --- command line ----------------------------------------------------------------------


def test_cli_exit_codes_and_output(tmp_path, capsys):
    old = write(tmp_path / "a" / "metrics.json", OLD)
    write(tmp_path / "b" / "metrics.json", NEW)
    assert cli.main(["diff", old, old]) == 0
    assert "no differences" in capsys.readouterr().out
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    assert "survey.respondents: 200 → 250 (+50)" in capsys.readouterr().out


def test_cli_json_output(tmp_path, capsys):
    old = write(tmp_path / "a.json", OLD)
    new = write(tmp_path / "b.json", NEW)
    assert cli.main(["diff", old, new, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["same"] is False and data["unchanged"] == 4


def test_cli_bad_json_exits_2_with_a_position(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    good = write(tmp_path / "good.json", OLD)
    assert cli.main(["diff", str(bad), good]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1:2: not valid JSON" in err
    assert "built" not in err
