"""The same case gives the same report, whatever the folder or --jobs (reliability.md P1-12)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from carebook.build.normalize import normalize, pin_styler_ids
from carebook.build.pdf import pin_node_ids, pin_pdf_dates
from carebook.build.pipeline import kernel_environment, source_date_epoch

slow = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory, small_case):
    """The small case built into two folders with default --jobs and a third with --jobs 1."""
    from carebook.build import build

    root = tmp_path_factory.mktemp("determinism")
    outs = {}
    for name, jobs in (("first", None), ("second", None), ("serial", 1)):
        outs[name] = root / name / "out"
        result = build(small_case, outs[name], jobs=jobs)
        if name == "serial":
            assert all(s.status == "executed" for s in result.sections)  # not a cache hit
    return outs


@slow
def test_same_case_gives_identical_html_metrics_and_notebooks(three_builds):
    first = three_builds["first"]
    executed = sorted(p.name for p in (first / "executed").glob("*.ipynb"))
    assert len(executed) >= 6
    for other in ("second", "serial"):
        out = three_builds[other]
        for name in ("report.html", "metrics.json"):
            assert _digest(out / name) == _digest(first / name), f"{name} differs ({other})"
        assert sorted(p.name for p in (out / "executed").glob("*.ipynb")) == executed
        for name in executed:
            assert _digest(out / "executed" / name) == _digest(first / "executed" / name), name


@slow
def test_same_case_gives_identical_pdf_text(three_builds):
    texts = {name: _pdf_text(out / "report.pdf") for name, out in three_builds.items()}
    assert "China Mobile" in texts["first"]
    assert texts["second"] == texts["first"] and texts["serial"] == texts["first"]


@slow
def test_same_case_gives_identical_pdf_bytes(three_builds):
    assert _digest(three_builds["second"] / "report.pdf") == _digest(
        three_builds["first"] / "report.pdf"
    )


# ---------------------------------------------------------------- PDF dates


@slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not on PATH")
def test_two_chromium_prints_are_byte_identical_once_dated(tmp_path):
    from carebook.build.pdf import chromium_pdf, print_pdf

    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>t</title><p>Same page, twice.</p>", encoding="utf-8")
    raw = []
    for n in (1, 2):
        chromium_pdf(page, tmp_path / f"raw{n}.pdf", chromium=shutil.which("chromium"))
        raw.append((tmp_path / f"raw{n}.pdf").read_bytes())
    epoch = 1416528000  # 21 November 2014 00:00 UTC: 16395 days x 86400 s
    pinned = [pin_pdf_dates(data, epoch) for data in raw]
    assert pinned[0] == pinned[1]
    assert b"D:20141121000000+00'00'" in pinned[0]
    assert len(pinned[0]) == len(raw[0])  # same length: xref offsets stay valid
    for name, engine_epoch in (("a.pdf", epoch), ("b.pdf", epoch)):
        assert print_pdf(page, tmp_path / name, source_date_epoch=engine_epoch) == "chromium"
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "a.pdf")], check=True, capture_output=True, text=True
    ).stdout
    assert "2014" in info and "Pages:" in info  # still a well-formed PDF


def test_pdf_dates_of_another_shape_are_left_alone():
    data = b"/CreationDate (D:2026)/ModDate (D:20261124194156Z)"
    pinned = pin_pdf_dates(data, 0)
    assert pinned == b"/CreationDate (D:2026)/ModDate (D:19700101000000Z)"


def test_chromium_structure_ids_that_shifted_between_prints_are_renumbered_alike():
    # Seen in CI: two prints of one page differed only in "node00000024" vs "…25".
    first = b"<</ID (node00000024)>> /Limits [(node00000024) (node00002189)] (node00000027)"
    second = b"<</ID (node00000025)>> /Limits [(node00000025) (node00002189)] (node00000027)"
    assert pin_node_ids(first) == pin_node_ids(second)
    assert pin_node_ids(first) == (
        b"<</ID (node00000001)>> /Limits [(node00000001) (node00000003)] (node00000002)"
    )
    assert len(pin_node_ids(first)) == len(first)


# ---------------------------------------------------------------- canaries


def test_styler_ids_are_pinned_so_a_raw_df_style_is_repeatable():
    import pandas as pd

    frame = pd.DataFrame({"score": [1, 2]})
    # Two renderings of the same Styler get fresh random uuids: the canary.
    first = frame.style.highlight_max()._repr_html_()
    second = frame.style.highlight_max()._repr_html_()
    assert first != second
    assert pin_styler_ids(first, "c1") == pin_styler_ids(second, "c1")
    assert 'id="T_c1_0"' in pin_styler_ids(first, "c1")

    def notebook(html):
        cell = new_code_cell("df.style")
        cell.execution_count = 1
        cell.outputs = [new_output("execute_result", data={"text/html": html}, execution_count=1)]
        return new_notebook(cells=[new_markdown_cell("## S"), cell])

    assert normalize(notebook(first)) == normalize(notebook(second))


def test_text_that_only_looks_like_a_styler_id_is_kept():
    html = "<p>Ticket T_abcde was closed</p>"
    assert pin_styler_ids(html, "c0") == html


def test_set_order_depends_on_the_hash_seed_the_kernels_pin():
    # Canary: set order changes with PYTHONHASHSEED, so kernels must get a fixed one.
    code = "print(list({f'theme{i}' for i in range(20)}))"
    orders = {
        seed: subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for seed in ("1", "2", "0")
    }
    assert orders["1"] != orders["2"]
    env = kernel_environment(0, base={"PYTHONHASHSEED": "random", "TZ": "Asia/Shanghai"})
    assert env["PYTHONHASHSEED"] == "0" and env["TZ"] == "UTC"
    assert env["LC_ALL"] == "C.UTF-8" and env["MPLBACKEND"] == "Agg"


# ---------------------------------------------------------------- the build date


def _validated(case_dir: Path, *, drop_date: bool):
    from carebook import case as case_package

    if drop_date:
        path = case_dir / "case.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["report"].pop("submission_date", None)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return case_package.validate(case_dir)


@pytest.fixture
def undated_case(tmp_path, small_case):
    return _validated(shutil.copytree(small_case, tmp_path / "undated"), drop_date=True)


def test_the_submission_date_is_the_build_date(small_case, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    epoch = source_date_epoch(_validated(small_case, drop_date=False))
    # The sample's submission date, 21 November 2014, at midnight UTC.
    assert epoch == int(dt.datetime(2014, 11, 21, tzinfo=dt.UTC).timestamp()) == 1416528000


def test_an_undated_case_gets_a_date_from_its_inputs_never_the_clock(undated_case, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = source_date_epoch(undated_case)
    assert first == source_date_epoch(undated_case)
    # Between 2020-01-01 and five 365-day years later, on a midnight.
    assert 1577836800 <= first < 1577836800 + 5 * 365 * 86400 and first % 86400 == 0


def test_a_user_source_date_epoch_is_honoured_for_an_undated_case(undated_case, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch(undated_case) == 1700000000
