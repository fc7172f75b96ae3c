"""A loader's source as text: JSON, or YAML with CloudFormation's short tags, with positions.

:func:`read_source` takes what the IaC loaders accept (a path, JSON text, bytes or a value);
:func:`read_template` takes bytes already read. Both give the position of every value by JSON
pointer, so that problems and findings point at ``file:line:column`` in YAML as in JSON.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustsim import _pointer
from trustsim._files import read_named
from trustsim.errors import InvalidPolicy, Position, Problem, escape
from trustsim.loaders.json_text import JsonDocument, read_json

__all__ = [
    "MAX_YAML_DEPTH",
    "SHAPE",
    "read_json_from",
    "read_source",
    "read_template",
]

#: The code of a problem with the shape of a template or a plan (not of its policies).
SHAPE = "INVALID_TEMPLATE"


def read_source(
    source: object, origin: str | None
) -> tuple[object, str, str | None, dict[str, Position]]:
    """The value of a template or plan, its label, its text and every value's position."""
    if isinstance(source, Mapping):
        return dict(source), origin or "<template>", None, {}
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        label, raw = origin or "<string>", source
    elif isinstance(source, bytes):
        label = origin or "<bytes>"
        raw = _decoded(source, label)
    else:
        path = Path(os.fspath(source))  # type: ignore[call-overload]
        label = origin or str(path)
        raw = _decoded(read_named(path)[0], label)
        if path.suffix.lower() in (".yaml", ".yml", ".template") and raw.lstrip()[:1] != "{":
            value, positions = _yaml(raw, label)
            return value, label, raw, positions
    document = read_json_from(raw, label)
    if document.problems:
        raise InvalidPolicy(
            document.problems, origin=label, text=document.text, positions=document.positions
        )
    return document.value, label, document.text, document.positions


def read_json_from(raw: str | bytes, label: str) -> JsonDocument:
    """:func:`~trustsim.loaders.json_text.read_json`, its errors naming the source ``label``.

    >>> read_json_from("{", "plan.json")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidPolicy: invalid policy in plan.json: 1 problem
    ...
    """
    try:
        return read_json(raw)
    except InvalidPolicy as error:
        raise InvalidPolicy(
            error.problems, origin=label, text=error.text, positions=error.positions
        ) from None


def read_template(
    data: bytes, *, origin: str, yaml: bool
) -> tuple[object, str, dict[str, Position]]:
    r"""A template's bytes as its value, its text and the position of every value by pointer.

    ``yaml`` reads YAML (unless the text starts like JSON); otherwise strict JSON. For
    callers that read the bytes once and pass the value on (``trustsim lint DIR``).

    >>> value, text, positions = read_template(b"Resources:\n  A: {}\n", origin="t.yaml", yaml=True)
    >>> value, positions["/Resources/A"]
    ({'Resources': {'A': {}}}, Position(line=2, column=6))

    Raises:
        InvalidPolicy: the bytes are not UTF-8, not JSON or not YAML (with the position).
    """
    raw = _decoded(data, origin)
    if yaml and raw.lstrip()[:1] != "{":
        value, positions = _yaml(raw, origin)
        return value, raw, positions
    value, _, text, positions = read_source(data, origin)
    return value, text or raw, positions


