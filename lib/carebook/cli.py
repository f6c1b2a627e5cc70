"""The ``carebook`` command line: a thin shell over the tested Python API.

Exit codes: 0 success; 1 a build, export or check failed; 2 the case or the parameters
are invalid (``FILE:ROW:COLUMN: message`` lines on stderr) or the command line is wrong.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from carebook import __version__
from carebook.errors import CarebookError, InputError, ParameterError

__all__ = ["main"]

log = logging.getLogger("carebook")

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carebook",
        description="Build a customer-care report (DJ4234 Outcome 3) from a case folder.",
    )
    parser.add_argument("--version", action="version", version=f"carebook {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="show only errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="validate a case and build report.html, report.pdf, metrics.json")
    _add_build_options(build, params_help="YAML file of NAME: VALUE parameters")
    build.add_argument("--explain", action="store_true",
                       help="say for each section whether it was executed or reused, and why")
    build.add_argument("--no-cache", "--force", dest="no_cache", action="store_true",
                       help="run every section again, ignoring the build cache in OUT/.carebook-cache")
    build.add_argument("--no-server", dest="no_server", action="store_true",
                       help="build in this process, without the background build server that keeps "
                            "kernels and Chromium warm between builds (or set CAREBOOK_SERVER=0)")

    watch = sub.add_parser("watch", help="build, then build again each time a case file or notebook is saved")
    _add_build_options(watch, params_help="YAML file of NAME: VALUE parameters (read again when it is saved)")

    validate = sub.add_parser("validate", help="check a case folder against the data contract")
    validate.add_argument("case_dir", help="case folder")

    new = sub.add_parser("new", help="write a blank case folder to fill in")
    new.add_argument("case_dir", help="folder to create")

    sample = sub.add_parser("sample", help="write the synthetic China Mobile sample case")
    sample.add_argument("out_dir", help="folder to write")
    sample.add_argument("--seed", type=int, default=None, help="random seed (default: the sample's)")
    sample.add_argument("--respondents", type=int, default=None, help="survey rows")
    sample.add_argument("--contacts", type=int, default=None, help="contact rows")
    sample.add_argument("--comments", type=int, default=None, help="comment rows")
    sample.add_argument("--overwrite", action="store_true", help="replace files in a non-empty folder")
    check = sub.add_parser("check", help="student checks: Outcome 3 coverage, word count, pre-submission lint")
    check.add_argument("case_dir", nargs="?", default=None, help="case folder (default: the embedded sample)")
    check.add_argument("--out", default=None,
                       help="report folder whose executed notebooks are checked (default: report/); "
                            "the source notebooks are checked when it has none")
    check.add_argument("--notebooks", default=None, help="folder of section notebooks (default: notebooks/)")
    check.add_argument("--checklist", default=None, metavar="FILE", help="a tutor's checklist YAML")

    batch = sub.add_parser("batch", help="build every case folder of a cohort and write a summary",
                           description="Build every sub-folder of COHORT_DIR that holds case.yaml into "
                                       "OUT/<case>/, continuing past failures, then write OUT/summary.html "
                                       "and OUT/summary.csv. Exit 0 when every case built, 1 otherwise.")
    batch.add_argument("cohort_dir", help="folder whose sub-folders are case folders")
    batch.add_argument("--out", default=None, help="batch output folder (default: report/batch/)")
    batch.add_argument("--jobs", type=int, default=None,
                       help="cases built at once, one process and one kernel each (default: number of cores)")
    batch.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="send each case build to a running Dask cluster (e.g. tcp://host:8786); "
                            "workers need carebook installed and the same paths to the folders")
    batch.add_argument("--format", default="html,pdf", help="comma-separated: html, pdf (default: html,pdf)")
    batch.add_argument("--notebooks", default=None, help="folder of section notebooks (default: notebooks/)")
    batch.add_argument("--timeout", type=int, default=600, help="seconds one cell may run (default: 600)")

    server = sub.add_parser(
        "server", help="list or stop the background build servers",
        description="The first `carebook build` starts a build server that later builds reuse; it "
                    "stops after 15 minutes without a build (CAREBOOK_SERVER_IDLE seconds). "
                    "CAREBOOK_SERVER=0 turns it off.",
    )
    server.add_argument("action", choices=("status", "stop"),
                        help="status: list them; stop: end them")

    diff = sub.add_parser("diff", help="what changed between two runs' metrics.json, figure by figure",
                          description="Compare two metrics.json files (or two output folders holding one). "
                                      "Exit 0 when the figures are the same, 1 when they differ, "
                                      "2 when a file is missing or not valid JSON.")
    diff.add_argument("old", help="the earlier metrics.json or output folder")
    diff.add_argument("new", help="the later metrics.json or output folder")
    diff.add_argument("--json", action="store_true", help="print the differences as JSON")
    diff.add_argument("--tolerance", type=float, default=0.0,
                      help="treat numbers differing by at most this as unchanged (default: 0)")
    return parser


def _add_build_options(command: argparse.ArgumentParser, *, params_help: str) -> None:
    """The options ``build`` and ``watch`` share."""
    command.add_argument("case_dir", nargs="?", default=None, help="case folder (default: the embedded sample, data/sample)")
    command.add_argument("--out", default=None, help="output folder (default: report/)")
    command.add_argument("--format", default="html,pdf", help="comma-separated: html, pdf (default: html,pdf)")
    command.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                         help="set a notebook parameter (repeatable); typed like the notebook's default")
    command.add_argument("--params", default=None, metavar="FILE", help=params_help)
    command.add_argument("--jobs", type=int, default=None, help="sections run in parallel (default: number of cores)")
    command.add_argument("--notebooks", default=None, help="folder of section notebooks (default: notebooks/)")
    command.add_argument("--timeout", type=int, default=600, help="seconds one cell may run (default: 600)")


def _check_report(case_dir, out_dir, notebooks_dir, checklist=None):
    from carebook import case as cases
    from carebook.checks import run_checks, section_notebooks

    loaded = cases.validate(case_dir)
    return run_checks(loaded, section_notebooks(out_dir, notebooks_dir), checklist_path=checklist)


def _read_params(args: argparse.Namespace) -> dict[str, str]:
    """Collect parameters as text; the build types them against the notebooks' defaults."""
    params: dict[str, str] = {}
    if args.params:
        import yaml

        path = Path(args.params)
        try:
            # BaseLoader keeps every scalar as text: no YAML 1.1 surprises ('007' stays '007').
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise ParameterError(f"{path}: cannot read parameters file: {err}") from err
        if not isinstance(data, dict):
            raise ParameterError(f"{path}: expected NAME: VALUE lines, got a {type(data).__name__}")
        params.update({str(k): v for k, v in data.items()})
    for name, value in args.parameter:
        params[name] = value
    return params


