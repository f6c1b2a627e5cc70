"""The chain a competent user would write by hand with the same section notebooks.

1. one ``papermill`` call per notebook, ``-p case_dir <absolute case folder>``;
2. the executed notebooks merged into one (a five-line nbformat script: cells appended in
   section order), so the report is one document like carebook's;
3. one ``jupyter nbconvert --to html --no-input`` of the merged notebook;
4. one headless Chromium ``--print-to-pdf`` of that HTML, with the flags style.md gives
   for a sandbox (they avoid network stalls, not work).

Merging before export is the faster of the two hand routes (converting and printing six
files costs five more nbconvert and Chromium start-ups plus a PDF merge), so the
comparison does not favour carebook.
"""

from __future__ import annotations

from pathlib import Path

from bench.tools import Tools
from carebook.build import pdf

__all__ = ["MERGE_SCRIPT", "naive_commands", "DESCRIPTION"]

DESCRIPTION = (
    "papermill CLI per notebook (-p case_dir ABS) -> nbformat merge of the executed "
    "notebooks -> one `jupyter nbconvert --to html --no-input` -> one Chromium "
    "--headless --print-to-pdf"
)

# argv: merged output path, then the executed notebooks in section order.
MERGE_SCRIPT = """\
import sys, nbformat
out, *parts = sys.argv[1:]
nbs = [nbformat.read(p, as_version=4) for p in parts]
merged = nbs[0]
merged.cells = [cell for nb in nbs for cell in nb.cells]
nbformat.write(merged, out)
"""

# The same headless flags carebook prints with, so the comparison is of the chains, not
# of Chromium settings.
CHROMIUM_FLAGS = pdf.CHROMIUM_FLAGS


def naive_commands(
    tools: Tools, notebooks: list[Path], case_dir: Path, work: Path
) -> list[list[str]]:
    """Return the hand chain's commands, to run in order from *work*.

    Parameters
    ----------
    tools : Tools
        The venv's commands and the Chromium carebook would use.
    notebooks : list of Path
        The section notebooks in report order.
    case_dir : Path
        The case folder (passed absolute: papermill runs each notebook in its own folder).
    work : Path
        An empty folder for the executed notebooks, the HTML and the PDF.

    Returns
    -------
    list of list of str
    """
    if tools.chromium is None:
        msg = "no Chromium found: the naive chain prints its PDF with Chromium"
        raise FileNotFoundError(msg)
    executed = work / "executed"
    executed.mkdir(parents=True, exist_ok=True)
    case = str(case_dir.resolve())
    commands = [
        [str(tools.papermill), str(nb), str(executed / nb.name), "-p", "case_dir", case]
        for nb in notebooks
    ]
    merged = work / "report.ipynb"
    commands.append(
        [
            str(tools.python),
            "-c",
            MERGE_SCRIPT,
            str(merged),
            *(str(executed / nb.name) for nb in notebooks),
        ]
    )
    commands.append([str(tools.jupyter), "nbconvert", "--to", "html", "--no-input", str(merged)])
    commands.append(
        [
            tools.chromium,
            *CHROMIUM_FLAGS,
            f"--print-to-pdf={work / 'report.pdf'}",
            (work / "report.html").resolve().as_uri(),
        ]
    )
    return commands
