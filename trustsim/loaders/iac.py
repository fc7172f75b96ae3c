"""Trust policies from infrastructure as code: CloudFormation (and CDK) templates, Terraform JSON.

:func:`load_cloudformation` reads a template (JSON; YAML when PyYAML is installed) and resolves
the intrinsic functions that have an answer offline (docs/loaders.md): ``Ref`` to parameters
and pseudo-parameters, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::FindInMap``, ``Fn::If`` with ``Conditions`` (``Fn::Equals``/``Not``/``And``/``Or``),
``Fn::Base64``. ``Fn::GetAtt`` and ``Ref`` to another resource become an ARN-shaped value
marked ``TRUSTSIM-PLACEHOLDER`` (listed in :attr:`IacRole.placeholders`), since the real value
exists only after deployment. What cannot be known offline (``Fn::ImportValue``, dynamic
references ``{{resolve:…}}``, ``Fn::GetAZs``, ``Fn::Transform``…) is a precise error: an
:class:`~trustsim.errors.InvalidPolicy` whose problems point into the template.

:func:`load_terraform` reads ``terraform show -json`` output (a plan or a state) and returns
every ``aws_iam_role``; a trust policy that is unknown until apply is reported as such
(:attr:`IacRole.unknown`), never guessed.

>>> roles = load_cloudformation({"Parameters": {"Vendor": {"Type": "String", "Default": "444455556666"}},
...     "Resources": {"Audit": {"Type": "AWS::IAM::Role", "Properties": {
...         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
...             "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${Vendor}:root"}},
...             "Action": "sts:AssumeRole"}]}}}}}, account_id="111122223333")
>>> roles[0].address, roles[0].trust_policy.statements[0].principal.aws
('Audit', ('arn:aws:iam::444455556666:root',))
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from trustsim import _pointer
from trustsim._files import read_named, read_reference, root_of
from trustsim.errors import InvalidPolicy, Position, Problem, escape
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_document

__all__ = [
    "PLACEHOLDER",
    "STACK_UUID_PLACEHOLDER",
    "IacRole",
    "load_cdk_out",
    "load_cloudformation",
    "load_terraform",
]

#: The marker in every value trustsim makes up for something known only after deployment.
PLACEHOLDER = "TRUSTSIM-PLACEHOLDER"
_UNRESOLVABLE = "UNRESOLVABLE_INTRINSIC"
_SHAPE = "INVALID_TEMPLATE"


@attrs.frozen
class IacRole:
    """One IAM role declared in a template or a Terraform plan.

    Attributes:
        address: the logical ID (CloudFormation) or the resource address
            (``module.ci.aws_iam_role.deploy[0]``).
        trust_policy: the parsed trust policy, or ``None`` when it is unknown.
        arn: the role's ARN when known (a Terraform state, a CloudFormation ``RoleName``).
        unknown: why the trust policy is unknown (``None`` when it is known).
        placeholders: the made-up values in the policy (``GetAtt Oidc.Arn → arn:…``).
        origin: file and JSON pointer of the declaration.
    """

    address: str
    trust_policy: Policy | None
    arn: str | None = None
    unknown: str | None = None
    placeholders: tuple[str, ...] = ()
    origin: str = ""


def _read(
    source: object, origin: str | None
) -> tuple[object, str, str | None, dict[str, Position]]:
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
    try:
        document = read_json(raw)
    except InvalidPolicy as error:
        raise InvalidPolicy(
            error.problems, origin=label, text=error.text, positions=error.positions
        ) from None
    if document.problems:
        raise InvalidPolicy(
            document.problems, origin=label, text=document.text, positions=document.positions
        )
    return document.value, label, document.text, document.positions


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
    value, _, text, positions = _read(data, origin)
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
                    _SHAPE, "", "reading YAML templates needs PyYAML: pip install 'trustsim[yaml]'"
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
        raise InvalidPolicy([Problem(_SHAPE, "", message)], origin=origin) from None
    except yaml.YAMLError as error:
        # The reason and the place only: PyYAML's own message quotes the offending line.
        reason = getattr(error, "problem", None) or getattr(error, "context", None) or "unreadable"
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        message = f"the template is not YAML: {escape(str(reason))}{where}"
        raise InvalidPolicy([Problem(_SHAPE, "", message)], origin=origin) from None
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
                _SHAPE,
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
                    _SHAPE,
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
                    _SHAPE,
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
                    _SHAPE,
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


# --------------------------------------------------------------------------- CloudFormation


class _Unresolvable(Exception):
    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


_NO_VALUE = object()
#: The longest string one intrinsic function may make (a trust policy holds at most 4,096).
MAX_INTRINSIC_CHARS = 1_000_000
#: The most characters the intrinsic functions of one template may make in all.
MAX_PRODUCED_CHARS = 20_000_000
#: How deep intrinsic functions, and conditions naming conditions, may nest.
MAX_RESOLVE_DEPTH = 128
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _Resolver:
    def __init__(
        self, template: Mapping[str, Any], parameters: Mapping[str, Any], pseudo: Mapping[str, str]
    ) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self.condition_specs: Mapping[str, Any] = template.get("Conditions") or {}
        self.pseudo = pseudo
        self.parameters = self._parameters(template.get("Parameters") or {}, parameters)
        self.placeholders: list[str] = []
        self.conditions: dict[str, bool] = {}
        self.evaluating: set[str] = set()
        self.depth = 0
        self.produced = 0

    def text(self, value: str, pointer: str) -> str:
        """A string an intrinsic function made, counted against the bounds."""
        if len(value) > MAX_INTRINSIC_CHARS:
            raise _Unresolvable(
                pointer,
                f"the intrinsic function makes a string of {len(value):,} characters, more than "
                f"the limit of {MAX_INTRINSIC_CHARS:,}",
            )
        self.produced += len(value)
        if self.produced > MAX_PRODUCED_CHARS:
            raise _Unresolvable(
                pointer,
                f"the template's intrinsic functions make more than {MAX_PRODUCED_CHARS:,} "
                "characters in all",
            )
        return value

    @staticmethod
    def _parameters(declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, spec in declared.items():
            value = given.get(name, spec.get("Default") if isinstance(spec, Mapping) else None)
            if value is None:
                continue
            kind = spec.get("Type", "String") if isinstance(spec, Mapping) else "String"
            if (
                isinstance(value, str)
                and isinstance(kind, str)
                and (kind == "CommaDelimitedList" or kind.startswith("List<"))
            ):
                value = [item.strip() for item in value.split(",")]
            values[name] = value
        return values

    def ref(self, name: object, pointer: str) -> object:
        if not isinstance(name, str):
            raise _Unresolvable(pointer, "Ref takes the name of a parameter or resource")
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            if name == "AWS::StackId" and STACK_UUID_PLACEHOLDER in self.pseudo[name]:
                self.placeholders.append(f"{pointer}: Ref {name} → {self.pseudo[name]}")
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise _Unresolvable(pointer, f"the pseudo-parameter {name} has no value offline")
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Parameters") or {}):
            raise _Unresolvable(
                pointer, f"the parameter {name} has no Default; give its value (parameters=…)"
            )
        if name in self.resources:
            return self._resource_value(name, None, pointer)
        raise _Unresolvable(pointer, f"Ref {name}: no parameter or resource of that name")

    def _resource_value(self, name: str, attribute: str | None, pointer: str) -> str:
        resource = self.resources[name] if isinstance(self.resources.get(name), Mapping) else {}
        kind = resource.get("Type", "")
        props = _properties(resource)
        account, partition = self.pseudo["AWS::AccountId"], self.pseudo["AWS::Partition"]
        shown = f"{'Ref' if attribute is None else 'GetAtt'} {name}{'' if attribute is None else '.' + attribute}"
        if kind == "AWS::IAM::Role":
            role_name = props.get("RoleName") if isinstance(props.get("RoleName"), str) else None
            if attribute is None and role_name:
                return str(role_name)  # Ref on a role is its name
            if attribute == "Arn" and role_name:
                path = props.get("Path") if isinstance(props.get("Path"), str) else "/"
                return f"arn:{partition}:iam::{account}:role{path}{role_name}"
            value = (
                f"arn:{partition}:iam::{account}:role/{PLACEHOLDER}-{name}"
                if attribute == "Arn"
                else f"{PLACEHOLDER}-{name}"
            )
        elif kind == "AWS::IAM::OIDCProvider" and attribute in (None, "Arn"):
            url = props.get("Url")
            if isinstance(url, str):
                return (
                    f"arn:{partition}:iam::{account}:oidc-provider/{url.removeprefix('https://')}"
                )
            value = f"arn:{partition}:iam::{account}:oidc-provider/{PLACEHOLDER}-{name}"
        elif kind == "AWS::IAM::SAMLProvider" and attribute in (None, "Arn"):
            value = f"arn:{partition}:iam::{account}:saml-provider/{PLACEHOLDER}-{name}"
        elif kind == "AWS::IAM::User" and attribute == "Arn":
            value = f"arn:{partition}:iam::{account}:user/{PLACEHOLDER}-{name}"
        else:
            value = f"arn:{partition}:{PLACEHOLDER}:{self.pseudo['AWS::Region']}:{account}:{name}/{attribute or 'Ref'}"
        self.placeholders.append(f"{pointer}: {shown} → {value}")
        return value

    def condition(self, name: str, pointer: str) -> bool:
        if name not in self.conditions:
            if name not in self.condition_specs:
                raise _Unresolvable(pointer, f"no condition named {name!r} in Conditions")
            where = _pointer.join("/Conditions", name)
            if name in self.evaluating:
                # CloudFormation refuses circular conditions; guessing a value would decide.
                raise _Unresolvable(where, f"the condition {name!r} depends on itself")
            self.evaluating.add(name)
            try:
                result = self.resolve(self.condition_specs[name], where)
            finally:
                self.evaluating.discard(name)
            if not isinstance(result, bool):
                raise _Unresolvable(where, "a condition must give true or false")
            self.conditions[name] = result
        return self.conditions[name]

    def resolve(self, value: object, pointer: str) -> object:
        self.depth += 1
        try:
            if self.depth > MAX_RESOLVE_DEPTH:
                raise _Unresolvable(
                    pointer,
                    f"intrinsic functions and conditions nest deeper than {MAX_RESOLVE_DEPTH} "
                    "levels",
                )
            return self._resolve(value, pointer)
        finally:
            self.depth -= 1

    def _resolve(self, value: object, pointer: str) -> object:
        if isinstance(value, str):
            if "{{resolve:" in value:
                raise _Unresolvable(
                    pointer,
                    f"the dynamic reference in {value!r} is resolved by CloudFormation at deploy "
                    "time (SSM / Secrets Manager)",
                )
            return value
        if isinstance(value, list):
            items = [self.resolve(item, _pointer.join(pointer, i)) for i, item in enumerate(value)]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            where = _pointer.join(pointer, name)
            if name == "Ref":
                return self.ref(argument, where)
            if name == "Condition" and isinstance(argument, str):
                return self.condition(argument, where)
            if name.startswith("Fn::"):
                return self.function(name, argument, where)
        out: dict[str, object] = {}
        for key, item in value.items():
            resolved = self.resolve(item, _pointer.join(pointer, key))
            if resolved is not _NO_VALUE:
                out[key] = resolved
        return out

    def function(self, name: str, argument: object, pointer: str) -> object:
        if name in ("Fn::ImportValue", "Fn::GetAZs", "Fn::Transform", "Fn::Cidr"):
            what = {
                "Fn::ImportValue": "reads another stack's export, which exists only in the deployed account",
                "Fn::GetAZs": "needs the Region's Availability Zones",
                "Fn::Transform": "runs a macro at deploy time",
                "Fn::Cidr": "is not needed in trust policies",
            }[name]
            raise _Unresolvable(pointer, f"{name} {what}; trustsim cannot resolve it offline")
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if not (
                isinstance(parts, list)
                and len(parts) == 2
                and isinstance(parts[0], str)
                and parts[0] in self.resources
            ):
                raise _Unresolvable(
                    pointer, "Fn::GetAtt takes [LogicalId, Attribute] of a resource in the template"
                )
            attribute = self.resolve(parts[1], _pointer.join(pointer, 1))
            return self._resource_value(parts[0], str(attribute), pointer)
        args = self.resolve(argument, pointer) if name != "Fn::If" else argument
        if name == "Fn::Sub":
            return self.sub(args, pointer)
        if name == "Fn::Join":
            return self.join(args, pointer)
        if name == "Fn::Select":
            if not (isinstance(args, list) and len(args) == 2 and isinstance(args[1], list)):
                raise _Unresolvable(pointer, "Fn::Select takes [index, [values…]]")
            try:
                index = int(str(args[0]))
            except ValueError:
                raise _Unresolvable(
                    pointer, f"Fn::Select: the index {args[0]!r} is not an integer"
                ) from None
            if not 0 <= index < len(args[1]):
                raise _Unresolvable(
                    pointer, f"Fn::Select index {index} is outside the list of {len(args[1])}"
                )
            return args[1][index]
        if name == "Fn::Split":
            if not (isinstance(args, list) and len(args) == 2):
                raise _Unresolvable(pointer, "Fn::Split takes [delimiter, text]")
            if not str(args[0]):
                raise _Unresolvable(pointer, "Fn::Split needs a delimiter that is not empty")
            return str(args[1]).split(str(args[0]))
        if name == "Fn::FindInMap":
            if not (isinstance(args, list) and len(args) >= 3):
                raise _Unresolvable(
                    pointer, "Fn::FindInMap takes [map, top-level key, second-level key]"
                )
            try:
                return self.mappings[str(args[0])][str(args[1])][str(args[2])]
            except (KeyError, TypeError):
                raise _Unresolvable(
                    pointer, f"Fn::FindInMap: no {args[0]}/{args[1]}/{args[2]} in Mappings"
                ) from None
        if name == "Fn::If":
            if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
                raise _Unresolvable(
                    pointer, "Fn::If takes [condition name, value if true, value if false]"
                )
            chosen = 1 if self.condition(args[0], pointer) else 2
            return self.resolve(args[chosen], _pointer.join(pointer, chosen))
        if name == "Fn::Equals":
            if not (isinstance(args, list) and len(args) == 2):
                raise _Unresolvable(pointer, "Fn::Equals takes two values")
            return args[0] == args[1]
        if name in ("Fn::Not", "Fn::And", "Fn::Or"):
            if not (isinstance(args, list) and all(isinstance(a, bool) for a in args)):
                raise _Unresolvable(pointer, f"{name} takes a list of conditions")
            # CloudFormation: Fn::Not takes one condition, Fn::And and Fn::Or 2 to 10.
            if not (len(args) == 1 if name == "Fn::Not" else 2 <= len(args) <= 10):
                wanted = "one condition" if name == "Fn::Not" else "2 to 10 conditions"
                raise _Unresolvable(pointer, f"{name} takes {wanted}, not {len(args)}")
            if name == "Fn::Not":
                return not args[0]
            return all(args) if name == "Fn::And" else any(args)
        if name == "Fn::Base64":
            if not isinstance(args, (str, int, float, Decimal)):
                raise _Unresolvable(pointer, "Fn::Base64 encodes a text value")
            return self.text(base64.b64encode(str(args).encode()).decode(), pointer)
        raise _Unresolvable(pointer, f"{name} is not an intrinsic function trustsim resolves")

    def join(self, args: object, pointer: str) -> str:
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[1], list)):
            raise _Unresolvable(pointer, "Fn::Join takes [delimiter, [values…]]")
        if not all(isinstance(item, (str, int, float, Decimal)) for item in args[1]):
            raise _Unresolvable(pointer, "Fn::Join joins text values")
        total = sum(len(str(item)) for item in args[1])
        total += len(str(args[0])) * max(0, len(args[1]) - 1)
        if total > MAX_INTRINSIC_CHARS:
            self.text("x" * (MAX_INTRINSIC_CHARS + 1), pointer)  # refused, nothing built
        return self.text(str(args[0]).join(str(item) for item in args[1]), pointer)

    def sub(self, args: object, pointer: str) -> str:
        if isinstance(args, str):
            template, variables = args, {}
        elif isinstance(args, list) and len(args) == 2 and isinstance(args[1], Mapping):
            template, variables = str(args[0]), dict(args[1])
        else:
            raise _Unresolvable(pointer, "Fn::Sub takes a string or [string, {variables}]")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} writes ${Literal}
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                resource, attribute = name.split(".", 1)
                return self._resource_value(resource, attribute, pointer)
            value = self.ref(name, pointer)
            if isinstance(value, list):
                raise _Unresolvable(pointer, f"Fn::Sub: ${{{name}}} is a list")
            return str(value)

        made = [len(template)]

        def counted(match: re.Match[str]) -> str:
            text = replace(match)
            made[0] += len(text)
            if made[0] > MAX_INTRINSIC_CHARS:
                self.text("x" * (MAX_INTRINSIC_CHARS + 1), pointer)  # refused before building
            return text

        return self.text(_SUB_VARIABLE.sub(counted, template), pointer)


_URL_SUFFIX = {"aws-cn": "amazonaws.com.cn"}
#: The stack UUID of ``AWS::StackId`` when no ``stack_id`` is given: UUID-shaped, so that
#: templates cutting the stack's UUID apart (``!Split ['-', …]``) resolve; all zeros but the
#: version digit, so that no real stack has it.
STACK_UUID_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _stack_arn(
    stack_id: str | None, partition: str, region: str, account: str, stack_name: str
) -> str:
    """``AWS::StackId``: the given stack ARN, an ARN around the given UUID, or the placeholder.

    >>> _stack_arn(None, "aws", "us-east-1", "111122223333", "app").rsplit("/", 1)[1]
    '00000000-0000-4000-8000-000000000000'
    >>> _stack_arn("not a stack", "aws", "us-east-1", "111122223333", "app")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidPolicy: invalid policy in stack_id: 1 problem
    (document): stack_id must be a stack ARN (arn:…:cloudformation:…:stack/NAME/UUID) or a UUID, ...
    """
    if stack_id is not None and not isinstance(stack_id, str):
        raise TypeError(f"stack_id must be a str, not {type(stack_id).__name__}")
    if stack_id is None:
        stack_id = STACK_UUID_PLACEHOLDER
    if _UUID.fullmatch(stack_id):
        return f"arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/{stack_id}"
    parts = stack_id.split("/")
    if (
        len(parts) == 3
        and parts[0].startswith("arn:")
        and parts[0].endswith(":stack")
        and ":cloudformation:" in parts[0]
        and _UUID.fullmatch(parts[2])
    ):
        return stack_id
    message = (
        "stack_id must be a stack ARN (arn:…:cloudformation:…:stack/NAME/UUID) or a UUID, "
        f"not {stack_id!r}"
    )
    raise InvalidPolicy([Problem(_SHAPE, "", message)], origin="stack_id")


def load_cloudformation(
    source: str | bytes | os.PathLike[str] | Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | Sequence[Any] | None = None,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    partition: str = "aws",
    stack_name: str = "trustsim-stack",
    stack_id: str | None = None,
    origin: str | None = None,
) -> tuple[IacRole, ...]:
    """Every ``AWS::IAM::Role`` of a CloudFormation (or CDK ``cdk.out``) template, resolved offline.

    ``parameters`` are the stack's parameter values in any of the three shapes
    cfn-policy-validator accepts: ``{"Name": value}`` (or ``{"Parameters": {...}}``),
    ``[{"ParameterKey": …, "ParameterValue": …}]`` or ``["Name=value"]``; a parameter with
    neither value nor ``Default`` used by a trust policy is an error. ``account_id``,
    ``region``, ``partition`` and ``stack_name`` give the pseudo-parameters; ``stack_id`` is
    the stack's ARN or its UUID (default: the UUID-shaped :data:`STACK_UUID_PLACEHOLDER`, so
    that the ``!Select [2, !Split ['/', !Ref AWS::StackId]]`` ExternalId idiom resolves, listed
    among the placeholders).


    >>> roles = load_cloudformation({
    ...     "Parameters": {"ExternalId": {"Type": "String"}},
    ...     "Resources": {
    ...         "Deployer": {"Type": "AWS::IAM::User"},
    ...         "Deploy": {"Type": "AWS::IAM::Role", "Properties": {
    ...             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...                 "Principal": {"AWS": {"Fn::GetAtt": ["Deployer", "Arn"]}}, "Action": "sts:AssumeRole",
    ...                 "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}}]}}}}},
    ...     parameters=["ExternalId=x-42"], account_id="111122223333")
    >>> statement = roles[0].trust_policy.statements[0]
    >>> statement.principal.aws, statement.condition[0].values
    (('arn:aws:iam::111122223333:user/TRUSTSIM-PLACEHOLDER-Deployer',), ('x-42',))
    >>> print(roles[0].placeholders[0])
    /Resources/Deploy/Properties/AssumeRolePolicyDocument/Statement/0/Principal/AWS/Fn::GetAtt:
    GetAtt Deployer.Arn → arn:aws:iam::111122223333:user/TRUSTSIM-PLACEHOLDER-Deployer

    Raises:
        InvalidPolicy: with every problem at once, each pointing into the template: an
            intrinsic that cannot be resolved offline (``UNRESOLVABLE_INTRINSIC``), or a
            resolved trust policy that AWS would refuse; or a ``parameters`` item in none
            of the three shapes (origin ``parameters``).
        OSError: the file cannot be read.
    """
    value, label, text, positions = _read(source, origin)
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            [Problem(_SHAPE, "", "a template is an object with Resources")], origin=label
        )
    pseudo = {
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": _URL_SUFFIX.get(partition, "amazonaws.com"),
        "AWS::StackName": stack_name,
        "AWS::StackId": _stack_arn(stack_id, partition, region, account_id, stack_name),
    }
    sections = ("Resources", "Parameters", "Mappings", "Conditions")
    misshapen = [
        Problem(_SHAPE, f"/{section}", f"{section} must be an object")
        for section in sections
        if value.get(section) is not None and not isinstance(value.get(section), Mapping)
    ]
    if misshapen:
        raise InvalidPolicy(misshapen, origin=label, text=text, positions=positions)
    resolver = _Resolver(value, _parameter_values(parameters), pseudo)
    problems: list[Problem] = []
    roles: list[IacRole] = []
    for name, resource in (value.get("Resources") or {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::IAM::Role":
            continue
        where = _pointer.join("/Resources", name)
        role = _cfn_role(resolver, name, resource, where, label, problems)
        if role is not None:
            roles.append(role)
    if problems:
        raise InvalidPolicy(dict.fromkeys(problems), origin=label, text=text, positions=positions)
    return tuple(roles)


def load_cdk_out(
    directory: str | os.PathLike[str],
    *,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    partition: str = "aws",
) -> tuple[IacRole, ...]:
    """Every role of every stack ``cdk synth`` wrote to ``directory`` (``cdk.out``).

    Each ``*.template.json`` (nested stacks' ``*.nested.template.json`` included) is read as a
    CloudFormation template whose stack name is the file's stem; addresses become
    ``<stack>/<logical ID>``, or the construct path CDK records in ``aws:cdk:path``.


    >>> import json, pathlib, tempfile
    >>> template = {"Resources": {"CiRoleA1B2C3": {"Type": "AWS::IAM::Role",
    ...     "Metadata": {"aws:cdk:path": "PipelineStack/CiRole/Resource"},
    ...     "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
    ...         "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": {"Fn::Join": ["",
    ...             ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}}]}}}}}
    >>> with tempfile.TemporaryDirectory() as cdk_out:
    ...     _ = (pathlib.Path(cdk_out) / "PipelineStack.template.json").write_text(json.dumps(template))
    ...     _ = (pathlib.Path(cdk_out) / "manifest.json").write_text("{}")
    ...     roles = load_cdk_out(cdk_out, account_id="111122223333")
    >>> [(role.address, role.trust_policy.statements[0].principal.aws) for role in roles]
    [('PipelineStack/CiRole/Resource', ('arn:aws:iam::111122223333:root',))]

    Raises:
        InvalidPolicy: as :func:`load_cloudformation`, for the first template that fails.
        OSError: a template cannot be read; :class:`~trustsim._files.RefusedFile` when it is
            not a regular file, resolves outside the directory or is too large.
    """
    found: list[IacRole] = []
    folder = Path(directory)
    # The directory is named like a file: its root is the current directory when it lies
    # under it (so a cdk.out symlinked out of the checkout is refused), else itself.
    root = root_of(folder / "manifest.json")
    for path in sorted(folder.glob("*.template.json")):
        stack = path.name.removesuffix(".template.json").removesuffix(".nested")
        # A template is read only if it is a regular file resolving inside the directory.
        data = read_reference(path.name, folder=folder, root=root)
        roles = load_cloudformation(
            data,
            account_id=account_id,
            region=region,
            partition=partition,
            stack_name=stack,
            origin=str(path),
        )
        # Read and checked above: every role comes from the template's Resources.
        resources: Any = read_json(data).value["Resources"] if roles else {}  # type: ignore[index]
        for role in roles:
            metadata = resources[role.address].get("Metadata")
            cdk_path = metadata.get("aws:cdk:path") if isinstance(metadata, Mapping) else None
            address = cdk_path if isinstance(cdk_path, str) else f"{stack}/{role.address}"
            found.append(attrs.evolve(role, address=address))
    return tuple(found)


def _cfn_role(  # noqa: PLR0917 - one role, with where it sits and where to report
    resolver: _Resolver,
    name: str,
    resource: Mapping[str, Any],
    where: str,
    label: str,
    problems: list[Problem],
) -> IacRole | None:
    condition = resource.get("Condition")
    try:
        if isinstance(condition, str) and not resolver.condition(
            condition, _pointer.join(where, "Condition")
        ):
            return None  # the stack does not create the role
        if not isinstance(resource.get("Properties", {}), Mapping):
            problems.append(
                Problem(_SHAPE, _pointer.join(where, "Properties"), "Properties must be an object")
            )
            return None
        props = _properties(resource)
        pointer = _pointer.join(where, "Properties", "AssumeRolePolicyDocument")
        if "AssumeRolePolicyDocument" not in props:
            problems.append(
                Problem(
                    _SHAPE,
                    _pointer.join(where, "Properties"),
                    "the role has no AssumeRolePolicyDocument",
                )
            )
            return None
        resolver.placeholders = []
        document = resolver.resolve(props["AssumeRolePolicyDocument"], pointer)
        arn = None
        role_name = resolver.resolve(
            props.get("RoleName"), _pointer.join(where, "Properties", "RoleName")
        )
        if isinstance(role_name, str):
            path = resolver.resolve(
                props.get("Path", "/"), _pointer.join(where, "Properties", "Path")
            )
            pseudo = resolver.pseudo
            arn = f"arn:{pseudo['AWS::Partition']}:iam::{pseudo['AWS::AccountId']}:role{path}{role_name}"
    except _Unresolvable as error:
        problems.append(Problem(_UNRESOLVABLE, error.pointer, error.message))
        return None
    policy = _parse_at(document, pointer, f"{label}#{pointer}", problems)
    if policy is None:
        return None
    return IacRole(
        name, policy, arn=arn, placeholders=tuple(resolver.placeholders), origin=f"{label}#{where}"
    )


def _properties(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, Mapping) else {}


def _parse_at(
    document: object, pointer: str, origin: str, problems: list[Problem]
) -> Policy | None:
    try:
        if isinstance(document, str):
            read = read_json(document)
            if read.problems:
                raise InvalidPolicy(read.problems)
            document = read.value
        if not isinstance(document, Mapping):
            problems.append(
                Problem(_SHAPE, pointer, "a trust policy must be an object or its JSON text")
            )
            return None
        return parse_document(dict(document), kind=PolicyKind.TRUST, origin=origin)
    except InvalidPolicy as error:
        problems += [attrs.evolve(p, pointer=pointer + p.pointer) for p in error.problems]
        return None


def _parameter_values(given: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, Any]:
    if given is None:
        return {}
    if isinstance(given, Mapping):
        inner = given.get("Parameters")
        return dict(inner) if isinstance(inner, Mapping) else dict(given)
    values: dict[str, Any] = {}
    for item in given:
        if isinstance(item, Mapping) and "ParameterKey" in item and "ParameterValue" in item:
            values[str(item["ParameterKey"])] = item["ParameterValue"]
        elif isinstance(item, str) and "=" in item:
            key, _, value = item.partition("=")
            values[key] = value
        else:
            # A value the caller meant but trustsim cannot read would fall back to the
            # Default silently (UsePreviousValue has no value offline either).
            message = (
                f"the parameter {item!r} is neither {{'ParameterKey': …, 'ParameterValue': …}} "
                "nor 'Name=value'"
            )
            raise InvalidPolicy([Problem(_SHAPE, "", message)], origin="parameters")
    return values


# --------------------------------------------------------------------------- Terraform


def load_terraform(
    source: str | bytes | os.PathLike[str] | Mapping[str, Any], *, origin: str | None = None
) -> tuple[IacRole, ...]:
    """Every ``aws_iam_role`` of ``terraform show -json`` output (a plan or a state).

    From a plan, a trust policy that depends on resources not yet created
    (``change.after_unknown.assume_role_policy``) is returned with ``trust_policy=None`` and
    :attr:`IacRole.unknown` saying so.


    >>> import json
    >>> trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    >>> plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
    ...         {"address": "aws_iam_role.web", "mode": "managed", "type": "aws_iam_role",
    ...          "values": {"name": "web", "assume_role_policy": trust}},
    ...         {"address": "aws_iam_role.ci", "mode": "managed", "type": "aws_iam_role",
    ...          "values": {"name": "ci"}}]}},
    ...     "resource_changes": [{"address": "aws_iam_role.ci", "type": "aws_iam_role",
    ...         "change": {"actions": ["create"], "after_unknown": {"assume_role_policy": True}}}]}
    >>> web, ci = load_terraform(plan, origin="plan.json")
    >>> web.trust_policy.statements[0].principal.service
    ('ec2.amazonaws.com',)
    >>> ci.trust_policy, ci.unknown
    (None, 'the trust policy is unknown until apply (it depends on values the plan creates)')

    Raises:
        InvalidPolicy: a known trust policy AWS would refuse; problems point into the file.
        OSError: the file cannot be read.
    """
    value, label, text, positions = _read(source, origin)
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            [Problem(_SHAPE, "", "terraform show -json gives an object")], origin=label
        )
    if not _TERRAFORM_KEYS & value.keys():
        raise InvalidPolicy([Problem(_SHAPE, "", _NOT_A_PLAN)], origin=label)
    problems: list[Problem] = []
    roles: dict[str, IacRole] = {}
    unknown: dict[str, str] = {}
    changes = value.get("resource_changes")
    for index, change in enumerate(changes if isinstance(changes, list) else []):
        if not isinstance(change, Mapping) or change.get("type") != "aws_iam_role":
            continue
        after_unknown = _at(change, "/change/after_unknown")
        if isinstance(after_unknown, Mapping) and after_unknown.get("assume_role_policy") is True:
            unknown[str(change.get("address"))] = f"/resource_changes/{index}"
    for module_pointer in ("/planned_values/root_module", "/values/root_module"):
        module = _at(value, module_pointer)
        if isinstance(module, Mapping):
            _terraform_module(module, module_pointer, label, unknown, roles, problems)
    for address, pointer in unknown.items():
        if address not in roles or roles[address].trust_policy is None:
            roles[address] = IacRole(
                address, None, unknown="the trust policy is unknown until apply (it depends on "
                "values the plan creates)",
                origin=f"{label}#{pointer}",
            )  # fmt: skip
    if problems:
        raise InvalidPolicy(dict.fromkeys(problems), origin=label, text=text, positions=positions)
    return tuple(roles.values())


#: The top-level keys of ``terraform show -json`` output: one of them is in every plan and state.
_TERRAFORM_KEYS = frozenset({"format_version", "planned_values", "values", "resource_changes"})
_NOT_A_PLAN = (
    "not terraform show -json output (a plan or a state): it has none of format_version, "
    "planned_values, values, resource_changes; a pytest-terraform tf_resources.json or a raw "
    "terraform.tfstate is not read: run `terraform show -json` on the plan or state"
)


def _at(value: object, pointer: str) -> object:
    for token in _pointer.split(pointer):
        if not isinstance(value, Mapping) or token not in value:
            return None
        value = value[token]
    return value


def _terraform_module(  # noqa: PLR0917 - a walk carrying its accumulators
    root: Mapping[str, Any],
    root_pointer: str,
    label: str,
    unknown: Mapping[str, str],
    roles: dict[str, IacRole],
    problems: list[Problem],
) -> None:
    """Every role of a module and of its child modules, depth first, without recursion."""
    pending: list[tuple[Mapping[str, Any], str]] = [(root, root_pointer)]
    while pending:
        module, pointer = pending.pop()
        resources = module.get("resources")
        for index, resource in enumerate(resources if isinstance(resources, list) else []):
            where = _pointer.join(pointer, "resources", index)
            _terraform_role(resource, where, label, unknown, roles, problems)
        children = module.get("child_modules")
        found = list(enumerate(children if isinstance(children, list) else []))
        pending += [
            (child, _pointer.join(pointer, "child_modules", index))
            for index, child in reversed(found)
            if isinstance(child, Mapping)
        ]


def _terraform_role(  # noqa: PLR0917 - one resource, with where it sits and where to report
    resource: object,
    where: str,
    label: str,
    unknown: Mapping[str, str],
    roles: dict[str, IacRole],
    problems: list[Problem],
) -> None:
    if (
        not isinstance(resource, Mapping)
        or resource.get("type") != "aws_iam_role"
        or resource.get("mode", "managed") != "managed"
    ):
        return
    address = str(resource.get("address"))
    arn = _at(resource, "/values/arn")
    document = _at(resource, "/values/assume_role_policy")
    if document is None:
        if address not in unknown:
            problems.append(
                Problem(
                    _SHAPE, _pointer.join(where, "values"), f"{address} has no assume_role_policy"
                )
            )
        return
    policy_pointer = _pointer.join(where, "values", "assume_role_policy")
    policy = _parse_at(document, policy_pointer, f"{label}#{policy_pointer}", problems)
    if policy is not None:
        roles[address] = IacRole(
            address, policy, arn=arn if isinstance(arn, str) else None, origin=f"{label}#{where}"
        )