def chosen_formats(args: argparse.Namespace) -> tuple[str, ...]:
    """Return the ``--format`` of a ``build``, ``watch`` or ``batch`` command line, checked."""
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    unknown = sorted(set(formats) - {"html", "pdf"})
    if unknown or not formats:
        raise ParameterError(f"--format: expected html, pdf or html,pdf, got {args.format!r}")
    return formats


def _cmd_build(args: argparse.Namespace, session=None) -> int:
    from carebook.build import build
    from carebook.build.progress import terminal_display

    formats = chosen_formats(args)
    result = build(
        args.case_dir,
        args.out,
        formats=formats,
        params=_read_params(args),
        jobs=args.jobs,
        notebooks_dir=args.notebooks,
        cell_timeout=args.timeout,
        use_cache=not args.no_cache,
        observer=terminal_display(quiet_mode=args.quiet),
        run_checks=True,
        session=session,
    )
    if args.explain:
        width = max(len(s.name) for s in result.sections)
        for section in result.sections:
            word = "reused" if section.status == "cached" else section.status
            print(f"{section.name:<{width}}  {word:<8}  {section.reason}")  # noqa: T201 - CLI output
        state = "up to date, left as it was" if result.up_to_date else "assembled and exported"
        print(f"report: {state}")  # noqa: T201 - CLI output
    done = "Report up to date in" if result.up_to_date else "Report written to"
    log.info("%s %s (%.1f s)", done, result.out_dir, result.seconds)
    for warning in result.warnings:
        log.warning("%s", warning)
    # The student's checks close every build: a summary line, details via `carebook check`.
    # They use the case the build validated: reading it twice doubled a no-change rebuild.
    log.info("%s", _check_summary(result, args.case_dir, args.notebooks))
    return EXIT_OK


