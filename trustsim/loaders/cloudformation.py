"""Trust policies from CloudFormation templates and CDK ``cdk.out`` folders (docs/loaders.md).

The templates' intrinsic functions are resolved offline (:mod:`trustsim.loaders.intrinsics`);
what only exists after deployment is a marked placeholder, what cannot be known offline a
precise error pointing into the template.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim import _pointer
from trustsim._files import read_reference, root_of
from trustsim.errors import InvalidPolicy, Problem
from trustsim.loaders.iac_role import IacRole, parse_trust_at
from trustsim.loaders.intrinsics import (
    STACK_UUID_PLACEHOLDER,
    UNRESOLVABLE,
    Resolver,
    Unresolvable,
    properties,
)
from trustsim.loaders.json_text import read_json
from trustsim.loaders.source_text import SHAPE, read_source

__all__ = ["load_cdk_out", "load_cloudformation", "stack_arn"]


_URL_SUFFIX = {"aws-cn": "amazonaws.com.cn"}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def stack_arn(
    stack_id: str | None, partition: str, region: str, account: str, stack_name: str
) -> str:
    """``AWS::StackId``: the given stack ARN, an ARN around the given UUID, or the placeholder.

    >>> stack_arn(None, "aws", "us-east-1", "111122223333", "app").rsplit("/", 1)[1]
    '00000000-0000-4000-8000-000000000000'
    >>> stack_arn("not a stack", "aws", "us-east-1", "111122223333", "app")
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
    raise InvalidPolicy([Problem(SHAPE, "", message)], origin="stack_id")


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
    value, label, text, positions = read_source(source, origin)
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            [Problem(SHAPE, "", "a template is an object with Resources")], origin=label
        )
    pseudo = {
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": _URL_SUFFIX.get(partition, "amazonaws.com"),
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_arn(stack_id, partition, region, account_id, stack_name),
    }
    sections = ("Resources", "Parameters", "Mappings", "Conditions")
    misshapen = [
        Problem(SHAPE, f"/{section}", f"{section} must be an object")
        for section in sections
        if value.get(section) is not None and not isinstance(value.get(section), Mapping)
    ]
    if misshapen:
        raise InvalidPolicy(misshapen, origin=label, text=text, positions=positions)
    resolver = Resolver(value, _parameter_values(parameters), pseudo)
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
    resolver: Resolver,
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
                Problem(SHAPE, _pointer.join(where, "Properties"), "Properties must be an object")
            )
            return None
        props = properties(resource)
        pointer = _pointer.join(where, "Properties", "AssumeRolePolicyDocument")
        if "AssumeRolePolicyDocument" not in props:
            problems.append(
                Problem(
                    SHAPE,
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
    except Unresolvable as error:
        problems.append(Problem(UNRESOLVABLE, error.pointer, error.message))
        return None
    policy = parse_trust_at(document, pointer, f"{label}#{pointer}", problems)
    if policy is None:
        return None
    return IacRole(
        name, policy, arn=arn, placeholders=tuple(resolver.placeholders), origin=f"{label}#{where}"
    )


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
            raise InvalidPolicy([Problem(SHAPE, "", message)], origin="parameters")
    return values
