"""Where the commands are, and which options this checkout's ``carebook`` offers.

Incremental builds (``--explain``, ``--no-cache``) and ``carebook batch`` are being
written while the bench is; the bench asks ``--help`` instead of assuming, so a scenario
whose command is missing reports "not available" rather than failing.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tools", "find_tools", "options_in_help", "snapshot", "revision"]

_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
_COMMAND = re.compile(r"^\s{2,}([a-z][a-z0-9-]*)\s{2,}", re.MULTILINE)


@dataclass(frozen=True)
class Tools:
    """Absolute paths of the commands a user would run, and their environment.

    Attributes
    ----------
    bin_dir : Path
        The venv's ``bin/`` (the one running the bench).
    carebook, papermill, jupyter, python : Path
        Commands inside *bin_dir*.
    chromium : str or None
        The browser carebook itself would print with, or None when there is none.
    env : dict
        The current environment with *bin_dir* first on ``PATH`` (as after ``activate``).
    """

    bin_dir: Path
    carebook: Path
    papermill: Path
    jupyter: Path
    python: Path
    chromium: str | None
    env: dict[str, str]

    @functools.cached_property
    def build_options(self) -> frozenset[str]:
        """Long options of ``carebook build`` (e.g. ``--explain``, ``--no-cache``)."""
        return options_in_help(self._help("build"))

    @functools.cached_property
    def commands(self) -> frozenset[str]:
        """Sub-commands of ``carebook`` (e.g. ``build``, ``batch``)."""
        help_text = self._help()
        return frozenset(_COMMAND.findall(help_text))

    @functools.cached_property
    def batch_options(self) -> frozenset[str]:
        """Long options of ``carebook batch``; empty when there is no such command."""
        return options_in_help(self._help("batch")) if "batch" in self.commands else frozenset()

    def _help(self, *command: str) -> str:
        done = subprocess.run(
            [str(self.carebook), *command, "--help"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout + done.stderr


def options_in_help(text: str) -> frozenset[str]:
    """Return every ``--long-option`` named in an argparse help text."""
    return frozenset(_OPTION.findall(text))


def find_tools(bin_dir: Path | None = None, *, source: Path | None = None) -> Tools:
    """Locate carebook, papermill, jupyter and Chromium for this interpreter's venv.

    Parameters
    ----------
    bin_dir : Path, optional
        The venv's ``bin/`` (default: the running interpreter's).
    source : Path, optional
        A source tree from :func:`snapshot`: its ``lib/`` is put first on ``PYTHONPATH``
        so the CLI and every kernel import that carebook instead of the editable install.
    """
    from carebook.build.pdf import find_chromium

    bin_dir = Path(bin_dir or Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)  # the venv's editable install is what a user runs
    if source is not None:
        env["PYTHONPATH"] = str((source / "lib").resolve())
        _check_imports_from(bin_dir / "python", source / "lib", env)
    return Tools(
        bin_dir=bin_dir,
        carebook=bin_dir / "carebook",
        papermill=bin_dir / "papermill",
        jupyter=bin_dir / "jupyter",
        python=bin_dir / "python",
        chromium=find_chromium(),
        env=env,
    )


def _check_imports_from(python: Path, lib: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(python), "-c", "import carebook; print(carebook.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if not Path(done.stdout.strip()).resolve().is_relative_to(lib.resolve()):
        msg = f"carebook is imported from {done.stdout.strip()}, not the snapshot in {lib}"
        raise RuntimeError(msg)


def snapshot(repo: Path, rev: str, dest: Path) -> Path:
    """Export ``lib/``, ``notebooks/`` and ``data/`` of git revision *rev* into *dest*.

    Benchmarking a committed revision keeps the numbers apart from edits made in the
    working tree while the bench runs (the build cache keys on the carebook source, so
    a file saved mid-run would otherwise turn a "nothing changed" rebuild into a full one).
    """
    import io
    import tarfile

    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", rev, "--", "lib", "notebooks", "data"],
        capture_output=True,
        check=True,
    ).stdout
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def revision(repo: Path, rev: str = "HEAD") -> str:
    """Return the commit id of *rev* (``+dirty`` for HEAD with uncommitted changes in lib/)."""
    commit = (
        subprocess.run(
            ["git", "-C", str(repo), "rev-parse", rev], capture_output=True, text=True, check=False
        ).stdout.strip()
        or "unknown"
    )
    if rev == "HEAD":
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "lib", "notebooks"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        commit += "+dirty" if dirty else ""
    return commit