def _cmd_watch(args: argparse.Namespace) -> int:
    import time as clock

    from carebook.build.watch import watch

    formats = chosen_formats(args)
    _read_params(args)  # a bad parameters file is refused before anything starts

    def started(watched) -> None:
        names = ", ".join(str(p) for p in watched)
        log.info("Watching %s; the report is rebuilt on every save (Ctrl+C to stop).", names)

    def built(rebuild) -> None:
        stamp = clock.strftime("%H:%M:%S")
        if rebuild.changed:
            log.info("[%s] saved: %s", stamp, ", ".join(rebuild.changed))
        if rebuild.error is not None:
            _print_error(rebuild.error)
            log.info("[%s] The last good report was left as it was; waiting for changes.", stamp)
            return
        result = rebuild.result
        if result.up_to_date:
            log.info("[%s] Report up to date in %s (%.1f s)", stamp, result.out_dir, rebuild.seconds)
            return
        ran = [s.name for s in result.sections if s.status == "executed"]
        reused = sum(1 for s in result.sections if s.status == "cached")
        log.info(
            "[%s] Report written to %s in %.1f s: executed %s; reused %d",
            stamp, result.out_dir, rebuild.seconds, ", ".join(ran) or "none", reused,
        )  # fmt: skip
        for warning in result.warnings:
            log.warning("%s", warning)
        log.info("%s", _check_summary(result, args.case_dir, args.notebooks))

    try:
        watch(
            args.case_dir,
            args.out,
            notebooks_dir=args.notebooks,
            formats=formats,
            params=lambda: _read_params(args),
            params_file=args.params,
            jobs=args.jobs,
            cell_timeout=args.timeout,
            on_build=built,
            on_start=started,
        )
    except KeyboardInterrupt:
        log.info("Stopped watching; the last report is in %s.", args.out or "report")
    return EXIT_OK


def _print_error(err: CarebookError) -> int:
    """Print *err* the way the command line reports it; return its exit code."""
    if isinstance(err, InputError):
        for problem in err.problems:
            print(problem, file=sys.stderr)  # noqa: T201 - the FILE:ROW:COLUMN contract
        print(f"{len(err.problems)} problem(s) found; nothing was built.", file=sys.stderr)  # noqa: T201
        return EXIT_INVALID
    print(f"carebook: {err}", file=sys.stderr)  # noqa: T201
    return EXIT_INVALID if isinstance(err, ParameterError) else EXIT_FAILED


def _check_summary(result, case_dir: str | None, notebooks: str | None) -> str:
    """Return the checks' summary line, reusing the last one when nothing changed.

    The line depends only on the case and the executed notebooks, which an up-to-date
    build left exactly as they were, so it is stored beside the build cache under the
    build's key and read back instead of importing the checks' dependencies again.
    """
    import json

    from carebook.build.cache import CACHE_DIR

    stored_path = result.out_dir / CACHE_DIR / "check.json"
    try:
        build_key = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))["build_key"]
    except (OSError, ValueError, KeyError, TypeError):
        build_key = None
    if result.up_to_date and build_key is not None:
        try:
            stored = json.loads(stored_path.read_text(encoding="utf-8"))
            if stored.get("build_key") == build_key and isinstance(stored.get("line"), str):
                return stored["line"]
        except (OSError, ValueError, AttributeError):
            pass
    from carebook.build.publish import write_atomic
    from carebook.checks import checks_of_build

    line = checks_of_build(result, case_dir, notebooks).summary_line()
    if build_key is not None:
        try:
            write_atomic(stored_path, json.dumps({"build_key": build_key, "line": line}).encode("utf-8"))
        except OSError as err:
            log.debug("could not store the check summary: %s", err)
    return line


def _cmd_check(args: argparse.Namespace) -> int:
    report = _check_report(args.case_dir, args.out, args.notebooks, args.checklist)
    print(report.to_text())  # noqa: T201 - CLI output
    return EXIT_OK if report.ok else EXIT_FAILED


def _cmd_validate(args: argparse.Namespace) -> int:
    from carebook import case

    loaded = case.validate(args.case_dir)
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)  # noqa: T201 - CLI output
    print(case.summary(loaded))  # noqa: T201 - CLI output
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from carebook import case

    written = case.new_case(args.case_dir)
    print(f"Wrote a blank case with {len(written)} files to {args.case_dir}; fill it in, then "  # noqa: T201
          f"run: carebook validate {args.case_dir}")
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from carebook import sample

    options = {k: getattr(args, k) for k in ("seed", "respondents", "contacts", "comments")}
    written = sample.write_sample(
        args.out_dir, overwrite=args.overwrite, **{k: v for k, v in options.items() if v is not None}
    )
    print(f"Wrote {len(written)} files to {args.out_dir}")  # noqa: T201 - CLI output
    return EXIT_OK


