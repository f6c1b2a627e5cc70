"""The verifier and the normaliser, on hand-made executed notebooks."""

from __future__ import annotations

import copy

from nbformat.v4 import new_code_cell, new_notebook, new_output

from carebook.build.normalize import normalize, path_replacements
from carebook.build.verify import SENTINEL_MARK, add_sentinel, find_problem


def _ran(source, count, *outputs):
    cell = new_code_cell(source)
    cell.execution_count = count
    cell.outputs = list(outputs)
    return cell


def _complete(nb):
    add_sentinel(nb)
    nb.cells[-1].execution_count = 99
    nb.cells[-1].outputs = [new_output("stream", name="stdout", text=SENTINEL_MARK + "\n")]
    return nb


def test_a_complete_run_passes():
    nb = _complete(new_notebook(cells=[_ran("x = 1", 1), new_code_cell("  ")]))
    assert find_problem(nb, "10_a.ipynb") is None


def test_a_cell_that_never_ran_is_named():
    # sys.exit(0) in papermill: the run "succeeds" but the summary cell never ran.
    nb = _complete(
        new_notebook(cells=[_ran("import sys; sys.exit(0)", 1), new_code_cell('summary = "x"')])
    )
    failure = find_problem(nb, "30_summary.ipynb")
    assert failure.cell == 1 and failure.source_line == 'summary = "x"'
    assert "30_summary.ipynb, cell 2" in failure.message()


def test_a_missing_sentinel_output_fails():
    nb = add_sentinel(new_notebook(cells=[_ran("x = 1", 1)]))
    assert find_problem(nb, "10_a.ipynb").ename == "IncompleteRun"


def test_an_error_output_fails_even_if_execution_went_on():
    error = new_output("error", ename="KeyError", evalue="'P7'", traceback=[])
    nb = _complete(new_notebook(cells=[_ran("df['P7']", 1, error), _ran("y = 2", 2)]))
    failure = find_problem(nb, "40_b.ipynb")
    assert (failure.cell, failure.ename, failure.evalue) == (0, "KeyError", "'P7'")


def test_normalize_makes_runs_comparable_and_leaves_the_input_alone():
    nb = _complete(
        new_notebook(
            cells=[
                _ran(
                    "a",
                    17,
                    new_output(
                        "stream", name="stderr", text="/home/ann/cases/x/survey.csv: warning"
                    ),
                ),
                _ran(
                    "b",
                    18,
                    new_output("execute_result", data={"text/plain": "1"}, execution_count=18),
                ),
            ]
        )
    )
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2025-01-01T00:00:00Z"}
    nb.metadata["papermill"] = {"parameters": {"seed": 1}, "start_time": "t", "duration": 3.0}
    before = copy.deepcopy(nb)
    out = normalize(
        nb, replacements=path_replacements({"/home/ann/cases/x": "../cases/x", "/home/ann": "~"})
    )
    assert nb == before
    assert [c["id"] for c in out.cells] == ["cell-0", "cell-1"]  # sentinel gone
    assert [c.execution_count for c in out.cells] == [1, 2]
    assert out.cells[1].outputs[0]["execution_count"] == 2
    assert out.cells[0].outputs[0]["text"] == "../cases/x/survey.csv: warning"
    assert "execution" not in out.cells[0].metadata
    assert out.metadata["papermill"] == {"parameters": {"seed": 1}}
