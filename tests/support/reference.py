"""A deliberately naive AssumeRole evaluator written straight from docs/semantics.md §3–§4.

No compilation, no indexes, no caches: it reads raw JSON policy dicts every time, loops over
every principal value, and uses the naive condition and wildcard oracles of
:mod:`tests.support.reference_conditions`. Property tests check trustsim's compiled evaluator against it.

A caller is a plain dict::

    {"kind": "user" | "role_session" | "root" | "anonymous" | "service" | "oidc" | "saml",
     "arn": user / session / root ARN, "role_arn": a session's role ARN (with path),
     "name": service name or federated provider,
     "identity": [policy, ...], "boundary": policy | None, "session_policy": policy | None,
     "scps": [[policy, ...], ...] (empty: not in an organisation, or management account)}
"""

from __future__ import annotations

from typing import Any

from tests.support.reference_conditions import condition_matches, wildcard_match

Json = dict[str, Any]


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statements(policy: Json) -> list[Json]:
    return _listify(policy["Statement"])


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _caller_account(caller: Json) -> tuple[str, str] | None:
    arn = caller.get("role_arn") or caller.get("arn")
    parts = _arn_parts(arn) if arn else None
    return (parts[1], parts[4]) if parts else None


def principal_kind(principal: Any, caller: Json, role_partition: str) -> str:
    """§3.12, one value at a time; the most specific kind found wins."""
    if principal == "*":
        return "STAR"
    kinds: set[str] = set()
    kind = caller["kind"]
    for value in _listify(principal.get("Service")):
        if kind == "service" and value == caller["name"]:
            kinds.add("SERVICE")
    for value in _listify(principal.get("Federated")):
        if kind in ("oidc", "saml") and value == caller["name"]:
            kinds.add("FEDERATED")
    if kind in ("user", "role_session"):
        partition, account = _caller_account(caller)  # type: ignore[misc]
        for value in _listify(principal.get("AWS")):
            if value == "*":
                kinds.add("STAR")
            elif value.isdigit() and len(value) == 12:
                if value == account and partition == role_partition:
                    kinds.add("ACCOUNT")
            elif value == f"arn:{partition}:iam::{account}:root":
                kinds.add("ACCOUNT")
            elif kind == "user" and value == caller["arn"]:
                kinds.add("USER")
            elif kind == "role_session" and value == caller["role_arn"]:
                kinds.add("ROLE")
            elif kind == "role_session" and value == caller["arn"]:
                kinds.add("SESSION")
    for best in ("SESSION", "ROLE", "USER", "SERVICE", "FEDERATED", "STAR", "ACCOUNT"):
        if best in kinds:
            return best
    return "NO"


def _action_matches(statement: Json, action: str) -> bool:
    if "Action" in statement:
        return any(wildcard_match(a.lower(), action.lower()) for a in _listify(statement["Action"]))
    return not any(
        wildcard_match(a.lower(), action.lower()) for a in _listify(statement["NotAction"])
    )


def _resource_matches(statement: Json, role_arn: str) -> bool:
    if "Resource" in statement:
        return any(wildcard_match(r, role_arn) for r in _listify(statement["Resource"]))
    if "NotResource" in statement:
        return not any(wildcard_match(r, role_arn) for r in _listify(statement["NotResource"]))
    return True


def _applies(
    statement: Json, policy: Json, caller: Json, role_arn: str, action: str, context: dict[str, Any]
) -> str:
    """ "NO", or the principal kind of a statement that applies."""
    kind = "STAR"
    if "Principal" in statement:
        kind = principal_kind(statement["Principal"], caller, role_arn.split(":")[1])
        if kind == "NO":
            return "NO"
    if not _action_matches(statement, action) or not _resource_matches(statement, role_arn):
        return "NO"
    if not condition_matches(
        statement.get("Condition", {}), context, version=policy.get("Version")
    ):
        return "NO"
    return kind


def _verdict(
    policy: Json, caller: Json, role_arn: str, action: str, context: dict[str, Any]
) -> tuple[bool, bool]:
    """(some Deny applies, some Allow applies)."""
    deny = allow = False
    for statement in _statements(policy):
        if _applies(statement, policy, caller, role_arn, action, context) != "NO":
            if statement["Effect"] == "Deny":
                deny = True
            else:
                allow = True
    return deny, allow


def decide_action(
    trust: Json, caller: Json, role_arn: str, action: str, context: dict[str, Any]
) -> str:
    """Allow / ExplicitDeny / ImplicitDeny for one action (docs/semantics.md §4.1–§4.9)."""
    kind = caller["kind"]
    if kind in ("root", "anonymous"):
        return "ImplicitDeny"  # §3.9
    iam = kind in ("user", "role_session")
    identity = caller.get("identity", []) if iam else []
    boundary = caller.get("boundary") if iam else None
    session = caller.get("session_policy") if iam else None
    scps = caller.get("scps", []) if iam else []

    denied = False
    for policy in [
        trust,
        *identity,
        *(p for p in (boundary, session) if p),
        *(p for lvl in scps for p in lvl),
    ]:
        deny, _ = _verdict(policy, caller, role_arn, action, context)
        denied = denied or deny
    if denied:
        return "ExplicitDeny"
    for level in scps:
        if not any(_verdict(p, caller, role_arn, action, context)[1] for p in level):
            return "ImplicitDeny"

    identity_ok = any(_verdict(p, caller, role_arn, action, context)[1] for p in identity)
    boundary_ok = boundary is None or _verdict(boundary, caller, role_arn, action, context)[1]
    session_ok = session is None or _verdict(session, caller, role_arn, action, context)[1]
    role_parts = role_arn.split(":")
    same_account = iam and _caller_account(caller) == (role_parts[1], role_parts[4])

    for statement in _statements(trust):
        if statement["Effect"] != "Allow":
            continue
        grant = _applies(statement, trust, caller, role_arn, action, context)
        if grant == "NO":
            continue
        if not iam:
            return "Allow"  # services and federated callers: trust (+ RCPs) only, §4.9
        if not same_account:
            need = (True, True, True)  # §4.4
        elif grant == "STAR":
            restricted = any(
                key.lower() == "aws:principalarn"
                for block in statement.get("Condition", {}).values()
                for key in block
            )
            if restricted:
                need = (False, False, False)
            elif kind == "user":
                need = (False, False, False)  # like the user row (reading 1)
            else:
                need = (False, True, True)  # like the role row
        elif grant == "ACCOUNT":
            need = (True, True, True)
        elif grant == "ROLE":
            need = (False, True, True)
        else:  # USER (reading 1: the boundary does not block), SESSION
            need = (False, False, False)
        if (
            (not need[0] or identity_ok)
            and (not need[1] or boundary_ok)
            and (not need[2] or session_ok)
        ):
            return "Allow"
    return "ImplicitDeny"


def decide(
    trust: Json,
    caller: Json,
    role_arn: str,
    actions: list[str],
    context: dict[str, Any],
) -> str:
    """Every action must be allowed; an explicit deny of any of them wins (§4.11)."""
    answers = [decide_action(trust, caller, role_arn, action, context) for action in actions]
    if "ExplicitDeny" in answers:
        return "ExplicitDeny"
    if "ImplicitDeny" in answers:
        return "ImplicitDeny"
    return "Allow"
