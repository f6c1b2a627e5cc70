"""Tiny cases and notebooks for the student checks, built in memory (imported by the tests)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from carebook.case.model import Case, CaseConfig, Codebook, Reference

CAMP = Reference(
    id="camp1989",
    type="book",
    authors=["Camp, R.C."],
    year=1989,
    title="Benchmarking",
    publisher="ASQC Quality Press",
    place="Milwaukee, WI",
)
PZB = Reference(
    id="parasuraman1988",
    type="article",
    authors=["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."],
    year=1988,
    title="SERVQUAL",
    journal="Journal of Retailing",
    volume="64",
    issue="1",
    pages="12-40",
)


def make_case(
    *,
    competitor="China Unicom",
    strategies=2,
    macro=1,
    micro=1,
    comments=True,
    benchmark=True,
    references=(CAMP, PZB),
    word_limit=None,
    survey_extra=("csat",),
) -> Case:
    config = CaseConfig.model_validate(
        {
            "report": {
                "title": "T",
                "course": "C",
                "unit_code": "DJ4234",
                "outcome": 3,
                "word_limit": word_limit,
            },
            "organisation": {"name": "China Mobile"},
            "benchmark": {"competitor": competitor} if competitor else None,
            "strategies": [
                {"name": f"s{i}", "description": "d", "benefit": "loyalty"}
                for i in range(strategies)
            ]
            or [{"name": "s", "description": "d", "benefit": ""}],
            "standards": {
                "macro": ["Charter"] * macro,
                "micro": ["Answer within 15 s"] * micro,
                "commitments": [
                    {
                        "channel": "hotline",
                        "label": "10086",
                        "measure": "response",
                        "target_hours": 24,
                    }
                ],
            },
        }
    )
    survey = pd.DataFrame(
        {f"{s}{i}": pd.array([5], dtype="Int8") for s in "EP" for i in range(1, 23)}
    )
    for column in survey_extra:
        survey[column] = pd.array([4], dtype="Int8")
    bench = (
        pd.DataFrame(
            {
                "metric": ["share", "share"],
                "organisation": ["China Mobile", "China Unicom"],
                "value": [62.2, 22.8],
                "higher_is_better": [True, True],
            }
        )
        if benchmark
        else None
    )
    notes = (
        pd.DataFrame(
            {
                "comment_id": ["1", "2"],
                "source": ["letter", "comment_card"],
                "text": ["slow", "good"],
            }
        )
        if comments
        else None
    )
    return Case(
        root=Path("."),
        config=config,
        survey=survey,
        contacts=pd.DataFrame({"contact_id": ["1"]}),
        comments=notes,
        benchmark=bench,
        codebook=Codebook(themes=()),
        references=tuple(references),
    )


def nb(*cells) -> nbformat.NotebookNode:
    """A notebook from strings (markdown) and (source, outputs) tuples (code)."""
    built = []
    for cell in cells:
        if isinstance(cell, str):
            built.append(new_markdown_cell(cell))
        else:
            source, outputs = cell
            code = new_code_cell(source)
            if outputs is not None:
                code.outputs = outputs
                code.execution_count = 1
            built.append(code)
    return new_notebook(cells=built)


def html_out(html: str):
    return new_output("display_data", data={"text/html": html, "text/plain": "x"})


def md_out(markdown: str):
    return new_output("display_data", data={"text/markdown": markdown, "text/plain": markdown})


def table_html(caption: str) -> str:
    return (
        f'<figure class="cb-table"><figcaption>{caption}</figcaption>'
        "<table><tr><td>1</td></tr></table></figure>"
    )
