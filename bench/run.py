"""``make bench`` / ``python -m bench.run``: measure, print the ratio table, write JSON.

Examples
--------
Everything, medians of three runs (takes a while: the 1,000,000-row case is built too)::

    python -m bench.run

A smoke run with tiny cases and one run of each (what ``tests/test_bench.py`` does)::

    python -m bench.run --quick --json /tmp/bench.json

(d) alone, on a cohort of cases 1% the size of the sample (mostly each build's fixed
costs: starting kernels, printing)::

    python -m bench.run --only d --batch-sizes 500,300,60
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scenarios import SCENARIOS, Settings, Sizes, describe, run_all  # noqa: E402
from bench.table import format_table, write_json  # noqa: E402
from bench.tools import find_tools, revision, snapshot  # noqa: E402

log = logging.getLogger("bench")

ROOT = Path(__file__).resolve().parents[1]
QUICK = {
    "case_sizes": Sizes(300, 200, 40),
    "small": Sizes(300, 300, 30),
    "big": Sizes(3000, 3000, 300),
    "batch_cases": 3,
    "batch_sizes": Sizes(200, 100, 40),
}


def sizes_option(text: str) -> Sizes:
    """Parse ``R,C,M`` (three whole numbers, each at least 1) for ``--batch-sizes``."""
    parts = [part.strip().replace("_", "") for part in text.split(",")]
    if len(parts) != 3 or not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected respondents,contacts,comments as three whole numbers >= 1, got {text!r}"
        )
    return Sizes(*(int(part) for part in parts))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the bench's command line."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per side; medians reported (3)")
    p.add_argument(
        "--big-repeat", type=int, default=None, help="runs of each side of (c) (default: --repeat)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: tiny generated cases, 3-case batch, repeat 1",
    )
    p.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help="comma-separated scenarios to run, of a,b,c,d (default: all)",
    )
    p.add_argument(
        "--case",
        type=Path,
        default=None,
        help="case of (a) and (b) (default: data/sample; --quick: a tiny generated one)",
    )
    p.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="section notebooks (default: notebooks/ of the tree benched)",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=ROOT / "report" / "bench.json",
        help="where to write the results (default: report/bench.json)",
    )
    p.add_argument(
        "--snapshot",
        metavar="REV",
        default=None,
        help="bench git revision REV (e.g. HEAD) from an exported copy, untouched by edits "
        "made while the bench runs (default: the working tree)",
    )
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch folder (default: a new folder in /tmp, removed afterwards)",
    )
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    p.add_argument(
        "--batch-sizes",
        type=sizes_option,
        default=None,
        metavar="R,C,M",
        help="respondents, contacts and comments of each case of (d) "
        "(default: the sample's, 50000,20000,2000; --quick: 200,100,40)",
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds per command (3600)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every command")
    args = p.parse_args(argv)
    only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in only if k not in SCENARIOS]
    if unknown or not only:
        p.error(f"--only: expected some of {', '.join(SCENARIOS)}, got {args.only!r}")
    args.only = only
    if args.repeat < 1 or (args.big_repeat is not None and args.big_repeat < 1):
        p.error("--repeat and --big-repeat must be at least 1")
    return args


def settings_from(args: argparse.Namespace, work: Path, root: Path = ROOT) -> Settings:
    """Turn the parsed options into :class:`Settings` (*root*: the source tree benched)."""
    notebooks = (args.notebooks or root / "notebooks").resolve()
    chosen = {"batch_sizes": args.batch_sizes} if args.batch_sizes is not None else {}
    if args.quick:
        repeat = 1
        return Settings(
            work=work,
            notebooks=notebooks,
            repeat=repeat,
            big_repeat=args.big_repeat or repeat,
            case_dir=args.case,
            timeout=args.timeout,
            **(QUICK | chosen),
        )
    return Settings(
        work=work,
        notebooks=notebooks,
        repeat=args.repeat,
        big_repeat=args.big_repeat or args.repeat,
        case_dir=args.case or root / "data" / "sample",
        timeout=args.timeout,
        **chosen,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 when every scenario ran (PASS, MISS or N/A), 1 if one FAILED."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
    )
    started = dt.datetime.now(dt.UTC)
    work = args.work or Path(tempfile.mkdtemp(prefix="carebook-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    try:
        source = None
        if args.snapshot:
            source = snapshot(ROOT, args.snapshot, work.resolve() / "source")
        settings = settings_from(args, work.resolve(), source or ROOT)
        rows = run_all(find_tools(source=source), settings, args.only)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(format_table(rows))  # noqa: T201 - the bench's output
    path = write_json(
        args.json,
        rows,
        settings=describe(settings)
        | {
            "quick": args.quick,
            "load_average_at_start": load_at_start,
            "source": f"snapshot of {args.snapshot}" if args.snapshot else f"working tree {ROOT}",
            "commit": revision(ROOT, args.snapshot or "HEAD"),
        },
        started=started,
    )
    print(f"\nWrote {path}")  # noqa: T201
    return 1 if any(r.status == "FAILED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
