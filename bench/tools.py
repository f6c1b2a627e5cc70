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

__all__ = ["Tools", "find_tools", "options_in_help"]

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


def find_tools(bin_dir: Path | None = None) -> Tools:
    """Locate carebook, papermill, jupyter and Chromium for this interpreter's venv."""
    from carebook.build.pdf import find_chromium

    bin_dir = Path(bin_dir or Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)  # the venv's editable install is what a user runs
    return Tools(
        bin_dir=bin_dir,
        carebook=bin_dir / "carebook",
        papermill=bin_dir / "papermill",
        jupyter=bin_dir / "jupyter",
        python=bin_dir / "python",
        chromium=find_chromium(),
        env=env,
    )
