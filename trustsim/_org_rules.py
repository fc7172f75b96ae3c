"""The rules AWS Organizations applies to SCP and RCP levels, shared by callers and inventory.

Sources (Organizations user guide, in trustsim's words; see docs/organizations.md):

* RCP syntax: ``Allow`` is supported only in the AWS-managed ``RCPFullAWSAccess`` policy; a
  customer RCP can only deny.
* RCP evaluation: ``RCPFullAWSAccess`` is attached to the root, every OU and every account once
  RCPs are enabled, and cannot be detached — so every RCP level lets everything through and
  only ``Deny`` statements restrict.
* SCPs and RCPs are attached per level: the root, each OU on the account's path, the account.
  An account's path ``o-…/r-…/ou-…/`` therefore names exactly as many levels as it has parts.

>>> level_names(("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",), 3)
('root r-ab12', 'OU ou-ab12-11111111', 'account')
>>> level_names((), 3)
('root', 'first OU', 'account')
"""

from __future__ import annotations

from collections.abc import Sequence

from trustsim import _pointer
from trustsim.errors import Problem
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement

__all__ = [
    "RCP_ALLOW_AWS_SAYS",
    "check_levels",
    "is_rcp_full_access",
    "level_names",
    "rcp_allow_problem",
]

#: What Organizations answers to a customer RCP that allows.
RCP_ALLOW_AWS_SAYS = (
    "MalformedPolicyException: The provided policy document does not meet the requirements "
    "of the specified policy type."
)

_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def is_rcp_full_access(statement: Statement) -> bool:
    """Whether ``statement`` is the one statement of AWS's ``RCPFullAWSAccess`` policy.

    (Allow, ``Principal`` ``"*"`` or none, ``Action`` ``"*"``, ``Resource`` ``"*"``, no
    condition.)

    >>> from trustsim.parsing import parse_policy
    >>> full = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": "*", "Action": "*", "Resource": "*"}}, kind=PolicyKind.RCP)
    >>> is_rcp_full_access(full.statements[0])
    True
    """
    return (
        statement.effect is Effect.ALLOW
        and statement.principal in (None, Principal(star=True))
        and statement.not_principal is None
        and statement.action == ("*",)
        and statement.not_action is None
        and statement.resource == ("*",)
        and statement.not_resource is None
        and not statement.condition
    )


def rcp_allow_problem(statement: Statement) -> Problem | None:
    """The problem of an ``Allow`` statement in a customer RCP, or ``None``."""
    if statement.effect is not Effect.ALLOW or is_rcp_full_access(statement):
        return None
    return Problem(
        "RCP_ALLOW",
        _pointer.join(statement.pointer, "Effect"),
        'a resource control policy can only deny: "The effect of Allow is only supported for '
        'the RCPFullAWSAccess policy", which AWS attaches to every level itself',
        RCP_ALLOW_AWS_SAYS,
    )


def level_names(paths: Sequence[str], count: int) -> tuple[str, ...]:
    """The name of each of ``count`` policy levels, root first, for messages.

    With the account's path, the root and each OU are named by their IDs; without, by their
    place. A single level (no path given) is "the only level".
    """
    if count == 1:
        return ("only",)
    parts = paths[0].rstrip("/").split("/")[1:] if paths else []
    if len(parts) == count - 1:
        return (f"root {parts[0]}", *(f"OU {unit}" for unit in parts[1:]), "account")
    middle = tuple(
        f"{_ORDINALS[i]} OU" if i < len(_ORDINALS) else f"OU {i + 1}" for i in range(count - 2)
    )
    return ("root", *middle, "account")


def check_levels(
    field: str, levels: Sequence[Sequence[Policy]], kind: PolicyKind, paths: Sequence[str]
) -> str | None:
    """What is wrong with one membership's ``scps`` or ``rcps`` levels, or ``None``.

    The levels hold :class:`~trustsim.model.Policy` values of ``kind`` already (their types
    are the caller's checks, ``trustsim._caller_checks.check_policy_levels``); here are
    Organizations' rules: an RCP only denies, and with a path there is one level per part of
    it (root, each OU, the account).
    """
    if kind is PolicyKind.RCP:
        for i, level in enumerate(levels):
            for j, policy in enumerate(level):
                for statement in policy.statements:
                    problem = rcp_allow_problem(statement)
                    if problem is not None:
                        return f"{field}[{i}][{j}] {problem.pointer}: {problem.message}"
    if levels and paths:
        expected = len(paths[0].rstrip("/").split("/"))
        if len(levels) != expected:
            return (
                f"{field} has {len(levels)} levels but the path {paths[0]!r} has {expected} "
                f"(the root, {expected - 2} OU(s), the account)"
            )
    return None
