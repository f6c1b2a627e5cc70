"""Properties of the case loader, checked with hypothesis.

1. Any legal text written to a comment ``text`` cell or an id cell (``comment_id``,
   ``contact_id``, ``respondent_id``) by Python's csv module reads back unchanged.
   What is legal follows data-contract.md: an empty cell is missing, so a value is at
   least one character; text is kept exactly as written (leading and trailing spaces,
   ``NA``, ``None``, ``null``, ``#N/A``, ``nan``, a leading ``=``); an id must be
   unique and not blank (only spaces is refused); comment text is at most 10,000
   characters.
2. Any text in a typed cell (Likert item, headline score, weight, timestamp, boolean,
   date, number) is either accepted or refused with problems that name that cell's row.
3. Any bytes written to any case file make the loader return a case or raise
   :class:`carebook.errors.InputError`: nothing else escapes.

Example counts are kept modest (``deadline=None`` because the machine may be busy).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from casekit import ITEMS, MINIMAL
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from carebook.case import validate
from carebook.case.loader import DEFAULT_CODEBOOK, check_csv_file
from carebook.case.problems import ProblemLog
from carebook.case.source import read_file
from carebook.case.tables import Context
from carebook.errors import InputError

# What the CSV rules know from the minimal case's YAML files (and the built-in codebook).
CONTEXT = Context(
    timezone="Asia/Shanghai",
    channels=("hotline", "email"),
    measures=("resolution", "response"),
    organisation="Example Mobile",
    competitor="Other Telecom",
    theme_keys=tuple(yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))["themes"]),
)
PROPERTY = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text a spreadsheet user could type, weighted towards what has broken CSV readers.
TRICKY = st.sampled_from(
    [
        "NA",
        "N/A",
        "None",
        "null",
        "NULL",
        "#N/A",
        "nan",
        "NaN",
        "-nan",
        "inf",
        "true",
        "0",
        "007",
        "12345678901234567",
        "=1+1",
        "+1",
        "-1",
        "@SUM(1)",
        " leading",
        "trailing ",
        "  ",
        "\t",
        '"',
        '""',
        ",",
        "a,b",
        "line\nbreak",
        "cr\ronly",
        "crlf\r\nend",
        "\ufeffbom",
        "很好",
        "😀",
        "مرحبا",
        "<b>x</b>",
        "[x](javascript:alert(1))",
        "\\",
        "'",
        "#",
        ";",
        "\x00",
        "\x1f",
        "\u2028",
        "\u00a0",
        "\u3000",
    ]
)
ANY_TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    TRICKY,
    st.lists(st.one_of(TRICKY, st.text(max_size=5)), min_size=1, max_size=4).map("".join),
).filter(bool)
# str.strip() is what "blank" means for an id: a value of only whitespace is refused.
ANY_ID = ANY_TEXT.filter(lambda s: s.strip() != "")


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """The CSV a program writing with Python's csv module would save (CRLF, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def check(case: Path, name: str, content: str | bytes) -> tuple[object, ProblemLog]:
    """Write one CSV into *case* and check it as the loader does; return (frame, problems)."""
    path = case / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    problems = ProblemLog()
    raw = read_file(case, name, problems)
    frame = check_csv_file(raw, CONTEXT, problems)[0] if raw is not None else None
    return frame, problems


