"""carebook.batch.cases: finding case folders and naming their output folders safely."""

from __future__ import annotations

import os
import re

import pytest

from carebook.batch.cases import data_bytes, find_cases, largest_first, safe_folder_names
from carebook.errors import InputError

SAFE = re.compile(r"^[^\W_][\w.-]*$")  # starts with a letter or digit; letters, digits, . _ -

HOSTILE = [
    "<script>alert(1)</script>".replace("/", "_"),  # "/" cannot be in a folder name
    "=HYPERLINK(\"http:__evil\")",
    "..",
    "...",
    ".hidden",
    "-rf",
    "a\nb",
    "tab\there",
    "summary.html",
    "SUMMARY.CSV",
    "CON",
    "nul.txt",
    "Case A",
    "case_a",
    "CASE_A",
    "张伟 (2024)",
    "x" * 300,
    "",
]


def test_every_output_name_is_safe_and_unique_ignoring_case(tmp_path):
    names = safe_folder_names(HOSTILE)
    outputs = list(names.values())
    assert len({o.casefold() for o in outputs}) == len(HOSTILE)
    for original, output in names.items():
        assert SAFE.match(output), (original, output)
        assert len(output) <= 64
        assert output.casefold() not in {"summary.html", "summary.csv"}
        assert output.split(".")[0].casefold() not in {"con", "nul"}
        # The output folder is a direct child of the batch folder, whatever the name.
        assert (tmp_path / output).resolve().parent == tmp_path.resolve()


def test_case_clashes_get_numbered_in_name_order():
    names = safe_folder_names(["case_a", "Case A", "CASE_A"])
    # sorted: "CASE_A" < "Case A" < "case_a"
    assert names == {"CASE_A": "CASE_A", "Case A": "Case_A-2", "case_a": "case_a-3"}


def test_mapping_does_not_depend_on_listing_order():
    assert safe_folder_names(HOSTILE) == safe_folder_names(list(reversed(HOSTILE)))


def test_non_latin_names_stay_readable():
    assert safe_folder_names(["张伟 (2024)"]) == {"张伟 (2024)": "张伟_2024"}


def test_find_cases_lists_cases_and_non_cases(tmp_path):
    for name in ["b_case", "a_case", ".hidden_case"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "case.yaml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "loose.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    found = find_cases(tmp_path, exclude=[tmp_path / "out"])
    assert [(f.name, f.is_case, f.output) for f in found] == [
        (".hidden_case", True, "hidden_case"),
        ("a_case", True, "a_case"),
        ("b_case", True, "b_case"),
        ("notes", False, ""),
    ]


def test_a_name_that_is_not_utf8_is_shown_with_a_replacement_character(tmp_path):
    name = os.fsdecode(b"caf\xe9")  # Latin-1 bytes from an old zip tool
    (tmp_path / name).mkdir()
    (tmp_path / name / "case.yaml").write_text("x: 1\n", encoding="utf-8")
    [found] = find_cases(tmp_path)
    assert found.name == "caf\ufffd"
    assert found.name.encode("utf-8")  # printable and writable
    assert SAFE.match(found.output)


def test_not_a_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        find_cases(tmp_path / "missing")


def _case_with(cohort, name, **files):
    folder = cohort / name
    folder.mkdir()
    (folder / "case.yaml").write_text("x: 1\n", encoding="utf-8")
    for file, size in files.items():
        (folder / file).write_bytes(b"1" * size)
    return folder


def test_data_bytes_counts_the_regular_files_directly_inside(tmp_path):
    case = _case_with(tmp_path, "c", **{"survey.csv": 1000, "contacts.csv": 500})
    (case / "sub").mkdir()
    (case / "sub" / "big.csv").write_bytes(b"1" * 10_000)  # not the case's file
    big = tmp_path / "elsewhere.csv"
    big.write_bytes(b"1" * 10_000)
    (case / "comments.csv").symlink_to(big)  # a link is not followed
    os.mkfifo(case / "fifo.csv")  # a FIFO is never opened (it would block)
    assert data_bytes(case) == 1000 + 500 + len("x: 1\n")


def test_data_bytes_of_a_folder_that_cannot_be_listed_is_0(tmp_path):
    assert data_bytes(tmp_path / "missing") == 0


def test_largest_first_starts_the_case_with_most_data_then_follows_names(tmp_path):
    _case_with(tmp_path, "a-small", **{"survey.csv": 100})
    _case_with(tmp_path, "b-tie", **{"survey.csv": 5_000})
    _case_with(tmp_path, "c-tie", **{"survey.csv": 5_000})
    _case_with(tmp_path, "z-large", **{"survey.csv": 90_000})
    cases = find_cases(tmp_path)
    assert [c.name for c in cases] == ["a-small", "b-tie", "c-tie", "z-large"]
    assert [c.name for c in largest_first(cases)] == ["z-large", "b-tie", "c-tie", "a-small"]
    assert [c.name for c in largest_first(list(reversed(cases)))] == [
        "z-large", "b-tie", "c-tie", "a-small"
    ]  # fmt: skip
