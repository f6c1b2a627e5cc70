"""Reading YAML case files safely and turning pydantic errors into student messages.

YAML is parsed with PyYAML's safe loader only, so a ``!!python/...`` tag is a problem
and never runs anything. The parsed node tree is kept next to the data: it gives line
numbers and the text as written, which is what makes YAML 1.1 surprises explainable
(``country: NO`` is read as the boolean false, ``student_id: 0123`` as the octal number
83, ``target_hours: 1:30`` as the base-60 number 90). Octal and base-60 numbers are
refused wherever they appear; a non-text value where text is required is refused with a
hint to put it in quotes. Nothing is silently coerced.

Paths in messages use dots for keys and 0-based ``[i]`` for list items, as Python
indexes them: ``standards.commitments[0]`` is the *first* commitment.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from carebook.case.problems import ProblemLog, did_you_mean

__all__ = ["YamlDoc", "load_yaml", "path_text", "validate_model"]

Path_ = tuple[str | int, ...]
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


class YamlDoc:
    """A parsed YAML file: its data and, per path, the node it came from.

    Attributes
    ----------
    name : str
        The file name, e.g. ``case.yaml``.
    data : object
        What ``yaml.safe_load`` returns.
    nodes : dict
        Path (tuple of keys and 0-based indices) to the YAML node of its value.
    """

    def __init__(self, name: str, data: Any, nodes: dict[Path_, yaml.Node], surprises: dict[Path_, str]):
        self.name, self.data, self.nodes = name, data, nodes
        #: YAML 1.1 readings that are always a mistake (octal, base 60), by path.
        self.surprises = surprises
        #: Paths already reported, so a surprise is not reported twice.
        self.reported: set[Path_] = set()

    def report_surprises(self, problems: ProblemLog) -> None:
        """Report the octal and base-60 readings no validation error has covered."""
        for path, message in self.surprises.items():
            if path not in self.reported:
                self.reported.add(path)
                problems.add(self.name, None, path_text(path), message)

    def line(self, path: Path_) -> int | None:
        """Return the 1-based line where the value at *path* starts, if known."""
        node = self.nodes.get(tuple(path))
        return node.start_mark.line + 1 if node is not None else None


def path_text(path: Iterable[str | int]) -> str:
    """Format a path as ``standards.commitments[0].target_hours`` (0-based indices)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_yaml(name: str, text: str, problems: ProblemLog) -> YamlDoc | None:
    """Parse YAML text with the safe loader, recording syntax errors with their line.

    Returns
    -------
    YamlDoc or None
        ``None`` when the text is not valid YAML or uses a tag the safe loader refuses.
    """
    try:
        # The reader checks the whole text for control characters as it is created.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as err:
        problems.add(name, _reader_line(text, err), "", _reader_message(err))
        return None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problems.add(name, line, "", _syntax_message(err))
        return None
    except yaml.reader.ReaderError as err:  # found in a later chunk of a long text
        problems.add(name, _reader_line(text, err), "", _reader_message(err))
        return None
    except yaml.YAMLError as err:
        problems.add(name, None, "", f"is not valid YAML: {err}")
        return None
    finally:
        loader.dispose()
    nodes: dict[Path_, yaml.Node] = {}
    surprises: dict[Path_, str] = {}
    if node is not None:
        _index(name, node, (), nodes, surprises, problems)
    return YamlDoc(name, data, nodes, surprises)


def _reader_line(text: str, err: yaml.reader.ReaderError) -> int | None:
    position = err.position if isinstance(err.position, int) and 0 <= err.position <= len(text) else None
    return text.count("\n", 0, position) + 1 if position is not None else None


def _reader_message(err: yaml.reader.ReaderError) -> str:
    return (f"holds the control character U+{err.character:04X}, which YAML does not allow; delete it "
            "(it is invisible in most editors: retype the line)")


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or ""
    if "constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip().strip("'")
        return (f"the tag {tag!r} is not allowed; case files hold plain values only "
                "(remove the `!!...` part)")
    where = ""
    if err.problem_mark is not None:
        where = f" (line {err.problem_mark.line + 1}, column {err.problem_mark.column + 1})"
    context = f"{err.context}, " if err.context else ""
    hint = ""
    if "mapping values are not allowed" in problem or "found character" in problem:
        hint = '; a value containing ": " or starting with a special character must be in quotes'
    return f"YAML syntax error: {context}{problem}{where}{hint}"