@pytest.fixture
def case(tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(MINIMAL, target)
    return target.resolve()


# --- 1. text and ids read back unchanged ---------------------------------------------


@PROPERTY
@example(
    texts=[
        "NA",
        "None",
        "null",
        "#N/A",
        "nan",
        " leading",
        "=1+1",
        "line\nbreak",
        "很好😀",
        "x" * 10_000,
    ]
)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_comment_text_reads_back_unchanged(case, texts):
    rows = [[f"m{i}", "email", text] for i, text in enumerate(texts)]
    frame, problems = check(case, "comments.csv", csv_text(["comment_id", "source", "text"], rows))
    assert problems.problems == []
    assert frame["text"].tolist() == texts


@PROPERTY
@example(ids=["007", "0007", "12345678901234567", "12345678901234568", "NA", "None", " 1", "1 "])
@given(ids=st.lists(ANY_ID, min_size=1, max_size=4, unique=True))
def test_comment_and_contact_ids_read_back_unchanged(case, ids):
    comments = [[value, "letter", "ok"] for value in ids]
    frame, problems = check(
        case, "comments.csv", csv_text(["comment_id", "source", "text"], comments)
    )
    assert problems.problems == []
    assert frame["comment_id"].tolist() == ids
    contacts = [[value, "hotline", "2014-03-01 09:30", "", "2014-03-01 10:00"] for value in ids]
    header = ["contact_id", "channel", "received_at", "first_response_at", "resolved_at"]
    frame, problems = check(case, "contacts.csv", csv_text(header, contacts))
    assert problems.problems == []
    assert frame["contact_id"].tolist() == ids


@settings(PROPERTY, max_examples=40)
@given(ids=st.lists(ANY_ID, min_size=1, max_size=3, unique=True))
def test_respondent_ids_read_back_unchanged(case, ids):
    frame, problems = check(
        case, "survey.csv", csv_text(["respondent_id", *ITEMS], [[v, *"4" * 44] for v in ids])
    )
    assert problems.problems == []
    assert frame["respondent_id"].tolist() == ids


# --- 2. typed cells: accepted or refused on their own row ----------------------------

TYPED_CELLS = [
    ("survey.csv", "E1"),
    ("survey.csv", "csat"),
    ("survey.csv", "nps"),
    ("survey.csv", "W_tangibles"),
    ("survey.csv", "date"),
    ("contacts.csv", "received_at"),
    ("contacts.csv", "resolved_at"),
    ("contacts.csv", "first_contact_resolution"),
    ("benchmark.csv", "value"),
    ("benchmark.csv", "higher_is_better"),
    ("comments.csv", "kind"),
    ("comments.csv", "code"),
]
CELL_TEXT = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A[-+ ]?[0-9]{0,3}([.,][0-9]{0,3})?(e[-+]?[0-9]{1,3})?\Z"),
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,12})?)?"
        r"(Z|[-+][0-9]{2}(:?[0-9]{2})?)?)?\Z"
    ),
)


@pytest.mark.parametrize(("name", "column"), TYPED_CELLS, ids=[f"{n}:{c}" for n, c in TYPED_CELLS])
@settings(PROPERTY, max_examples=50)
@given(value=CELL_TEXT)
def test_any_text_in_a_typed_cell_is_accepted_or_refused_on_its_row(case, name, column, value):
    lines = list(csv.reader(io.StringIO((MINIMAL / name).read_text(encoding="utf-8"))))
    lines[1][lines[0].index(column)] = value  # spreadsheet row 2
    frame, problems = check(case, name, csv_text(lines[0], lines[1:]))
    assert (frame is None) == bool(problems.problems)
    # Each problem is the cell's own, or a rule over its row (weights, receipt order),
    # or a benchmark rule over the metric that row starts.
    assert {p.row for p in problems.problems} <= {2}, [str(p) for p in problems.problems]


# --- 3. arbitrary bytes: a case or an InputError --------------------------------------

CODEBOOK = (
    "themes:\n  network:\n    label: Network\n    dimension: reliability\n"
    "    keywords: [signal, 信号]\n"
).encode()
FILES = [
    "case.yaml",
    "survey.csv",
    "contacts.csv",
    "comments.csv",
    "benchmark.csv",
    "codebook.yaml",
    "references.yaml",
]
# Bytes that mean something to a CSV or YAML reader, a decoder or a date parser.
SPECIAL = st.sampled_from(
    [
        b",",
        b'"',
        b"\n",
        b"\r",
        b"\r\n",
        b";",
        b"\t",
        b" ",
        b":",
        b"- ",
        b"[",
        b"]",
        b"{",
        b"}",
        b"!",
        b"!!",
        b"&a",
        b"*a",
        b"#",
        b"'",
        b"|",
        b">",
        b"%",
        b"@",
        b"`",
        b"?",
        b"0",
        b"9",
        b"-",
        b"+",
        b".",
        b"T",
        b"Z",
        b"e",
        b"NO",
        b"0123",
        b"1:30",
        b"~",
        b"null",
        b"\x00",
        b"\xff",
        b"\xfe",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xe5\xbe\x88",
        b"\x81\x30",
        b"\xc3",
        b"\x80",
        b"\t\t",
        b"a" * 100,
    ]
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """*original* with a few slices replaced by special or random bytes."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 8)))
        data[start:end] = draw(st.one_of(SPECIAL, st.binary(max_size=6)))
    return bytes(data)


def original_bytes(name: str) -> bytes:
    return CODEBOOK if name == "codebook.yaml" else (MINIMAL / name).read_bytes()


@pytest.mark.parametrize("name", FILES)
@settings(PROPERTY, max_examples=30)
@given(data=st.data())
def test_any_bytes_give_a_case_or_an_input_error(case, monkeypatch, name, data):
    monkeypatch.delenv("CAREBOOK_MAX_FILE_BYTES", raising=False)
    content = data.draw(
        st.one_of(st.binary(max_size=300), mutated(original_bytes(name))), label="content"
    )
    (case / name).write_bytes(content)
    try:
        loaded = validate(case)
    except InputError as err:
        assert err.problems, "an InputError names at least one problem"
        assert all(p.file for p in err.problems)
    else:
        assert loaded.organisation
