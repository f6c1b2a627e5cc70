"""Only files inside the case folder are read, only as plain text (reliability.md P1-10, P0-6).

``case_dir`` itself is the user's choice. Everything read from it is a fixed file name
(``survey.csv`` …); these tests try to make such a name point elsewhere (symbolic links
out, through ``..``, into a folder whose name merely starts like the case's, at devices
and pipes), to smuggle compressed or spreadsheet bytes in under a ``.csv`` name, and to
pass a URL as the case folder. Parameter names that are not plain identifiers are
refused before any notebook is touched.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from carebook.case import clear_cache, source, validate
from carebook.errors import InputError, ParameterError

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "cases" / "minimal"
OUTSIDE = "is a link to a file outside the case folder"


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    """A writable copy of the minimal valid case, in tmp_path/case."""
    target = tmp_path / "case"
    shutil.copytree(MINIMAL, target)
    clear_cache()
    return target


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a network connection."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


def _messages(case: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        validate(case)
    return [str(p) for p in info.value.problems]


def _one_problem_about(case: Path, name: str, text: str) -> None:
    lines = [m for m in _messages(case) if m.startswith(f"{name}:")]
    assert lines and all(text in m for m in lines[:1]), lines


def test_the_minimal_case_is_valid(case_dir):
    validate(case_dir)  # the baseline every attack below starts from


# ------------------------------------------------------------------ links and containment


def test_a_link_into_a_sibling_folder_with_the_same_prefix_is_refused(tmp_path, case_dir):
    # A string-prefix check ("/x/case-secret".startswith("/x/case")) would let this in
    # (CVE-2026-35397); containment is checked on resolved path components.
    secret = tmp_path / "case-secret"
    secret.mkdir()
    shutil.move(case_dir / "survey.csv", secret / "survey.csv")
    (case_dir / "survey.csv").symlink_to(secret / "survey.csv")
    _one_problem_about(case_dir, "survey.csv", OUTSIDE)


def test_a_relative_link_climbing_out_with_dotdot_is_refused(tmp_path, case_dir):
    shutil.move(case_dir / "contacts.csv", tmp_path / "contacts.csv")
    (case_dir / "contacts.csv").symlink_to(Path("..") / "case" / ".." / "contacts.csv")
    _one_problem_about(case_dir, "contacts.csv", OUTSIDE)


def test_an_absolute_link_to_a_system_file_is_refused_without_reading_it(case_dir, monkeypatch):
    opened: list[str] = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(source, "open", spy, raising=False)
    (case_dir / "comments.csv").unlink()
    (case_dir / "comments.csv").symlink_to("/etc/passwd")
    _one_problem_about(case_dir, "comments.csv", OUTSIDE)
    assert "/etc/passwd" not in opened


def test_a_link_to_an_endless_device_is_refused(case_dir):
    (case_dir / "survey.csv").unlink()
    (case_dir / "survey.csv").symlink_to("/dev/zero")
    _one_problem_about(case_dir, "survey.csv", OUTSIDE)


def test_a_named_pipe_is_not_read(case_dir):
    # Opening a FIFO with no writer would block validation forever.
    (case_dir / "comments.csv").unlink()
    os.mkfifo(case_dir / "comments.csv")
    _one_problem_about(case_dir, "comments.csv", "is not a regular file")


def test_a_folder_under_a_case_file_name_is_not_read(case_dir):
    (case_dir / "comments.csv").unlink()
    (case_dir / "comments.csv").mkdir()
    _one_problem_about(case_dir, "comments.csv", "is not a regular file")


def test_a_link_to_another_file_inside_the_case_is_allowed(case_dir):
    # Containment is about where the bytes live, not about links as such.
    (case_dir / "store").mkdir()
    shutil.move(case_dir / "survey.csv", case_dir / "store" / "survey.csv")
    (case_dir / "survey.csv").symlink_to(Path("store") / "survey.csv")
    case = validate(case_dir)
    assert len(case.survey) > 0


def test_the_case_folder_itself_may_be_a_link(tmp_path, case_dir):
    link = tmp_path / "elsewhere" / "my-case"
    link.parent.mkdir()
    link.symlink_to(case_dir)
    assert len(validate(link).survey) > 0


# ------------------------------------------------------------------ URLs as the case folder


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest",
        "https://example.com/case",
        "s3://bucket/case",
        "file:///etc",
        "ftp://example.com/case",
    ],
)
def test_a_url_is_never_fetched_as_a_case_folder(url, no_network, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative "http:" folder cannot exist here either
    with pytest.raises(InputError, match="case folder does not exist"):
        validate(url)
    assert no_network == []


# ------------------------------------------------------------------ compressed and binary bytes


def _zip_bytes(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx_like() -> bytes:
    # The start of an Office Open XML workbook: a zip holding [Content_Types].xml.
    return _zip_bytes("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        pytest.param(lambda csv: gzip.compress(csv, mtime=0), "a gzip-compressed file", id="gzip"),
        pytest.param(lambda csv: _zip_bytes("survey.csv", csv), "a zip archive", id="zip"),
        pytest.param(lambda csv: _xlsx_like(), "an Excel .xlsx workbook is one too", id="xlsx"),
        # 2,000,000 rows in a small file: a decompression bomb if it were inflated.
        pytest.param(
            lambda csv: _zip_bytes("survey.csv", csv + b"r,4\n" * 2_000_000),
            "a zip archive",
            id="zip-bomb",
        ),
        pytest.param(lambda csv: bz2.compress(csv), "a bzip2-compressed file", id="bzip2"),
        pytest.param(lambda csv: lzma.compress(csv), "an xz-compressed file", id="xz"),
        pytest.param(
            lambda csv: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "an old binary Excel (.xls) workbook",
            id="xls",
        ),
    ],
)
def test_compressed_bytes_under_a_csv_name_are_refused_not_inflated(case_dir, payload, kind):
    original = (case_dir / "survey.csv").read_bytes()
    (case_dir / "survey.csv").write_bytes(payload(original))
    assert (case_dir / "survey.csv").stat().st_size < 200_000
    _one_problem_about(case_dir, "survey.csv", kind)
    _one_problem_about(case_dir, "survey.csv", "carebook never unpacks or converts files")


def test_text_that_merely_starts_like_a_magic_number_is_still_text():
    # "BZh" is bzip2's mark only when a block-size digit follows, "PK" zip's only with
    # \x03\x04 after it: a header cell may start with either.
    assert source.decode(b"BZhang,ok\n", "x.csv", _log()) == ("BZhang,ok\n", "utf-8")
    assert source.decode(b"PK,ok\n", "x.csv", _log()) == ("PK,ok\n", "utf-8")


def _log():
    from carebook.case.problems import ProblemLog

    return ProblemLog()


@pytest.mark.parametrize(
    ("extra", "hint"),
    [
        ("survey.csv.gz", "compressed or renamed files are not read"),
        ("survey.csv.zip", "compressed or renamed files are not read"),
        ("survey.xlsx", "spreadsheets are not read"),
    ],
)
def test_a_compressed_or_spreadsheet_copy_is_never_read_in_place_of_the_csv(case_dir, extra, hint):
    data = (case_dir / "survey.csv").read_bytes()
    (case_dir / "survey.csv").unlink()
    (case_dir / extra).write_bytes(gzip.compress(data) if extra.endswith(".gz") else data)
    with pytest.raises(InputError) as info:
        validate(case_dir)
    messages = [str(p) for p in info.value.problems]
    assert any(m.startswith("survey.csv:") and "required file is missing" in m for m in messages)
    assert any(hint in str(w) for w in info.value.problems + list(_warnings(case_dir, extra)))


def _warnings(case_dir: Path, extra: str):
    from carebook.case.problems import ProblemLog

    log = ProblemLog()
    source.find_files(case_dir, log)
    return [w for w in getattr(log, "warnings", []) if extra in str(w)]


# ------------------------------------------------------------------ size cap before reading


def test_an_oversized_file_is_refused_before_a_byte_is_read(case_dir, monkeypatch):
    opened: list[str] = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(source, "open", spy, raising=False)
    monkeypatch.setenv("CAREBOOK_MAX_FILE_BYTES", str(20 * 1024 * 1024))
    big = case_dir / "comments.csv"
    with big.open("r+b") as fh:
        fh.truncate(25 * 1024 * 1024)  # sparse: 25 MB on paper, nothing on disk
    _one_problem_about(case_dir, "comments.csv", "exceeds the limit of 20,971,520 bytes")
    assert "comments.csv" not in opened and "survey.csv" in opened


# ------------------------------------------------------------------ parameter names


@pytest.fixture
def sections(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from carebook.build.sections import discover

    folder = tmp_path / "nbs"
    folder.mkdir()
    nb = new_notebook(
        cells=[
            new_code_cell("case_dir = None\nseed = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("x = seed"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "10_a.ipynb")
    return discover(folder)


@pytest.mark.parametrize(
    "name",
    [
        "class",  # a keyword: "class = 1" is a syntax error in the injected cell
        "seed;import os",
        "seed\nimport os",
        "__import__('os').system('true')",
        "seed ",
        "",
        "sëed",
        "1seed",
        "os.environ",
    ],
)
def test_parameter_names_must_be_declared_identifiers(sections, name):
    from carebook.build.sections import check_parameters

    with pytest.raises(ParameterError):
        check_parameters({name: "1"}, sections)


# ------------------------------------------------------------------ --params files

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CAREBOOK = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "carebook"


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("params_evil_name.yaml", "is not allowed: use letters, digits and underscores"),
        ("params_unsafe_tag.yaml", "quotes_per_theme: expected an integer"),
    ],
)
def test_a_hostile_params_file_is_refused_before_anything_runs(tmp_path, fixture, message):
    import subprocess

    out = tmp_path / "out"
    result = subprocess.run(
        [str(CAREBOOK), "build", str(MINIMAL), "--out", str(out), "--params",
         str(FIXTURES / fixture)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))
    assert not out.exists()  # nothing locked, staged or written