def _index(name: str, node: yaml.Node, path: Path_, nodes: dict, surprises: dict, problems: ProblemLog) -> None:
    nodes[path] = node
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.add(name, line, path_text((*path, key)),
                             f"key appears twice (lines {seen[key]} and {line}); keep one")
            seen[key] = line
            _index(name, value_node, (*path, key), nodes, surprises, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(name, item, (*path, i), nodes, surprises, problems)
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        if node.tag.endswith(":int") and _OCTAL.match(node.value) and node.value.strip("+-0_"):
            surprises[path] = (f"`{node.value}` has a leading zero, so YAML reads it as the octal number "
                               f"{yaml.safe_load(node.value)}; write it without the zero, or in quotes "
                               f'("{node.value}") if it is a code')
        elif node.tag.endswith((":int", ":float")) and _SEXAGESIMAL.match(node.value):
            surprises[path] = (f"YAML reads `{node.value}` as the base-60 number "
                               f"{yaml.safe_load(node.value)}; write hours as a decimal (1:30 is 1.5), "
                               f'or put it in quotes ("{node.value}") if it is text')


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if value is None:
        return "empty (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _data_path(data: Any, loc: tuple) -> Path_:
    """Keep the part of a pydantic error location that exists in the data."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and not path_tail_is_type(part):
            path.append(part)  # a missing key: name it
            break
        else:
            break
        path.append(part)
    return tuple(path)


def path_tail_is_type(part: str) -> bool:
    """Tell whether *part* is a type tag pydantic appends to union errors (``int``, ``str`` …)."""
    return part in {"int", "str", "float", "bool", "date", "list", "dict", "none"} or "[" in part


def _message(err: dict, node: yaml.Node | None) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    written = node.value if isinstance(node, yaml.ScalarNode) else None
    if kind == "missing":
        return "is required but missing"
    if kind == "string_type":
        if written is not None and node.style is None and value is not None:
            return (f"must be text, but YAML reads `{written}` as {_describe(value)}; "
                    f'put it in quotes: "{written}"')
        return f"must be text, not {_describe(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        limit = next(iter(ctx.values()))
        return f"must be {sign} {_number(limit)}, not {_number(value)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        return f"must be one of {expected}, not {value!r}" + did_you_mean(str(value), choices)
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind.startswith(("int_", "int")) or kind == "int_from_float":
        return f"must be a whole number, not {_written(written, value)}"
    if kind.startswith("float"):
        return f"must be a number, not {_written(written, value)}"
    if kind.startswith(("date", "datetime")):
        return f"must be a date written YYYY-MM-DD, not {_written(written, value)}"
    if kind.startswith("bool"):
        return f"must be true or false, not {_written(written, value)}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list (one `- ` item per line), not {_describe(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"must be a mapping of keys and values, not {_describe(value)}"
    message = str(err.get("msg", "is not valid"))
    return message[:1].lower() + message[1:]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _written(written: str | None, value: Any) -> str:
    return f"`{written}`" if written is not None else repr(value)


def validate_model(
    doc: YamlDoc,
    model: type[BaseModel],
    data: Any,
    prefix: Path_,
    problems: ProblemLog,
) -> BaseModel | None:
    """Validate *data* (found at *prefix* in *doc*) against *model*, reporting every error.

    Unknown keys are kept by the models; each is reported as a warning with the closest
    known key as a hint.

    Returns
    -------
    BaseModel or None
        The model instance, or ``None`` when it does not validate.
    """
    _warn_unknown_keys(doc, model, data, prefix, problems)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        reported: set[Path_] = set()
        for err in error.errors(include_url=False):
            path = (*prefix, *_data_path(data, tuple(err["loc"])))
            if path in reported:
                continue  # a union reports one error per member; one line is enough
            reported.add(path)
            message = _message(err, doc.nodes.get(path))
            if path in doc.surprises and err["type"] != "string_type":
                message = doc.surprises[path]
            doc.reported.add(path)
            problems.add(doc.name, None, path_text(path), message)
        return None


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """Return the pydantic model inside an annotation and whether it is a list of them."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin in (list, tuple):
        for arg in typing.get_args(annotation):
            inner, _ = _model_of(arg)
            if inner is not None:
                return inner, True
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner, many = _model_of(arg)
            if inner is not None:
                return inner, many
    return None, False


def _warn_unknown_keys(doc: YamlDoc, model: type[BaseModel], data: Any, prefix: Path_, problems: ProblemLog) -> None:
    if not isinstance(data, dict):
        return
    fields = model.model_fields
    for key, value in data.items():
        if key not in fields:
            problems.warn(doc.name, doc.line((*prefix, key)), path_text((*prefix, key)),
                          "unknown key ignored" + did_you_mean(str(key), fields))
            continue
        inner, many = _model_of(fields[key].annotation)
        if inner is None:
            continue
        if many and isinstance(value, list):
            for i, item in enumerate(value):
                _warn_unknown_keys(doc, inner, item, (*prefix, key, i), problems)
        elif not many:
            _warn_unknown_keys(doc, inner, value, (*prefix, key), problems)
