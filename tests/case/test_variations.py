"""Every legal variation data-contract.md allows is accepted and loads to the same values.

Each test starts from a copy of tests/data/cases/minimal, changes it in one way the
contract allows, and checks two things: ``carebook validate`` exits 0, and the typed
frames equal those of the unchanged case (or differ exactly as the variation says). The
contract's sentences are quoted above the tests that cover them.
"""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from casekit import MINIMAL, edit

from carebook import cli
from carebook.case import Case, validate

FRAMES = ("survey", "contacts", "comments", "benchmark")
CSV_NAMES = ("survey.csv", "contacts.csv", "comments.csv", "benchmark.csv")
YAML_NAMES = ("case.yaml", "references.yaml")


@pytest.fixture(scope="module")
def plain() -> Case:
    """The unchanged minimal case, loaded once."""
    return validate(MINIMAL)


def accepted(case: Path, capsys: pytest.CaptureFixture[str]) -> Case:
    """Validate *case* through the CLI (exit 0, one summary line) and return it loaded."""
    assert cli.main(["validate", str(case)]) == 0, capsys.readouterr().err
    assert "valid case for Example Mobile" in capsys.readouterr().out
    return validate(case)


def assert_same_frames(
    case: Case, plain: Case, *, frames: tuple[str, ...] = FRAMES, extra: tuple[str, ...] = ()
) -> None:
    """The typed frames of *case* equal *plain*'s (column order as in *plain*).

    Columns named in *extra* are allowed in *case* and not compared.
    """
    for name in frames:
        got, want = getattr(case, name), getattr(plain, name)
        assert set(got.columns) - set(extra) == set(want.columns), name
        pd.testing.assert_frame_equal(got[list(want.columns)], want, obj=name)


def rewrite(
    case: Path, name: str, *, encoding: str = "utf-8", newline: str = "\n", prefix: bytes = b""
) -> None:
    """Re-save one file of *case* with another encoding, line ending or leading bytes."""
    text = (case / name).read_text(encoding="utf-8")
    (case / name).write_bytes(prefix + text.replace("\n", newline).encode(encoding))