def _decoded(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"the template is not UTF-8 text (byte {error.start} cannot be decoded)"
        raise InvalidPolicy([Problem("INVALID_ENCODING", "", message)], origin=label) from None


# --------------------------------------------------------------------------- YAML (optional)


#: How deep a YAML template may nest (CloudFormation templates rarely pass 20 levels).
MAX_YAML_DEPTH = 100


def _yaml(text: str, origin: str) -> tuple[object, dict[str, Position]]:
    """A CloudFormation YAML template, short tags turned into their long JSON forms.

    Returns the value and the line and column of every node by JSON pointer (PyYAML's node
    marks), so that problems and findings in YAML point at ``file:line:column`` as in JSON.

    Bounded and strict: aliases (``*name``) and merge keys (``<<``) are refused — CloudFormation
    supports neither, and resolving shared nodes is how a 500-byte "billion laughs" document
    grows to gigabytes; nesting past :data:`MAX_YAML_DEPTH` is refused; a key given twice in a
    mapping is ``DUPLICATE_KEY`` (a YAML reader would keep the last one silently, as a JSON
    reader would); a key that is not text (``null:``, ``1:``) is refused.
    """
    try:
        import yaml  # noqa: PLC0415 - optional (the "yaml" extra)
    except ImportError:  # pragma: no cover - depends on the environment
        raise InvalidPolicy(
            [
                Problem(
                    SHAPE, "", "reading YAML templates needs PyYAML: pip install 'trustsim[yaml]'"
                )
            ],
            origin=origin,
        ) from None

    loader_class: Any = type(
        "Loader",
        (yaml.SafeLoader,),
        {"compose_node": _compose_node, "construct_mapping": _construct_mapping},
    )

    def construct(tag: str) -> Any:
        name = "Ref" if tag == "Ref" else ("Condition" if tag == "Condition" else f"Fn::{tag}")

        def build(loader: Any, node: Any) -> dict[str, object]:
            if isinstance(node, yaml.ScalarNode):
                value: object = loader.construct_scalar(node)
                if tag == "GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}

        return build

    for tag in ("Ref", "Sub", "GetAtt", "Join", "Select", "Split", "FindInMap", "If", "Equals",
                "Not", "And", "Or", "Condition", "ImportValue", "Base64", "GetAZs", "Cidr", "Transform"):  # fmt: skip
        loader_class.add_constructor(f"!{tag}", construct(tag))
    # YAML 1.1 reads an unquoted 2012-10-17 as a date; CloudFormation keeps it as text.
    loader_class.add_constructor("tag:yaml.org,2002:timestamp", loader_class.construct_yaml_str)
    loader: Any = None
    try:
        loader = loader_class(text)
        loader.trustsim_depth = 0
        loader.trustsim_problems = []
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
        positions = _yaml_positions(node, yaml)
    except _YamlRefused as refused:
        raise InvalidPolicy([refused.problem], origin=origin) from None
    except yaml.reader.ReaderError as error:
        message = (
            f"the template is not YAML: the character #x{error.character:04x} at position "
            f"{error.position} is not allowed"
        )
        raise InvalidPolicy([Problem(SHAPE, "", message)], origin=origin) from None
    except yaml.YAMLError as error:
        # The reason and the place only: PyYAML's own message quotes the offending line.
        reason = getattr(error, "problem", None) or getattr(error, "context", None) or "unreadable"
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        message = f"the template is not YAML: {escape(str(reason))}{where}"
        raise InvalidPolicy([Problem(SHAPE, "", message)], origin=origin) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.trustsim_problems:
        raise InvalidPolicy(loader.trustsim_problems, origin=origin, text=text, positions=positions)
    return value, positions


def _yaml_positions(root: Any, yaml: Any) -> dict[str, Position]:
    """The 1-based line and column of every node of a composed YAML document, by JSON pointer.

    A short tag (``!Sub x``) is one node for both ``/…`` and ``/…/Fn::Sub``; lookups fall
    back to the nearest enclosing pointer, so the node's own mark serves both.
    """
    positions: dict[str, Position] = {}
    pending: list[tuple[Any, str]] = [] if root is None else [(root, "")]
    while pending:
        node, pointer = pending.pop()
        mark = node.start_mark
        positions[pointer] = Position(mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            pending += [
                (value, _pointer.join(pointer, key.value))
                for key, value in node.value
                if isinstance(key, yaml.ScalarNode)
            ]
        elif isinstance(node, yaml.SequenceNode):
            pending += [(item, _pointer.join(pointer, i)) for i, item in enumerate(node.value)]
    return positions


class _YamlRefused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _at_mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _compose_node(loader: Any, parent: Any, index: Any) -> Any:
    import yaml  # noqa: PLC0415 - optional, imported by _yaml already

    if loader.check_event(yaml.AliasEvent):
        mark = loader.peek_event().start_mark
        raise _YamlRefused(
            Problem(
                SHAPE,
                "",
                f"YAML aliases are not supported in CloudFormation templates ({_at_mark(mark)}): "
                "write the value out",
            )
        )
    loader.trustsim_depth += 1
    try:
        if loader.trustsim_depth > MAX_YAML_DEPTH:
            mark = loader.peek_event().start_mark
            raise _YamlRefused(
                Problem(
                    SHAPE,
                    "",
                    f"the template nests deeper than {MAX_YAML_DEPTH} levels ({_at_mark(mark)})",
                )
            )
        return yaml.SafeLoader.compose_node(loader, parent, index)
    finally:
        loader.trustsim_depth -= 1


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[str, object]:
    import yaml  # noqa: PLC0415 - optional, imported by _yaml already

    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a mapping, found {node.id}", node.start_mark
        )
    mapping: dict[str, object] = {}
    first: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _YamlRefused(
                Problem(
                    SHAPE,
                    "",
                    "YAML merge keys (<<) are not supported in CloudFormation templates "
                    f"({_at_mark(key_node.start_mark)})",
                )
            )
        key = (
            loader.construct_object(key_node, deep=deep)
            if isinstance(key_node, yaml.ScalarNode)
            else None
        )
        if not isinstance(key, str):
            raise _YamlRefused(
                Problem(
                    SHAPE,
                    "",
                    f"a mapping key that is not text ({_at_mark(key_node.start_mark)}): "
                    "CloudFormation keys are names; quote it",
                )
            )
        if key in first:
            loader.trustsim_problems.append(
                Problem(
                    "DUPLICATE_KEY",
                    "",
                    f"the key {escape(repr(key))} appears more than once in this mapping "
                    f"({_at_mark(key_node.start_mark)}; first at {_at_mark(first[key])}); a YAML "
                    "reader keeps only the last one and silently drops the others",
                )
            )
        else:
            first[key] = key_node.start_mark
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping
