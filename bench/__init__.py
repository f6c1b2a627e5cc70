"""``make bench``: carebook's speed and memory, side by side, as ratios against targets.

Run ``python -m bench.run --help``. Every timing is of a subprocess (the venv's
``carebook``, ``papermill``, ``jupyter``, Chromium) so it is what a user would see.

Modules
-------
measure
    Run one command, time it and sample the memory of its whole process tree.
tools
    Locate the commands and ask ``carebook`` which options it has.
naive
    The hand-written chain a user would run without carebook.
scenarios
    The four comparisons (a)-(d), each returning result rows.
table
    Result rows, the printed table and ``report/bench.json``.
run
    The command-line entry point.
"""