def set_cell(case: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (spreadsheet *row*, header = 1) of a case CSV with no quoted fields."""
    lines = (case / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    (case / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def drop_columns(case: Path, name: str, columns: list[str]) -> None:
    """Delete whole columns from a case CSV (read and written with pandas, all as text)."""
    frame = pd.read_csv(case / name, dtype=str, keep_default_na=False)
    frame.drop(columns=columns).to_csv(case / name, index=False)


def test_the_plain_minimal_case_is_valid(case_dir, capsys, plain):
    # The baseline every other test compares with.
    assert_same_frames(accepted(case_dir, capsys), plain)
    assert plain.warnings == ()


# --- "CSV files: comma-separated, header row, UTF-8 (with or without BOM)" --------------


def test_utf8_with_byte_order_mark_in_every_file(case_dir, capsys, plain):
    for name in (*CSV_NAMES, *YAML_NAMES):
        rewrite(case_dir, name, prefix=codecs.BOM_UTF8)
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    assert case.config == plain.config and case.references == plain.references
    assert {case.inputs[n].encoding for n in (*CSV_NAMES, *YAML_NAMES)} == {"utf-8-sig"}


# --- "Files saved by spreadsheet programs in GB18030/GBK ... or UTF-16 should be read
#      correctly ... never read as mojibake" ------------------------------------------------

CHINESE = {
    ("survey.csv", 2, "segment"): "预付费",
    ("survey.csv", 5, "segment"): "商务客户（北京）",
    ("contacts.csv", 2, "category"): "账单：扣费错误",
    ("contacts.csv", 3, "category"): "网络信号",
    ("benchmark.csv", 2, "label"): "市场份额",
    ("benchmark.csv", 3, "label"): "市场份额",
}
CHINESE_COMMENT = "信号经常掉线，客服态度很好！等待了两个小时。"


def chinese_case(case: Path) -> None:
    """Put Chinese text into text cells of every CSV (still UTF-8)."""
    for (name, row, column), value in CHINESE.items():
        set_cell(case, name, row, column, value)
    edit(
        case,
        "comments.csv",
        "The signal drops every evening, and I waited 2 hours.",
        CHINESE_COMMENT,
    )


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gb18030_files_read_with_their_chinese_text(case_dir, tmp_path, capsys, encoding):
    chinese_case(case_dir)
    reference = validate(case_dir)
    for name in CSV_NAMES:
        rewrite(case_dir, name, encoding=encoding)
    case = accepted(case_dir, capsys)
    assert_same_frames(case, reference)
    assert case.survey.loc[0, "segment"] == "预付费"
    assert case.contacts.loc[0, "category"] == "账单：扣费错误"
    assert case.comments.loc[0, "text"] == CHINESE_COMMENT
    assert case.comments.loc[2, "text"] == "<script>alert(1)</script> 很好"
    assert {case.inputs[n].encoding for n in CSV_NAMES} == {"gb18030"}


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
)
def test_utf16_with_byte_order_mark_reads_the_same(case_dir, capsys, encoding, bom):
    chinese_case(case_dir)
    reference = validate(case_dir)
    for name in CSV_NAMES:
        rewrite(case_dir, name, encoding=encoding, prefix=bom)
    assert_same_frames(accepted(case_dir, capsys), reference)


def test_excel_unicode_text_utf16_tab_separated_reads_the_same(case_dir, capsys, plain):
    # Excel's "Unicode Text" is UTF-16LE with tabs and CRLF; no minimal value holds a tab.
    for name in CSV_NAMES:
        frame = pd.read_csv(case_dir / name, dtype=str, keep_default_na=False)
        text = frame.to_csv(sep="\t", index=False, lineterminator="\r\n")
        (case_dir / name).write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert_same_frames(accepted(case_dir, capsys), plain)


# --- line endings, trailing lines, the last newline ------------------------------------


def test_crlf_line_endings_in_every_file(case_dir, capsys, plain):
    for name in (*CSV_NAMES, *YAML_NAMES):
        rewrite(case_dir, name, newline="\r\n")
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    assert case.config == plain.config


def test_lone_cr_line_endings_of_old_mac_csv(case_dir, capsys, plain):
    # Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR; quoted line breaks stay.
    edit(
        case_dir,
        "comments.csv",
        '"The signal drops every evening, and I waited 2 hours."',
        '"two\nlines"',
    )
    expected = validate(case_dir)
    for name in CSV_NAMES:
        rewrite(case_dir, name, newline="\r")
    path = case_dir / "comments.csv"  # the quoted break itself stays LF
    path.write_bytes(path.read_bytes().replace(b'"two\rlines"', b'"two\nlines"'))
    case = accepted(case_dir, capsys)
    assert_same_frames(case, expected)
    assert case.comments.loc[0, "text"] == "two\nlines"


def test_crlf_with_bom_and_gb18030_together(case_dir, capsys):
    chinese_case(case_dir)
    reference = validate(case_dir)
    rewrite(case_dir, "survey.csv", newline="\r\n", prefix=codecs.BOM_UTF8)
    rewrite(case_dir, "contacts.csv", encoding="gb18030", newline="\r\n")
    assert_same_frames(accepted(case_dir, capsys), reference)


@pytest.mark.parametrize("tail", ["\n\n\n", "\r\n\r\n", "\n \n"], ids=["lf", "crlf", "space-line"])
def test_trailing_empty_lines_are_ignored(case_dir, capsys, plain, tail):
    for name in CSV_NAMES:
        path = case_dir / name
        newline = "\r\n" if "\r" in tail else "\n"
        path.write_bytes(
            path.read_text(encoding="utf-8").replace("\n", newline).encode() + tail.encode()
        )
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    # pyarrow keeps a wholly empty line as a row of empty cells; those are dropped with
    # one warning per file. A line of spaces is skipped like a blank line, silently.
    blank_rows = {"\n\n\n": 3, "\r\n\r\n": 2, "\n \n": 1}[tail]
    assert [w.message for w in case.warnings] == [
        f"{blank_rows} row(s) with every cell empty ignored, from this row on"
    ] * 4


def test_trailing_rows_of_empty_cells_are_ignored_with_a_warning(case_dir, capsys, plain):
    # A spreadsheet often saves rows it once formatted as ",,,,": every cell empty.
    path = case_dir / "contacts.csv"
    path.write_text(path.read_text(encoding="utf-8") + ",,,,,,\n,,,,,,\n", encoding="utf-8")
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    assert [str(w) for w in case.warnings] == [
        "contacts.csv:6:: 2 row(s) with every cell empty ignored, from this row on"
    ]


def test_no_newline_after_the_last_row(case_dir, capsys, plain):
    for name in (*CSV_NAMES, *YAML_NAMES):
        path = case_dir / name
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    assert_same_frames(accepted(case_dir, capsys), plain)


# --- quoting: "any Unicode ... may contain HTML or Markdown, which the report shows as
#      literal text" -------------------------------------------------------------------

QUOTED = [
    ('"Line one\nline two, with a comma"', "Line one\nline two, with a comma"),
    ('"Line one\r\nline two"', "Line one\r\nline two"),
    ('"She said ""fine"", then hung up."', 'She said "fine", then hung up.'),
    ('",,,"', ",,,"),
    (
        '"**bold** [x](javascript:alert(1)) <b onmouseover=alert(6)>h</b> | a | b |"',
        "**bold** [x](javascript:alert(1)) <b onmouseover=alert(6)>h</b> | a | b |",
    ),
    (
        '=HYPERLINK(""http://evil.example"")',
        '=HYPERLINK(""http://evil.example"")',
    ),  # unquoted: literal
    ("  padded both sides  ", "  padded both sides  "),
    ("NA", "NA"),
    ("N/A", "N/A"),
    ("null", "null"),
    ("#N/A", "#N/A"),
    ("nan", "nan"),
    ("😀 客户 مرحبا", "😀 客户 مرحبا"),
]


@pytest.mark.parametrize(("written", "read"), QUOTED, ids=[f"q{i}" for i in range(len(QUOTED))])
def test_comment_text_reads_back_exactly(case_dir, capsys, plain, written, read):
    edit(
        case_dir, "comments.csv", '"The signal drops every evening, and I waited 2 hours."', written
    )
    case = accepted(case_dir, capsys)
    assert case.comments.loc[0, "text"] == read
    assert_same_frames(case, plain, frames=("survey", "contacts", "benchmark"))
    pd.testing.assert_frame_equal(case.comments.drop(index=0), plain.comments.drop(index=0))


def test_quoted_line_breaks_keep_later_rows_numbered_as_a_spreadsheet_shows(case_dir):
    # Row 2's text spans three physical lines; the bad source on the next record is still
    # spreadsheet row 3, not physical line 5.
    edit(
        case_dir,
        "comments.csv",
        '"The signal drops every evening, and I waited 2 hours."',
        '"a\nb\nc"',
    )
    edit(case_dir, "comments.csv", "m2,2014-03-02,comment_card", "m2,2014-03-02,fax")
    from casekit import problem_lines

    assert [line.split(": ")[0] for line in problem_lines(case_dir)] == ["comments.csv:3:source"]


def test_every_field_quoted(case_dir, capsys, plain):
    # Some programs quote every field, numbers and dates included.
    for name in CSV_NAMES:
        frame = pd.read_csv(case_dir / name, dtype=str, keep_default_na=False)
        frame.to_csv(case_dir / name, index=False, quoting=1)  # csv.QUOTE_ALL; "" stays empty
    assert_same_frames(accepted(case_dir, capsys), plain)


def test_comment_of_exactly_ten_thousand_characters(case_dir, capsys):
    text = ("很好, <b>ok</b> " * 1000)[:10_000]
    assert len(text) == 10_000
    edit(
        case_dir,
        "comments.csv",
        '"The signal drops every evening, and I waited 2 hours."',
        f'"{text}"',
    )
    assert accepted(case_dir, capsys).comments.loc[0, "text"] == text


# --- "Empty cells are missing values. The literal strings NA, N/A, None, null in a
#      text column are text" (and identifiers are text) ------------------------------------


def test_na_words_and_identifiers_stay_text(case_dir, capsys):
    set_cell(case_dir, "survey.csv", 5, "respondent_id", "NA")
    set_cell(case_dir, "survey.csv", 5, "segment", "N/A")
    set_cell(case_dir, "contacts.csv", 2, "contact_id", "null")
    set_cell(case_dir, "contacts.csv", 3, "contact_id", "None")
    set_cell(case_dir, "contacts.csv", 4, "contact_id", "N/A")
    set_cell(case_dir, "contacts.csv", 2, "category", "NA")
    set_cell(case_dir, "comments.csv", 3, "comment_id", "0000123")
    set_cell(case_dir, "benchmark.csv", 2, "unit", "None")
    set_cell(case_dir, "benchmark.csv", 2, "period", "N/A")
    case = accepted(case_dir, capsys)
    assert case.survey["respondent_id"].tolist() == [
        "007",
        "12345678901234567",
        "12345678901234568",
        "NA",
    ]
    assert case.survey["segment"].tolist() == ["NA", "None", "null", "N/A"]
    assert case.contacts["contact_id"].tolist() == ["null", "None", "N/A", "c4"]
    assert case.contacts.loc[0, "category"] == "NA"
    assert case.comments["comment_id"].tolist() == ["m1", "0000123", "m3"]
    assert case.comments.loc[1, "text"] == "None"
    assert (case.benchmark.loc[0, "unit"], case.benchmark.loc[0, "period"]) == ("None", "N/A")


def test_empty_optional_cells_are_missing(plain):
    # The minimal case leaves items, weights, headline scores, a date, first_response_at,
    # resolved_at, first_contact_resolution and a code empty.
    assert plain.survey.loc[3, ["E1", "E22", "csat", "nps", "ces"]].isna().all()
    assert plain.survey.loc[3, "date"] is pd.NaT
    assert plain.survey.loc[1, ["W_tangibles", "W_empathy"]].isna().all()
    assert plain.contacts.loc[1, "first_response_at"] is pd.NaT
    assert plain.contacts.loc[2, "resolved_at"] is pd.NaT
    assert plain.contacts["first_contact_resolution"].isna().tolist() == [False, False, True, False]
    assert plain.comments["code"].isna().tolist() == [False, False, True]


# --- "Timestamps are ISO 8601 (2014-03-01 09:30, 2014-03-01T09:30:00+08:00); naive
#      timestamps are local time of the organisation (default UTC)" ----------------------

# Row 2 of contacts.csv is received "2014-03-01 09:30" in Asia/Shanghai (UTC+8), which is
# 01:30 UTC; each spelling below names the same instant.
SAME_INSTANT = [
    "2014-03-01 09:30",
    "2014-03-01T09:30",
    "2014-03-01 09:30:00",
    "2014-03-01T09:30:00.000",
    "2014-03-01T09:30:00.000000",
    "2014-03-01T01:30:00Z",
    "2014-03-01 01:30Z",
    "2014-03-01T09:30:00+08:00",
    "2014-03-01T09:30+0800",
    "2014-03-01T09:30+08",
    "2014-03-01T02:30:00+01:00",
    "2014-02-28T20:30:00-05:00",
    "2014-03-01T01:30:00+00:00",
    "2014-03-01T07:00:00+05:30",
]


@pytest.mark.parametrize("written", SAME_INSTANT)
def test_timestamp_spellings_of_the_same_instant(case_dir, capsys, plain, written):
    set_cell(case_dir, "contacts.csv", 2, "received_at", written)
    case = accepted(case_dir, capsys)
    assert case.contacts.loc[0, "received_at"] == pd.Timestamp("2014-03-01 01:30", tz="UTC")
    assert_same_frames(case, plain)


def test_a_date_alone_is_local_midnight(case_dir, capsys):
    set_cell(case_dir, "contacts.csv", 3, "received_at", "2014-03-01")
    # Midnight in Shanghai is 16:00 UTC the day before.
    got = accepted(case_dir, capsys).contacts.loc[1, "received_at"]
    assert got == pd.Timestamp("2014-02-28 16:00", tz="UTC")


def test_naive_timestamps_are_utc_when_case_yaml_names_no_time_zone(case_dir, capsys):
    edit(case_dir, "case.yaml", "  timezone: Asia/Shanghai\n", "")
    case = accepted(case_dir, capsys)
    assert case.timezone == "UTC"
    assert case.contacts.loc[0, "received_at"] == pd.Timestamp("2014-03-01 09:30", tz="UTC")
    # Values with an offset do not depend on the zone.
    assert case.contacts.loc[2, "received_at"] == pd.Timestamp("2014-03-02 01:00", tz="UTC")


def test_offsets_make_times_across_a_dst_change_exact(case_dir, capsys):
    # In Europe/Berlin 02:30 on 2014-10-26 happens twice; with an offset each is one instant.
    edit(case_dir, "case.yaml", "Asia/Shanghai", "Europe/Berlin")
    set_cell(case_dir, "contacts.csv", 2, "received_at", "2014-10-26T02:30:00+02:00")
    set_cell(case_dir, "contacts.csv", 2, "resolved_at", "2014-10-26T02:30:00+01:00")
    set_cell(case_dir, "contacts.csv", 2, "first_response_at", "")
    set_cell(
        case_dir, "contacts.csv", 3, "received_at", "2014-03-30 01:59"
    )  # naive, just before the gap
    set_cell(case_dir, "contacts.csv", 3, "resolved_at", "2014-03-30 03:00")  # naive, just after it
    contacts = accepted(case_dir, capsys).contacts
    assert contacts.loc[0, "resolved_at"] - contacts.loc[0, "received_at"] == pd.Timedelta(hours=1)
    # 01:59 CET is 00:59Z and 03:00 CEST is 01:00Z: one minute apart.
    assert contacts.loc[1, "resolved_at"] - contacts.loc[1, "received_at"] == pd.Timedelta(
        minutes=1
    )


def test_timestamps_are_utc_aware(plain):
    for column in ("received_at", "first_response_at", "resolved_at"):
        assert str(plain.contacts[column].dtype) == "datetime64[us, UTC]"
    # c3 was received 01:00Z and answered "2014-03-02 10:00:00" local (02:00Z).
    assert plain.contacts.loc[2, "first_response_at"] - plain.contacts.loc[
        2, "received_at"
    ] == pd.Timedelta(hours=1)


def test_survey_and_comment_dates_are_iso_dates(plain):
    assert plain.survey.loc[0, "date"] == pd.Timestamp("2014-03-01")
    assert plain.comments.loc[2, "date"] == pd.Timestamp("2014-03-05")


# --- "Booleans: true/false, yes/no, 1/0, y/n (any case)" ---------------------------------

TRUE_SPELLINGS = ["true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "y", "Y", "1"]
FALSE_SPELLINGS = ["false", "FALSE", "False", "fAlSe", "no", "NO", "No", "n", "N", "0"]


@pytest.mark.parametrize(("true", "false"), list(zip(TRUE_SPELLINGS, FALSE_SPELLINGS, strict=True)))
def test_boolean_spellings(case_dir, capsys, plain, true, false):
    # Row 2 of contacts.csv is yes, row 3 No; benchmark rows 2-3 are TRUE, 4-5 false.
    set_cell(case_dir, "contacts.csv", 2, "first_contact_resolution", true)
    set_cell(case_dir, "contacts.csv", 3, "first_contact_resolution", false)
    set_cell(case_dir, "contacts.csv", 5, "first_contact_resolution", true)
    for row, value in ((2, true), (3, true), (4, false), (5, false)):
        set_cell(case_dir, "benchmark.csv", row, "higher_is_better", value)
    assert_same_frames(accepted(case_dir, capsys), plain)


def test_boolean_columns_are_typed(plain):
    assert plain.contacts["first_contact_resolution"].dtype == "boolean"
    assert plain.contacts["first_contact_resolution"].tolist() == [True, False, pd.NA, True]
    assert plain.benchmark["higher_is_better"].dtype == bool
    assert plain.benchmark["higher_is_better"].tolist() == [True, True, False, False]


# --- numbers -----------------------------------------------------------------------------


def test_whole_numbers_written_with_a_decimal_point(case_dir, capsys, plain):
    # "not a whole number is an error": 6.0 is a whole number, so it is 6.
    set_cell(case_dir, "survey.csv", 2, "E1", "6.0")
    set_cell(case_dir, "survey.csv", 2, "csat", "4.00")
    assert_same_frames(accepted(case_dir, capsys), plain)


@pytest.mark.parametrize("last", ["19.5", "20.5", "20.25"])
def test_weights_summing_to_100_within_half_a_point(case_dir, capsys, last):
    set_cell(case_dir, "survey.csv", 2, "W_empathy", last)
    case = accepted(case_dir, capsys)
    # 10 + 30 + 20 + 20 + last: 99.5, 100.5 and 100.25 are all within ±0.5 of 100.
    assert case.survey.loc[0, "W_empathy"] == float(last)


def test_value_columns_are_typed(plain):
    assert all(str(plain.survey[c].dtype) == "Int8" for c in ("E1", "P22", "csat", "nps", "ces"))
    assert plain.survey["W_tangibles"].dtype == "float64"
    assert plain.survey.loc[2, "W_empathy"] == 20.0  # written "20.0"
    assert plain.benchmark["value"].tolist() == [62.2, 22.8, 3.5, 4.1]


# --- "A missing optional file ... is not an error" ---------------------------------------

OPTIONAL_FILES = ["comments.csv", "benchmark.csv", "codebook.yaml", "references.yaml"]


@pytest.mark.parametrize("name", ["comments.csv", "benchmark.csv", "references.yaml"])
def test_each_optional_file_may_be_absent(case_dir, capsys, plain, name):
    (case_dir / name).unlink()
    case = accepted(case_dir, capsys)
    assert name in case.not_supplied
    frame = {"comments.csv": "comments", "benchmark.csv": "benchmark"}.get(name)
    if frame:
        assert getattr(case, frame) is None
    else:
        assert case.references == ()
    assert_same_frames(case, plain, frames=tuple(f for f in FRAMES if f != frame))


def test_a_case_codebook_replaces_the_built_in_one(case_dir, capsys, plain):
    # The minimal case has no codebook.yaml (the built-in one is used); a case's own
    # codebook with CJK keywords and no dimension is equally valid.
    assert plain.codebook.is_default and "codebook.yaml" in plain.not_supplied
    (case_dir / "codebook.yaml").write_text(
        "themes:\n  network:\n    label: 网络\n    keywords: [信号, signal]\n"
        "  waiting:\n    label: Waiting\n    dimension: responsiveness\n    keywords: [wait]\n",
        encoding="utf-8",
    )
    case = accepted(case_dir, capsys)
    assert not case.codebook.is_default and "codebook.yaml" not in case.not_supplied
    assert [(t.key, t.dimension, t.keywords) for t in case.codebook.themes] == [
        ("network", None, ("信号", "signal")),
        ("waiting", "responsiveness", ("wait",)),
    ]
    assert_same_frames(case, plain)


def test_every_optional_file_absent_at_once(case_dir, capsys, plain):
    for name in ("comments.csv", "benchmark.csv", "references.yaml"):
        (case_dir / name).unlink()
    # Without benchmark.csv the competitor in case.yaml is optional too.
    edit(case_dir, "case.yaml", "benchmark:\n  competitor: Other Telecom\n", "")
    case = accepted(case_dir, capsys)
    assert set(OPTIONAL_FILES) <= set(case.not_supplied)
    assert (case.comments, case.benchmark, case.references, case.competitor) == (
        None,
        None,
        (),
        None,
    )
    assert_same_frames(case, plain, frames=("survey", "contacts"))


# --- optional columns ("optional column") -------------------------------------------------

WEIGHTS = ["W_tangibles", "W_reliability", "W_responsiveness", "W_assurance", "W_empathy"]
OPTIONAL_COLUMNS = [
    ("survey.csv", ["date"]),
    ("survey.csv", ["segment"]),
    ("survey.csv", WEIGHTS),
    ("survey.csv", ["csat"]),
    ("survey.csv", ["nps"]),
    ("survey.csv", ["ces"]),
    ("survey.csv", ["date", "segment", *WEIGHTS, "csat", "nps", "ces"]),
    ("contacts.csv", ["category"]),
    ("contacts.csv", ["first_contact_resolution"]),
    ("contacts.csv", ["category", "first_contact_resolution"]),
    ("comments.csv", ["date"]),
    ("comments.csv", ["kind"]),
    ("comments.csv", ["code"]),
    ("comments.csv", ["date", "kind", "code"]),
    ("benchmark.csv", ["label"]),
    ("benchmark.csv", ["unit"]),
    ("benchmark.csv", ["period"]),
    ("benchmark.csv", ["source"]),
    ("benchmark.csv", ["label", "unit", "period", "source"]),
]


@pytest.mark.parametrize(
    ("name", "columns"),
    OPTIONAL_COLUMNS,
    ids=[f"{n}-{'+'.join(c) if len(c) < 3 else 'all'}" for n, c in OPTIONAL_COLUMNS],
)
def test_optional_columns_may_be_absent(case_dir, capsys, plain, name, columns):
    drop_columns(case_dir, name, columns)
    case = accepted(case_dir, capsys)
    frame = name.removesuffix(".csv")
    got, want = getattr(case, frame), getattr(plain, frame).drop(columns=columns)
    pd.testing.assert_frame_equal(got, want)
    said = [c for c in columns if c not in WEIGHTS] + (
        ["importance weights (W_*)"] if WEIGHTS[0] in columns else []
    )
    assert {f"{name}: {c}" for c in said} <= set(case.not_supplied)
    assert case.warnings == ()


@pytest.mark.parametrize(
    ("measure", "column"), [("response", "resolved_at"), ("resolution", "first_response_at")]
)
def test_a_timestamp_column_no_commitment_measures_may_be_absent(
    case_dir, capsys, plain, measure, column
):
    # first_response_at and resolved_at are needed only for a commitment that measures them.
    edit(case_dir, "case.yaml", "measure: resolution", f"measure: {measure}")
    edit(case_dir, "case.yaml", "measure: response", f"measure: {measure}")
    drop_columns(case_dir, "contacts.csv", [column])
    case = accepted(case_dir, capsys)
    pd.testing.assert_frame_equal(case.contacts, plain.contacts.drop(columns=[column]))


def test_an_optional_column_left_wholly_empty_counts_as_absent(case_dir, capsys, plain):
    # A blank case from `carebook new` has every column; an empty one was not supplied.
    for row in range(2, 6):
        set_cell(case_dir, "contacts.csv", row, "category", "")
    case = accepted(case_dir, capsys)
    pd.testing.assert_frame_equal(case.contacts, plain.contacts.drop(columns=["category"]))
    assert "contacts.csv: category" in case.not_supplied


# --- order and extras: "Unknown extra files are ignored. Unknown extra columns are kept
#      and ignored (a warning, not an error)." ----------------------------------------------


def test_columns_in_any_order(case_dir, capsys, plain):
    for name in CSV_NAMES:
        frame = pd.read_csv(case_dir / name, dtype=str, keep_default_na=False)
        frame[list(reversed(frame.columns))].to_csv(case_dir / name, index=False)
    case = accepted(case_dir, capsys)
    assert list(case.contacts.columns)[0] == "first_contact_resolution"  # the file's order is kept
    assert_same_frames(case, plain)


def test_extra_columns_are_kept_as_text_with_a_warning(case_dir, capsys, plain):
    for name, column in (
        ("survey.csv", "interviewer"),
        ("contacts.csv", "agent"),
        ("comments.csv", "Notes"),
        ("benchmark.csv", "remark"),
    ):
        frame = pd.read_csv(case_dir / name, dtype=str, keep_default_na=False)
        frame.insert(1, column, ["007", "NA", "", "x"][: len(frame)])
        frame.to_csv(case_dir / name, index=False)
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain, extra=("interviewer", "agent", "Notes", "remark"))
    assert case.survey["interviewer"].fillna("<empty>").tolist() == ["007", "NA", "<empty>", "x"]
    assert case.contacts["agent"].dtype == "str"
    assert sorted(str(w) for w in case.warnings) == [
        "benchmark.csv:1:remark: unknown column kept but not used",
        "comments.csv:1:Notes: unknown column kept but not used",
        "contacts.csv:1:agent: unknown column kept but not used",
        "survey.csv:1:interviewer: unknown column kept but not used",
    ]


def test_extra_files_and_folders_are_ignored_with_a_warning(case_dir, capsys, plain):
    (case_dir / "notes.txt").write_text("interview notes", encoding="utf-8")
    (case_dir / "survey_2013.xlsx").write_bytes(b"PK\x03\x04 not read")
    (case_dir / "old").mkdir()
    (case_dir / ".DS_Store").write_bytes(b"\x00\x01")  # hidden: not even warned about
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    assert sorted(w.file for w in case.warnings) == ["notes.txt", "old", "survey_2013.xlsx"]
    assert all(w.message.startswith("extra file ignored") for w in case.warnings)


def test_more_than_one_competitor_in_benchmark_csv(case_dir, capsys, plain):
    # "figures of the organisation and of its benchmark competitor(s)"
    path = case_dir / "benchmark.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "market_share_pct,Market share,Third Net,15.0,%,true,2013,Annual report\n",
        encoding="utf-8",
    )
    case = accepted(case_dir, capsys)
    assert case.benchmark["organisation"].tolist()[-1] == "Third Net"
    pd.testing.assert_frame_equal(case.benchmark.iloc[:4], plain.benchmark)


# --- case.yaml: optional keys and defaults ----------------------------------------------


def test_case_yaml_with_only_required_keys(case_dir, capsys, plain):
    (case_dir / "case.yaml").write_text(
        "report:\n  title: T\n  course: C\n  unit_code: DJ4234\n  outcome: 3\n"
        "organisation:\n  name: Example Mobile\n  timezone: Asia/Shanghai\n"
        "benchmark:\n  competitor: Other Telecom\n"
        "strategies:\n  - name: N\n    description: D\n    benefit: B\n"
        "standards:\n  commitments:\n"
        "    - {channel: hotline, label: Hotline, measure: resolution, target_hours: 24}\n"
        "    - {channel: email, label: E-mail, measure: response, target_hours: 48}\n",
        encoding="utf-8",
    )
    case = accepted(case_dir, capsys)
    assert_same_frames(case, plain)
    report = case.config.report
    assert (
        report.candidate_name,
        report.student_id,
        report.submission_date,
        report.word_limit,
    ) == ("", "", None, None)
    assert [c.target_pct for c in case.commitments] == [100.0, 100.0]  # the default
    assert (case.config.standards.macro, case.config.standards.micro) == ([], [])


def test_case_yaml_optional_keys_read_as_written(plain):
    report, organisation = plain.config.report, plain.config.organisation
    assert report.student_id == "0123" and organisation.country == "NO"  # quoted, so text
    assert report.submission_date == dt.date(2014, 11, 21)
    assert organisation.customers_millions == 12.5
    assert plain.commitments[0].target_pct == 95.0


def test_references_of_every_type_and_an_empty_references_file(case_dir, capsys):
    path = case_dir / "references.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + (
            "- id: chinamobile2014\n  type: web\n  authors: [China Mobile]\n  year: 2014\n"
            "  title: Customer service commitments\n  url: https://example.com/c\n"
            "  accessed: 2014-11-01\n"
            "- id: miit2013\n  type: report\n  authors: [工业和信息化部]\n  year: 2013\n"
            "  title: 电信服务质量通告\n  publisher: MIIT\n"
        ),
        encoding="utf-8",
    )
    assert [r.type for r in accepted(case_dir, capsys).references] == [
        "article",
        "book",
        "web",
        "report",
    ]
    path.write_text("# no references yet\n", encoding="utf-8")
    assert accepted(case_dir, capsys).references == ()


def test_unknown_yaml_keys_are_kept_with_a_warning(case_dir, capsys, plain):
    edit(case_dir, "case.yaml", "  word_limit: 3000\n", "  word_limit: 3000\n  tutor: Ms Li\n")
    case = accepted(case_dir, capsys)
    assert [str(w) for w in case.warnings] == ["case.yaml:10:report.tutor: unknown key ignored"]
    assert_same_frames(case, plain)