def _cmd_batch(args: argparse.Namespace) -> int:
    from carebook.batch import run_batch
    from carebook.batch.summary import counts

    formats = chosen_formats(args)
    result = run_batch(
        args.cohort_dir,
        args.out,
        jobs=args.jobs,
        scheduler=args.scheduler,
        formats=formats,
        notebooks_dir=args.notebooks,
        cell_timeout=args.timeout,
    )
    tally = counts(result.results)
    done = ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))
    print(f"{done} in {result.seconds:.1f} s ({result.workers}).")  # noqa: T201 - CLI output
    print(f"Summary: {result.summary_html} and {result.summary_csv}")  # noqa: T201 - CLI output
    return EXIT_OK if result.ok else EXIT_FAILED


def _cmd_server(args: argparse.Namespace) -> int:
    import time

    from carebook.server import client

    if args.action == "stop":
        count = client.stop_servers()
        print(f"Stopped {count} build server(s).")  # noqa: T201 - CLI output
        return EXIT_OK
    infos = client.server_infos()
    for info in infos:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("started", 0)))
        state = "building" if info.get("busy") else f"idle {info.get('idle_seconds', 0):.0f} s"
        builds = info.get("builds", 0)
        print(f"pid {info.get('pid')}: started {since}, {builds} build(s), {state}")  # noqa: T201
    print(f"{len(infos)} build server(s) running.")  # noqa: T201 - CLI output
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    import json

    from carebook import diff

    try:
        result = diff.diff_paths(args.old, args.new, tolerance=args.tolerance)
    except InputError as err:
        # main()'s generic handler would add "nothing was built", which misleads here.
        for problem in err.problems:
            print(problem, file=sys.stderr)  # noqa: T201 - FILE:ROW:COLUMN lines
        return EXIT_INVALID
    if args.json:
        print(json.dumps(diff.to_dict(result), indent=2, ensure_ascii=False))  # noqa: T201
    else:
        print(diff.to_text(result, args.old, args.new))  # noqa: T201 - CLI output
    return EXIT_OK if result.same else EXIT_FAILED


COMMANDS = {
    "build": _cmd_build,
    "watch": _cmd_watch,
    "validate": _cmd_validate,
    "new": _cmd_new,
    "sample": _cmd_sample,
    "check": _cmd_check,
    "batch": _cmd_batch,
    "diff": _cmd_diff,
    "server": _cmd_server,
}


def build_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """Return *argv* parsed if it is a valid ``build`` command line, else ``None``."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit:  # --help, --version or a usage error: argparse has answered
        return None
    return args if args.command == "build" else None


def main(argv: Sequence[str] | None = None, *, session=None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).
    session : carebook.build.warm.WarmSession, optional
        Kernels and browser kept between builds (the build server's); ``build`` only.
    """
    args = _parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)
    for noisy in ("weasyprint", "fontTools", "traitlets", "papermill", "matplotlib", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    try:
        if session is not None and args.command == "build":
            return _cmd_build(args, session=session)
        return COMMANDS[args.command](args)
    except CarebookError as err:
        return _print_error(err)
    except KeyboardInterrupt:
        print("carebook: interrupted; the previous report was left as it was.", file=sys.stderr)  # noqa: T201
        return 130


def _remote_build(argv: Sequence[str]) -> int | None:
    """Run a ``build`` on the user's build server; ``None`` to run the command here."""
    from carebook.server import address

    if not argv or "build" not in argv or not address.enabled():
        return None
    args = _parser().parse_args(argv)  # --help and usage errors exit here, as in main()
    if args.command != "build" or args.no_server:
        return None
    from carebook.server import client

    return client.run_remote(argv, quiet=args.quiet)


def run() -> None:
    """Run the command line as the ``carebook`` program and exit with its code.

    Once the command has finished and everything it wrote is closed, the process exits
    without tearing down the modules it imported: with pandas, matplotlib, nbconvert and
    jupyter_client loaded that teardown takes a third of a second after every build and
    does nothing a user can see. Exit handlers still run and the output is flushed.
    """
    import atexit

    code = _remote_build(sys.argv[1:])
    if code is None:
        code = main()
    try:
        atexit._run_exitfuncs()  # temporary folders and other registered clean-ups
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed or broken pipe: nothing more to say
                pass
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
