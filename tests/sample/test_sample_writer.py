"""write_sample: the committed sample is what the generator writes; determinism; safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.errors import ParameterError
from carebook.paths import PACKAGE_DATA, SAMPLE_CASE
from carebook.sample import DEFAULT_SEED, DEFAULT_SIZES, FILES, is_sample_folder, write_sample

SMALL = {"respondents": 300, "contacts": 200, "comments": 120}


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_committed_sample_is_exactly_what_the_generator_writes(tmp_path):
    written = write_sample(tmp_path / "case")
    assert [p.name for p in written] == list(FILES)
    fresh, committed = _bytes(tmp_path / "case"), _bytes(SAMPLE_CASE)
    for name in FILES:
        assert fresh[name] == committed[name], (
            f"data/sample/{name} differs from the generator's output: "
            "regenerate it with `carebook sample data/sample --overwrite`")


def test_defaults_are_the_documented_ones():
    assert DEFAULT_SEED == 2014
    assert dict(DEFAULT_SIZES) == {"respondents": 50_000, "contacts": 20_000, "comments": 2_000}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    write_sample(tmp_path / "a", seed=7, **SMALL)
    write_sample(tmp_path / "b", seed=7, **SMALL)
    write_sample(tmp_path / "c", seed=8, **SMALL)
    a, b, c = _bytes(tmp_path / "a"), _bytes(tmp_path / "b"), _bytes(tmp_path / "c")
    assert a == b
    for name in ("survey.csv", "contacts.csv", "comments.csv"):
        assert a[name] != c[name]


def test_changing_one_size_leaves_the_other_files_unchanged(tmp_path):
    write_sample(tmp_path / "a", seed=7, **SMALL)
    write_sample(tmp_path / "b", seed=7, **{**SMALL, "comments": 150})
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert a["survey.csv"] == b["survey.csv"]
    assert a["contacts.csv"] == b["contacts.csv"]
    assert a["comments.csv"] != b["comments.csv"]


def test_files_are_utf8_without_bom_and_with_unix_line_endings():
    for name in FILES:
        raw = (SAMPLE_CASE / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), name
        assert b"\r" not in raw, name
        assert raw.endswith(b"\n"), name
        raw.decode("utf-8")


def test_codebook_is_a_byte_copy_of_the_builtin_one():
    builtin = (PACKAGE_DATA / "codebook.yaml").read_bytes()
    assert (SAMPLE_CASE / "codebook.yaml").read_bytes() == builtin


def test_ids_widen_for_large_cases(tmp_path):
    write_sample(tmp_path / "s", respondents=3, contacts=2, comments=1)
    assert (tmp_path / "s" / "survey.csv").read_text().splitlines()[1].startswith("R000001,")
    assert (tmp_path / "s" / "contacts.csv").read_text().splitlines()[2].startswith("C0000002,")
    assert (tmp_path / "s" / "comments.csv").read_text().splitlines()[1].startswith("K00001,")


def test_refuses_a_non_empty_folder_that_is_not_a_sample(tmp_path):
    (tmp_path / "notes.txt").write_text("my own work")
    with pytest.raises(ParameterError, match="not empty"):
        write_sample(tmp_path, **SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_overwrite_replaces_the_sample_files_and_keeps_others(tmp_path):
    (tmp_path / "notes.txt").write_text("my own work")
    (tmp_path / "survey.csv").write_text("old")
    write_sample(tmp_path, overwrite=True, **SMALL)
    assert (tmp_path / "notes.txt").read_text() == "my own work"
    assert (tmp_path / "survey.csv").read_text().startswith("respondent_id,")


def test_rewrites_a_previous_sample_without_overwrite(tmp_path):
    write_sample(tmp_path, seed=1, **SMALL)
    assert is_sample_folder(tmp_path)
    write_sample(tmp_path, seed=2, **SMALL)
    assert "seed 2;" in (tmp_path / "case.yaml").read_text()


def test_a_sample_folder_with_a_foreign_file_is_not_a_sample(tmp_path):
    write_sample(tmp_path, **SMALL)
    (tmp_path / "extra.csv").write_text("x")
    assert not is_sample_folder(tmp_path)


def test_refuses_a_file_as_the_folder(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        write_sample(target, **SMALL)


@pytest.mark.parametrize("bad", [{"respondents": 0}, {"contacts": -5}, {"comments": 2.5},
                                 {"seed": -1}, {"seed": "2014"}])
def test_bad_sizes_and_seeds_are_refused(tmp_path, bad):
    with pytest.raises(ParameterError):
        write_sample(tmp_path / "s", **{**SMALL, **bad})
    assert not (tmp_path / "s").exists()


def test_cli_writes_the_sample(tmp_path):
    from carebook import cli

    code = cli.main(["-q", "sample", str(tmp_path / "s"), "--seed", "3", "--respondents", "20",
                     "--contacts", "20", "--comments", "20"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(FILES)


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_partial(tmp_path):
    from carebook.sample._csv import atomic_path

    target = tmp_path / "survey.csv"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.csv"]
