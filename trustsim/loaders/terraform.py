"""Trust policies from ``terraform show -json`` output, a plan or a state (docs/loaders.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from trustsim import _pointer
from trustsim.errors import InvalidPolicy, Problem
from trustsim.loaders.iac_role import IacRole, parse_trust_at
from trustsim.loaders.source_text import SHAPE, read_source

__all__ = ["load_terraform"]


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
    value, label, text, positions = read_source(source, origin)
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            [Problem(SHAPE, "", "terraform show -json gives an object")], origin=label
        )
    if not _TERRAFORM_KEYS & value.keys():
        raise InvalidPolicy([Problem(SHAPE, "", _NOT_A_PLAN)], origin=label)
    walk = _Walk(label)
    changes = value.get("resource_changes")
    for index, change in enumerate(changes if isinstance(changes, list) else []):
        if not isinstance(change, Mapping) or change.get("type") != "aws_iam_role":
            continue
        after_unknown = _at(change, "/change/after_unknown")
        if isinstance(after_unknown, Mapping) and after_unknown.get("assume_role_policy") is True:
            walk.unknown[str(change.get("address"))] = f"/resource_changes/{index}"
    for module_pointer in ("/planned_values/root_module", "/values/root_module"):
        module = _at(value, module_pointer)
        if isinstance(module, Mapping):
            walk.module(module, module_pointer)
    roles = walk.roles
    for address, pointer in walk.unknown.items():
        if address not in roles or roles[address].trust_policy is None:
            roles[address] = IacRole(
                address, None, unknown="the trust policy is unknown until apply (it depends on "
                "values the plan creates)",
                origin=f"{label}#{pointer}",
            )  # fmt: skip
    if walk.problems:
        raise InvalidPolicy(
            dict.fromkeys(walk.problems), origin=label, text=text, positions=positions
        )
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


class _Walk:
    """The roles of a plan's modules, as they are found: by address, with every problem."""

    def __init__(self, label: str) -> None:
        self.label = label
        #: The address of each role whose trust policy the plan cannot know, and where.
        self.unknown: dict[str, str] = {}
        self.roles: dict[str, IacRole] = {}
        self.problems: list[Problem] = []

    def module(self, root: Mapping[str, Any], root_pointer: str) -> None:
        """Every role of a module and of its child modules, depth first, without recursion."""
        pending: list[tuple[Mapping[str, Any], str]] = [(root, root_pointer)]
        while pending:
            module, pointer = pending.pop()
            resources = module.get("resources")
            for index, resource in enumerate(resources if isinstance(resources, list) else []):
                self.role(resource, _pointer.join(pointer, "resources", index))
            children = module.get("child_modules")
            found = list(enumerate(children if isinstance(children, list) else []))
            pending += [
                (child, _pointer.join(pointer, "child_modules", index))
                for index, child in reversed(found)
                if isinstance(child, Mapping)
            ]

    def role(self, resource: object, where: str) -> None:
        """The role ``resource`` declares, if it is a managed ``aws_iam_role``."""
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
            if address not in self.unknown:
                message = f"{address} has no assume_role_policy"
                self.problems.append(Problem(SHAPE, _pointer.join(where, "values"), message))
            return
        at = _pointer.join(where, "values", "assume_role_policy")
        policy = parse_trust_at(document, at, f"{self.label}#{at}", self.problems)
        if policy is not None:
            self.roles[address] = IacRole(
                address,
                policy,
                arn=arn if isinstance(arn, str) else None,
                origin=f"{self.label}#{where}",
            )
