"""Section discovery and parameter checks (reliability.md P0-6): no kernel starts here."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
import yaml
from buildhelpers import FIXTURES, notebooks_from
from papermill.translators import PythonTranslator

import carebook.build.execute as execute
from carebook.build import build
from carebook.build.sections import (
    check_parameters,
    convert_value,
    discover,
    relative_case_dir,
    section_parameters,
)
from carebook.errors import ParameterError

EVIL_NAME = "title = 'ok'\nimport pathlib; pathlib.Path('PWNED').touch()\nz"


@pytest.fixture
def sections(tmp_path):
    return discover(notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb"))


def test_sections_are_found_in_name_order_with_their_defaults(sections):
    assert [s.name for s in sections] == ["10_intro.ipynb", "20_findings.ipynb"]
    assert sections[0].defaults == {
        "case_dir": None, "seed": 1, "label": "000", "share": 0.5, "verbose": False
    }  # fmt: skip


def test_unknown_parameter_names_the_nearest_known_one(sections):
    with pytest.raises(ParameterError, match=r"unknown parameter 'sead'; did you mean 'seed'\?"):
        check_parameters({"sead": "1"}, sections)


def test_mistyped_integer_is_refused_with_a_clear_message(sections):
    with pytest.raises(ParameterError, match=r"seed: expected an integer, got 'abc'"):
        check_parameters({"seed": "abc"}, sections)


def test_every_problem_is_listed_at_once(sections):
    with pytest.raises(ParameterError) as info:
        check_parameters({"seed": "1.5", "sead": "1", "class": "x"}, sections)
    message = str(info.value)
    assert "seed: expected an integer" in message
    assert "unknown parameter 'sead'" in message
    assert "'class' is not allowed" in message


def test_text_parameter_keeps_leading_zeros(sections):
    converted = check_parameters({"label": "007"}, sections)
    assert converted["10_intro.ipynb"] == {"label": "007"}
    assert converted["20_findings.ipynb"] == {}  # only sections that declare it


def test_values_take_the_type_of_the_declared_default(sections):
    converted = check_parameters({"seed": "42", "share": "1e-1", "verbose": "yes"}, sections)[
        "10_intro.ipynb"
    ]
    assert converted == {"seed": 42, "share": 0.1, "verbose": True}
    assert type(converted["seed"]) is int and type(converted["share"]) is float


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("No", False), ("1", True), ("0", False), (True, True), (0, False)],
)
def test_booleans_accept_the_usual_words(value, expected):
    assert convert_value("verbose", value, False) is expected


@pytest.mark.parametrize(
    ("default", "value", "message"),
    [
        (1, "1_000", "expected an integer"),  # Python's int() would accept it
        (1, "7.0", "expected an integer"),
        (1, True, "expected an integer"),
        (0.5, "nan", "expected a number"),
        (0.5, "inf", "expected a number"),
        (False, "maybe", "expected true or false"),
        ("000", 83, "expected text"),  # YAML 1.1 read 0123 as 83: refuse, don't guess
    ],
)
def test_strict_conversion_refuses(default, value, message):
    with pytest.raises(ParameterError, match=message):
        convert_value("p", value, default)


def test_hostile_yaml_key_is_rejected_before_any_kernel_starts(tmp_path, case_factory, monkeypatch):
    params = yaml.safe_load(yaml.safe_dump({EVIL_NAME: 1}))
    assert list(params) == [EVIL_NAME]

    def no_kernels(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(execute, "run_sections", no_kernels)
    monkeypatch.setattr(execute.KernelPool, "start", no_kernels)
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match="is not allowed"):
        build(case_factory(), tmp_path / "out", notebooks_dir=nbs, params=params, formats=["html"])
    assert not list(tmp_path.rglob("PWNED"))
    assert not (tmp_path / "out").exists()  # nothing was locked or staged either


def test_case_dir_cannot_be_set_as_a_parameter(sections):
    with pytest.raises(ParameterError, match="CASE_DIR argument"):
        check_parameters({"case_dir": "/etc"}, sections)


@pytest.mark.parametrize(
    ("fixture", "count"), [("no_parameters_tag.ipynb", 0), ("two_parameters_tags.ipynb", 2)]
)
def test_a_section_needs_exactly_one_parameters_cell(tmp_path, fixture, count):
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", fixture)
    stem = Path(fixture).stem
    with pytest.raises(
        ParameterError, match=rf"20_{stem}.ipynb: {count} cells tagged 'parameters'"
    ):
        discover(nbs)


def test_an_empty_notebooks_folder_is_an_error(tmp_path):
    (tmp_path / "nbs").mkdir()
    shutil.copy(FIXTURES / "intro.ipynb", tmp_path / "nbs" / "intro.ipynb")  # no NN_ prefix
    with pytest.raises(ParameterError, match="no section notebooks"):
        discover(tmp_path / "nbs")


def test_case_dir_is_injected_relative_to_the_notebooks(tmp_path, sections):
    rel = relative_case_dir(tmp_path / "cases" / "mine", tmp_path / "nbs")
    assert rel == "../cases/mine"
    values = section_parameters(sections[0], {"10_intro.ipynb": {"seed": 3}}, rel)
    assert values == {"case_dir": "../cases/mine", "seed": 3}


@pytest.mark.parametrize("value", ["007", "a'b\"c", "line\nbreak", "很好", "\\u0041", "x\\"])
def test_checked_values_cannot_escape_papermills_literal(value):
    # papermill writes `name = <literal>`; a checked text value must stay one literal.
    source = PythonTranslator.translate_str(convert_value("label", value, "000"))
    assert ast.literal_eval(source) == value


def test_an_invalid_case_stops_the_build_before_any_section_runs(tmp_path, monkeypatch, stand_ins):
    # Kernels start importing while the case is validated; an invalid case closes them
    # unused: no section runs, nothing is written, no kernel outlives the build.
    import carebook.case
    from carebook.errors import InputError, Problem

    started, closed = [], []

    def invalid(case_dir):
        raise InputError([Problem("survey.csv", 3, "P1", "must be 1-7, got 9")])

    def no_sections(*args, **kwargs):
        raise AssertionError("a section was run")

    real_start, real_close = execute.KernelPool.start, execute.KernelPool.close

    def start(self, count, warm_up=None, preload=None):
        started.append(count)
        return real_start(self, count, warm_up, preload)

    def close(self):
        real_close(self)
        closed.append(self.size)

    monkeypatch.setattr(carebook.case, "validate", invalid)
    monkeypatch.setattr(execute, "run_sections", no_sections)
    monkeypatch.setattr(execute.KernelPool, "start", start)
    monkeypatch.setattr(execute.KernelPool, "close", close)
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    with pytest.raises(InputError, match=r"survey.csv:3:P1: must be 1-7"):
        build(tmp_path / "case", tmp_path / "out", notebooks_dir=nbs, formats=["html"])
    assert not (tmp_path / "out").exists()
    assert started == [1] and closed == [1]  # one kernel started early, then shut down


def test_a_notebook_that_is_not_json_is_named_with_what_to_do(tmp_path):
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    (nbs / "20_broken.ipynb").write_text("{not a notebook", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"20_broken.ipynb: not a readable notebook"):
        discover(nbs)
