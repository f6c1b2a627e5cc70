"""Find the section notebooks, read their parameters, and check the user's parameters.

A section is a notebook named ``NN_name.ipynb`` in the notebooks folder; sections run and
appear in the report in name order. Each has exactly one code cell tagged
``parameters`` whose literal defaults declare what a tutor may override.

Parameter names are pasted into code by papermill (``f"{name} = {value}"``), so a name
that is not a plain identifier would run as code; ``-p`` values arrive as text. Both are
checked here, before any kernel starts (reliability.md P0-6): names must be
non-keyword identifiers declared by at least one section, and values are converted to
the type of the declared default, never guessed.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.build import imports
from carebook.errors import ParameterError

__all__ = [
    "Section",
    "discover",
    "check_parameters",
    "convert_value",
    "section_parameters",
    "relative_case_dir",
    "SECTION_GLOB",
]

log = logging.getLogger(__name__)

SECTION_GLOB = "[0-9][0-9]_*.ipynb"
#: The parameter carebook always injects itself (from CASE_DIR); users cannot set it.
CASE_DIR_PARAMETER = "case_dir"

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class Section:
    """One section notebook and the parameters it declares.

    Attributes
    ----------
    name : str
        File name, e.g. ``40_analysis.ipynb``.
    path : Path
        Absolute path of the notebook.
    defaults : dict
        Parameter name → declared default as a Python value (``ast.literal_eval`` of
        the parameters cell); a default that is not a literal is recorded as ``None``
        (type unknown).
    """

    name: str
    path: Path
    defaults: dict[str, Any] = field(default_factory=dict)


def discover(notebooks_dir: str | os.PathLike[str]) -> list[Section]:
    """Return the section notebooks of *notebooks_dir* in name order.

    Parameters
    ----------
    notebooks_dir : path
        Folder holding ``NN_name.ipynb`` notebooks.

    Returns
    -------
    list of Section

    Raises
    ------
    ParameterError
        If the folder has no section notebook, or a section does not have exactly one
        code cell tagged ``parameters`` (without it papermill would inject values at the
        top, where the notebook's own defaults then silently override them).
    """
    folder = Path(notebooks_dir)
    paths = sorted(folder.glob(SECTION_GLOB), key=lambda p: p.name)
    if not paths:
        raise ParameterError(
            f"no section notebooks (NN_name.ipynb) found in {folder}; check the notebooks folder"
        )
    problems: list[str] = []
    sections: list[Section] = []
    for path in paths:
        try:
            sections.append(_read_section(path))
        except ParameterError as err:
            problems.append(str(err))
    if problems:
        raise ParameterError("\n".join(problems))
    return sections


def _read_section(path: Path) -> Section:
    imports.serially("papermill.inspection", "papermill.iorw")
    from papermill.inspection import inspect_notebook
    from papermill.iorw import load_notebook_node

    try:
        nb = load_notebook_node(str(path))
    except Exception as err:  # nbformat: not JSON, not a notebook, bad schema, unreadable
        reason = " ".join(str(err).split())[:200]
        raise ParameterError(
            f"{path.name}: not a readable notebook ({type(err).__name__}: {reason}); "
            "open it in JupyterLab and save it again, or restore it from version control"
        ) from err
    tagged = [c for c in nb.cells if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    code_tagged = [c for c in tagged if c.cell_type == "code"]
    if len(code_tagged) != 1 or len(tagged) != 1:
        raise ParameterError(
            f"{path.name}: {len(tagged)} cells tagged 'parameters' "
            "(a section needs exactly one code cell with that tag, holding its defaults)"
        )
    defaults: dict[str, Any] = {}
    for name, info in inspect_notebook(str(path)).items():
        try:
            defaults[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError, TypeError):
            # A computed default (e.g. Path(...)): its type is unknown, values stay as given.
            defaults[name] = None
    return Section(name=path.name, path=path, defaults=defaults)


def check_parameters(
    params: Mapping[str, Any] | None, sections: Sequence[Section]
) -> dict[str, dict[str, Any]]:
    """Check user parameters and convert them for each section that declares them.

    Parameters
    ----------
    params : mapping or None
        Name → value: strings from ``-p NAME VALUE`` or typed values from a YAML file.
    sections : sequence of Section
        The discovered sections.

    Returns
    -------
    dict
        Section file name → {parameter name: converted value} for the parameters that
        section declares (``case_dir`` is not included; see :func:`section_parameters`).

    Raises
    ------
    ParameterError
        Listing every problem: names that are not identifiers or are keywords, names no
        section declares (with the nearest known name), values that do not convert to
        the declared type.
    """
    params = dict(params or {})
    known = sorted({name for s in sections for name in s.defaults} - {CASE_DIR_PARAMETER})
    problems: list[str] = []
    per_section: dict[str, dict[str, Any]] = {s.name: {} for s in sections}
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            problems.append(
                f"parameter name {name!r} is not allowed: use letters, digits and "
                "underscores, not starting with a digit, and not a Python keyword"
            )
            continue
        if name == CASE_DIR_PARAMETER:
            problems.append(
                "case_dir is set from the CASE_DIR argument of 'carebook build', not as a parameter"
            )
            continue
        declaring = [s for s in sections if name in s.defaults]
        if not declaring:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listed = ", ".join(known) if known else "none"
            problems.append(f"unknown parameter '{name}'{hint} (known parameters: {listed})")
            continue
        messages: set[str] = set()
        for s in declaring:
            try:
                per_section[s.name][name] = convert_value(name, value, s.defaults[name])
            except ParameterError as err:
                messages.add(str(err))
        problems.extend(sorted(messages))
    if problems:
        raise ParameterError("\n".join(problems))
    return per_section


def convert_value(name: str, value: Any, default: Any) -> Any:
    """Convert *value* to the type of *default*, strictly.

    Parameters
    ----------
    name : str
        Parameter name, for messages.
    value : object
        A string (from the command line) or a YAML scalar/list/mapping.
    default : object
        The declared default; its type decides the conversion. ``None`` (or a
        non-literal default) means the type is unknown and *value* is kept as given.

    Returns
    -------
    object
        The converted value.

    Raises
    ------
    ParameterError
        ``"seed: expected an integer, got 'abc'"`` and the like.

    Examples
    --------
    >>> convert_value("student_id", "007", "0000")
    '007'
    >>> convert_value("seed", "42", 1)
    42
    >>> convert_value("synthetic", "no", True)
    False
    """
    if default is None:
        if value is None or isinstance(value, str | int | float | bool | list | dict):
            return value
        raise ParameterError(f"{name}: unsupported value {value!r}")
    if isinstance(default, bool):
        return _to_bool(name, value)
    if isinstance(default, int):
        return _to_int(name, value)
    if isinstance(default, float):
        return _to_float(name, value)
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        # YAML turns 0123 into 83 and NO into False: refuse rather than guess (P2-15).
        raise ParameterError(
            f"{name}: expected text, got {value!r}; put the value in quotes in the parameters file"
        )
    if isinstance(default, list | tuple | dict):
        return _to_container(name, value, type(default))
    raise ParameterError(f"{name}: parameters of type {type(default).__name__} cannot be set")


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ParameterError(f"{name}: expected true or false (also yes/no, 1/0), got {value!r}")


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip(), 10)
    raise ParameterError(f"{name}: expected an integer, got {value!r}")


def _to_float(name: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise ParameterError(f"{name}: expected a number, got {value!r}")
    if number != number or number in (float("inf"), float("-inf")):
        raise ParameterError(f"{name}: expected a finite number, got {value!r}")
    return number


def _to_container(name: str, value: Any, kind: type) -> Any:
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if kind is tuple and isinstance(value, list):
        value = tuple(value)
    if isinstance(value, kind):
        return value
    wanted = "a mapping" if kind is dict else "a list"
    raise ParameterError(f"{name}: expected {wanted}, got {value!r}")


def relative_case_dir(
    case_dir: str | os.PathLike[str], notebooks_dir: str | os.PathLike[str]
) -> str:
    """Return *case_dir* as seen from the notebooks folder (the kernels' working folder).

    A relative path keeps home folders and user names out of the executed notebooks
    (reliability.md P2-17); an absolute path is used only where no relative one exists
    (another drive on Windows).
    """
    case = Path(case_dir).resolve()
    base = Path(notebooks_dir).resolve()
    try:
        return Path(os.path.relpath(case, base)).as_posix()
    except ValueError:
        return case.as_posix()


def section_parameters(
    section: Section, converted: Mapping[str, dict[str, Any]], case_dir_rel: str
) -> dict[str, Any]:
    """Return the parameters to inject into *section*: its own ones plus ``case_dir``."""
    values = dict(converted.get(section.name, {}))
    values[CASE_DIR_PARAMETER] = case_dir_rel
    return dict(sorted(values.items()))
