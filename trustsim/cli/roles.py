"""The role and the callers ``check`` and ``explain`` decide, built from their options.

>>> from trustsim.parsing import parse_policy
>>> policy = parse_policy({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
...     "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}}})
>>> default_role_arn(policy)
'arn:aws:iam::111122223333:role/trustsim-role'
>>> context(["aws:SourceAccount=1", "k=a", "k=b"])
{'aws:SourceAccount': '1', 'k': ('a', 'b')}
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import attrs

from trustsim import _files
from trustsim.callers import IamUser, OrgMembership, Role, RoleSession
from trustsim.cli import options
from trustsim.cli.output import reason
from trustsim.context import ContextValue
from trustsim.errors import InvalidPolicy
from trustsim.inventory import RCP_FULL_AWS_ACCESS
from trustsim.lint import default_role_arn
from trustsim.loaders import load_policy
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy

__all__ = [
    "UsageError",
    "context",
    "default_role_arn",
    "iam_caller",
    "pairs",
    "rcp_options",
    "read_policy",
    "role_arn_option",
    "role_org",
    "sts_allowing",
]


class UsageError(Exception):
    """A command-line value that cannot be used; reported as ``trustsim CMD: error: …``."""


def read_policy(name: str, kind: PolicyKind) -> Policy:
    """A policy file (``-``: standard input), read within the read boundary (docs/security.md)."""
    if name == "-":
        return load_policy(_files.read_stdin(), kind=kind, origin="<stdin>")
    return load_policy(Path(name), kind=kind, origin=name)


def pairs(option: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """``KEY=VALUE`` texts as pairs; :class:`UsageError` names ``option`` for any other."""
    found = []
    for text in values:
        key, equals, value = text.partition("=")
        if not equals or not key:
            raise UsageError(f"{option} {text!r}: expected KEY=VALUE")
        found.append((key, value))
    return found


def context(values: Sequence[str]) -> dict[str, ContextValue]:
    """``--context KEY=VALUE`` options; a key given twice is multi-valued."""
    merged: dict[str, list[str]] = {}
    for key, value in pairs("--context", values):
        merged.setdefault(key, []).append(value)
    return {key: items[0] if len(items) == 1 else tuple(items) for key, items in merged.items()}


def sts_allowing(role_arn: str) -> Policy:
    """``--caller-allowed``'s identity policy: every STS action on the role."""
    allow = {"Effect": "Allow", "Action": "sts:*", "Resource": role_arn}
    document = {"Version": "2012-10-17", "Statement": [allow]}
    return parse_policy(document, kind=PolicyKind.IDENTITY, origin="--caller-allowed")


def iam_caller(
    caller: IamUser | RoleSession,
    arguments: argparse.Namespace,
    role_arn: str,
    policies: tuple[Policy, ...] = (),
) -> IamUser | RoleSession:
    """An IAM caller with its identity ``policies``, --caller-allowed's and --org-id's org."""
    if arguments.caller_allowed:
        policies += (sts_allowing(role_arn),)
    if policies:
        caller = attrs.evolve(caller, policies=(*caller.policies, *policies))
    if arguments.org_id is not None:
        caller = attrs.evolve(caller, org=OrgMembership(arguments.org_id))
    return caller


def rcp_options(parser: argparse.ArgumentParser) -> None:
    """``--role-org-id`` and ``--rcp``: the role's organisation and its resource control policies."""
    parser.add_argument(
        "--role-org-id",
        metavar="ID",
        help="the role's organization (aws:ResourceOrgID; default: --org-id when --rcp is given)",
    )
    options.repeated(
        parser,
        "--rcp",
        "FILE",
        "a resource control policy over the role's account (repeat for several; only "
        "their Deny statements restrict: RCPFullAWSAccess is always attached)",
    )


def role_arn_option(parser: argparse.ArgumentParser) -> None:
    """``--role-arn``, defaulting to a role in the account of the policy's identity provider."""
    options.role_arn_option(
        parser,
        "the role's ARN (default: role/trustsim-role in the account of the policy's "
        "first identity provider, else 123456789012)",
    )


def role_org(role: Role, arguments: argparse.Namespace) -> Role:
    """The role with --role-org-id's organisation and the --rcp policies over its account."""
    files: list[str] = arguments.rcp
    org_id = arguments.role_org_id or (arguments.org_id if files else None)
    if org_id is None:
        if files:
            raise UsageError("--rcp needs the role's organization: give --role-org-id")
        return role
    try:
        rcps = tuple(read_policy(name, PolicyKind.RCP) for name in files)
    except InvalidPolicy as error:
        raise UsageError(f"--rcp: {error}") from None
    except OSError as error:
        raise UsageError(f"--rcp: cannot read {error.filename}: {reason(error)}") from None
    levels = [(RCP_FULL_AWS_ACCESS, *rcps)] if rcps else []
    return attrs.evolve(role, org=OrgMembership(org_id, rcps=levels))
