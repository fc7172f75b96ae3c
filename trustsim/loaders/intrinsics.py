"""CloudFormation's intrinsic functions, resolved offline (docs/loaders.md).

``Ref`` to parameters and pseudo-parameters, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``,
``Fn::Split``, ``Fn::FindInMap``, ``Fn::If`` with ``Conditions``, ``Fn::Base64`` have an answer
offline; ``Fn::GetAtt`` and ``Ref`` to another resource become an ARN-shaped value marked
:data:`PLACEHOLDER`; the rest is :class:`Unresolvable`. Each function's output is bounded
(:data:`MAX_INTRINSIC_CHARS`, :data:`MAX_PRODUCED_CHARS`, :data:`MAX_RESOLVE_DEPTH`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trustsim import _pointer

__all__ = [
    "MAX_INTRINSIC_CHARS",
    "MAX_PRODUCED_CHARS",
    "MAX_RESOLVE_DEPTH",
    "PLACEHOLDER",
    "STACK_UUID_PLACEHOLDER",
    "UNRESOLVABLE",
    "Resolver",
    "Unresolvable",
    "properties",
]

#: The marker in every value trustsim makes up for something known only after deployment.
PLACEHOLDER = "TRUSTSIM-PLACEHOLDER"
#: The stack UUID of ``AWS::StackId`` when no ``stack_id`` is given: UUID-shaped, so that
#: templates cutting the stack's UUID apart (``!Split ['-', …]``) resolve; all zeros but the
#: version digit, so that no real stack has it.
STACK_UUID_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
#: The code of a problem with an intrinsic function that has no answer offline.
UNRESOLVABLE = "UNRESOLVABLE_INTRINSIC"


class Unresolvable(Exception):
    """An intrinsic function with no answer offline, at ``pointer`` in the template."""

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


class Resolver:
    """One template's parameters, mappings and conditions, resolving its intrinsic functions.

    ``placeholders`` lists the made-up values of the last document resolved.
    """

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
            raise Unresolvable(
                pointer,
                f"the intrinsic function makes a string of {len(value):,} characters, more than "
                f"the limit of {MAX_INTRINSIC_CHARS:,}",
            )
        self.produced += len(value)
        if self.produced > MAX_PRODUCED_CHARS:
            raise Unresolvable(
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
        """The value of ``Ref``: a parameter, a pseudo-parameter, or a resource placeholder."""
        if not isinstance(name, str):
            raise Unresolvable(pointer, "Ref takes the name of a parameter or resource")
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            if name == "AWS::StackId" and STACK_UUID_PLACEHOLDER in self.pseudo[name]:
                self.placeholders.append(f"{pointer}: Ref {name} → {self.pseudo[name]}")
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise Unresolvable(pointer, f"the pseudo-parameter {name} has no value offline")
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Parameters") or {}):
            raise Unresolvable(
                pointer, f"the parameter {name} has no Default; give its value (parameters=…)"
            )
        if name in self.resources:
            return self._resource_value(name, None, pointer)
        raise Unresolvable(pointer, f"Ref {name}: no parameter or resource of that name")

    def _resource_value(self, name: str, attribute: str | None, pointer: str) -> str:
        resource = self.resources[name] if isinstance(self.resources.get(name), Mapping) else {}
        kind = resource.get("Type", "")
        props = properties(resource)
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
        """Whether the template's condition ``name`` holds (each evaluated once)."""
        if name not in self.conditions:
            if name not in self.condition_specs:
                raise Unresolvable(pointer, f"no condition named {name!r} in Conditions")
            where = _pointer.join("/Conditions", name)
            if name in self.evaluating:
                # CloudFormation refuses circular conditions; guessing a value would decide.
                raise Unresolvable(where, f"the condition {name!r} depends on itself")
            self.evaluating.add(name)
            try:
                result = self.resolve(self.condition_specs[name], where)
            finally:
                self.evaluating.discard(name)
            if not isinstance(result, bool):
                raise Unresolvable(where, "a condition must give true or false")
            self.conditions[name] = result
        return self.conditions[name]

    def resolve(self, value: object, pointer: str) -> object:
        """A value with every intrinsic function in it resolved (bounded in depth)."""
        self.depth += 1
        try:
            if self.depth > MAX_RESOLVE_DEPTH:
                raise Unresolvable(
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
                raise Unresolvable(
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
        """The value of the intrinsic function ``name`` applied to ``argument``."""
        if name in ("Fn::ImportValue", "Fn::GetAZs", "Fn::Transform", "Fn::Cidr"):
            what = {
                "Fn::ImportValue": "reads another stack's export, which exists only in the deployed account",
                "Fn::GetAZs": "needs the Region's Availability Zones",
                "Fn::Transform": "runs a macro at deploy time",
                "Fn::Cidr": "is not needed in trust policies",
            }[name]
            raise Unresolvable(pointer, f"{name} {what}; trustsim cannot resolve it offline")
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if not (
                isinstance(parts, list)
                and len(parts) == 2
                and isinstance(parts[0], str)
                and parts[0] in self.resources
            ):
                raise Unresolvable(
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
                raise Unresolvable(pointer, "Fn::Select takes [index, [values…]]")
            try:
                index = int(str(args[0]))
            except ValueError:
                raise Unresolvable(
                    pointer, f"Fn::Select: the index {args[0]!r} is not an integer"
                ) from None
            if not 0 <= index < len(args[1]):
                raise Unresolvable(
                    pointer, f"Fn::Select index {index} is outside the list of {len(args[1])}"
                )
            return args[1][index]
        if name == "Fn::Split":
            if not (isinstance(args, list) and len(args) == 2):
                raise Unresolvable(pointer, "Fn::Split takes [delimiter, text]")
            if not str(args[0]):
                raise Unresolvable(pointer, "Fn::Split needs a delimiter that is not empty")
            return str(args[1]).split(str(args[0]))
        if name == "Fn::FindInMap":
            if not (isinstance(args, list) and len(args) >= 3):
                raise Unresolvable(
                    pointer, "Fn::FindInMap takes [map, top-level key, second-level key]"
                )
            try:
                return self.mappings[str(args[0])][str(args[1])][str(args[2])]
            except (KeyError, TypeError):
                raise Unresolvable(
                    pointer, f"Fn::FindInMap: no {args[0]}/{args[1]}/{args[2]} in Mappings"
                ) from None
        if name == "Fn::If":
            if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
                raise Unresolvable(
                    pointer, "Fn::If takes [condition name, value if true, value if false]"
                )
            chosen = 1 if self.condition(args[0], pointer) else 2
            return self.resolve(args[chosen], _pointer.join(pointer, chosen))
        if name == "Fn::Equals":
            if not (isinstance(args, list) and len(args) == 2):
                raise Unresolvable(pointer, "Fn::Equals takes two values")
            return args[0] == args[1]
        if name in ("Fn::Not", "Fn::And", "Fn::Or"):
            if not (isinstance(args, list) and all(isinstance(a, bool) for a in args)):
                raise Unresolvable(pointer, f"{name} takes a list of conditions")
            # CloudFormation: Fn::Not takes one condition, Fn::And and Fn::Or 2 to 10.
            if not (len(args) == 1 if name == "Fn::Not" else 2 <= len(args) <= 10):
                wanted = "one condition" if name == "Fn::Not" else "2 to 10 conditions"
                raise Unresolvable(pointer, f"{name} takes {wanted}, not {len(args)}")
            if name == "Fn::Not":
                return not args[0]
            return all(args) if name == "Fn::And" else any(args)
        if name == "Fn::Base64":
            if not isinstance(args, (str, int, float, Decimal)):
                raise Unresolvable(pointer, "Fn::Base64 encodes a text value")
            return self.text(base64.b64encode(str(args).encode()).decode(), pointer)
        raise Unresolvable(pointer, f"{name} is not an intrinsic function trustsim resolves")

    def join(self, args: object, pointer: str) -> str:
        """The value of ``Fn::Join``."""
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[1], list)):
            raise Unresolvable(pointer, "Fn::Join takes [delimiter, [values…]]")
        if not all(isinstance(item, (str, int, float, Decimal)) for item in args[1]):
            raise Unresolvable(pointer, "Fn::Join joins text values")
        total = sum(len(str(item)) for item in args[1])
        total += len(str(args[0])) * max(0, len(args[1]) - 1)
        if total > MAX_INTRINSIC_CHARS:
            self.text("x" * (MAX_INTRINSIC_CHARS + 1), pointer)  # refused, nothing built
        return self.text(str(args[0]).join(str(item) for item in args[1]), pointer)

    def sub(self, args: object, pointer: str) -> str:
        """The value of ``Fn::Sub``, its variables counted against the bounds."""
        if isinstance(args, str):
            template, variables = args, {}
        elif isinstance(args, list) and len(args) == 2 and isinstance(args[1], Mapping):
            template, variables = str(args[0]), dict(args[1])
        else:
            raise Unresolvable(pointer, "Fn::Sub takes a string or [string, {variables}]")

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
                raise Unresolvable(pointer, f"Fn::Sub: ${{{name}}} is a list")
            return str(value)

        made = [len(template)]

        def counted(match: re.Match[str]) -> str:
            text = replace(match)
            made[0] += len(text)
            if made[0] > MAX_INTRINSIC_CHARS:
                self.text("x" * (MAX_INTRINSIC_CHARS + 1), pointer)  # refused before building
            return text

        return self.text(_SUB_VARIABLE.sub(counted, template), pointer)


def properties(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    """A resource's ``Properties``, or nothing when it has none (or no object)."""
    props = resource.get("Properties")
    return props if isinstance(props, Mapping) else {}
