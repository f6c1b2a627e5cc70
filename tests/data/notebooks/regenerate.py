"""Regenerate the fixture notebooks of tests/data/notebooks (run from anywhere)."""
# ruff: noqa: E501  (payload and notebook strings are clearer on one line)

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parents[1]))  # tests/, for the payloads the tests share
from payloads import SCRIPT_PAYLOADS  # noqa: E402
KS = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}


def params(src="case_dir = None"):
    return new_code_cell(src, metadata={"tags": ["parameters"]})


def save(name, cells):
    nb = new_notebook(cells=cells, metadata=KS)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    nbformat.validate(nb)
    nbformat.write(nb, OUT / name)


IMPORT = new_code_cell(
    "from IPython.display import HTML, Markdown, display", metadata={"tags": ["remove-cell"]}
)

save(
    "intro.ipynb",
    [
        new_markdown_cell(
            "## 1 Introduction\n\nThe organisation's service is rated 很好 by customers [@parasuraman1988]."
        ),
        params('case_dir = None\nseed = 1\nlabel = "000"\nshare = 0.5\nverbose = False'),
        IMPORT,
        new_code_cell(
            'display(Markdown(f"Seed **{seed}**, label {label}, share {share}, verbose {verbose}."))'
        ),
        new_code_cell('print("a stream line that stays out of the report")'),
        new_code_cell(
            'display(HTML(\'<figure class="cb-table" id="table-1-1"><figcaption>Table 1.1: Contacts</figcaption>'
            '<table class="cb"><thead><tr><th>channel</th><th>contacts</th></tr></thead>'
            "<tbody><tr><td>hotline</td><td>12</td></tr><tr><td>email</td><td>5</td></tr></tbody></table>"
            '<p class="cb-note">Source: synthetic.</p></figure>\'))'
        ),
        new_markdown_cell("### 1.1 Scope\n\nThe scope is one unit of 客户满意度 work."),
    ],
)
save(
    "findings.ipynb",
    [
        new_markdown_cell("## 2 Findings"),
        params("case_dir = None\nseed = 1"),
        IMPORT,
        new_code_cell(
            'import os\ndisplay(Markdown(f"The case folder has {len(os.listdir(case_dir))} file(s)."))'
        ),
        new_code_cell("3 + 4", metadata={"tags": ["remove-output"]}),
    ],
)
save(
    "defines_name.ipynb",
    [
        new_markdown_cell("## 1 Defines"),
        params(),
        new_code_cell("import os\nleak = 42\npid = os.getpid()\npid"),
    ],
)
save(
    "checks_name.ipynb",
    [
        new_markdown_cell("## 2 Checks"),
        params(),
        new_code_cell(
            "import os\nfrom IPython.display import Markdown, display\n"
            'display(Markdown("leak is " + ("defined" if "leak" in globals() else "undefined")))\n'
            "os.getpid()"
        ),
    ],
)
save(
    "raises.ipynb", [params(), new_code_cell("x = 1"), new_code_cell("1/0"), new_code_cell("y = 2")]
)
save(
    "kernel_dies.ipynb", [params(), new_code_cell("import os; os._exit(1)"), new_code_cell("y = 2")]
)
save(
    "sysexit0.ipynb",
    [params(), new_code_cell("import sys; sys.exit(0)"), new_code_cell('summary = "never"')],
)
save("hangs.ipynb", [params(), new_code_cell("import time; time.sleep(10**6)")])
save("no_parameters_tag.ipynb", [new_code_cell("case_dir = None"), new_code_cell("x = 1")])
save("two_parameters_tags.ipynb", [params(), params("seed = 2")])

# Hostile outputs, as a notebook already executed: reliability.md P0-1 payloads.
payloads = SCRIPT_PAYLOADS
cells = [
    new_markdown_cell(
        "## 4 Hostile\n\nA Markdown cell with [a link](javascript:alert(7)) and <img src=x onerror=alert(8)>."
    )
]
html_table = (
    "<table><thead><tr><th><b onmouseover=alert(6)>h</b></th></tr></thead><tbody>"
    + "".join(f"<tr><td>{p}</td></tr>" for p in payloads)
    + "</tbody></table>"
    + '<a href="http://x.example/" onmouseover="alert(5)">link</a>'
    + '<a href="vbscript:msgbox(1)">vb</a><a href="data:text/html,<script>alert(9)</script>">dt</a>'
    + '<iframe src="http://evil.example/"></iframe><object data="x"></object><embed src="x">'
    + '<form action="http://evil.example/"><input name="q"></form><base href="http://evil.example/">'
    + "<style>body{background:url(http://evil.example/x.png)}</style>"
    + '<img src="http://evil.example/track.png" alt="tracker">'
    + '<a href=" java\tscript:alert(10)">tab</a>'
)
code = new_code_cell("")
code.execution_count = 1
code.outputs = [
    new_output("display_data", data={"text/html": html_table, "text/plain": "table"}),
    new_output(
        "display_data",
        data={"text/markdown": "**Top:** " + payloads[0] + " " + payloads[2], "text/plain": "md"},
    ),
    new_output(
        "display_data",
        data={"text/vnd.mermaid": "graph TD\n A-->B\n</pre><img src=x onerror=alert(11)>"},
    ),
    new_output("display_data", data={"application/javascript": "alert(12)", "text/plain": "js"}),
    new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {
                "model_id": "abc",
                "version_major": 2,
                "version_minor": 0,
            },
            "text/plain": "widget",
        },
    ),
    new_output(
        "display_data",
        data={
            "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(13)"><script>alert(14)</script><rect width="10" height="10"/></svg>'
        },
    ),
    new_output("stream", name="stdout", text="<script>alert(15)</script>"),
]
cells.append(code)
save("xss_outputs.ipynb", cells)
print(sorted(p.name for p in OUT.iterdir()))  # noqa: T201 - a script
