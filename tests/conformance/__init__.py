"""The conformance case runner: JSON cases → callers, roles and requests → decisions.

Case format: ../shared/conformance/README.md. Each case is mapped onto the *public* API only
(``trustsim.parsing.parse_policy``, the caller models, ``trustsim.requests.assume_role`` /
``check_action``), so a case that passes here passes for a user writing the same thing.
Malformed cases (unknown fields, unknown caller kinds, missing members) are refused with
:class:`MalformedCase` naming the case and the field; a case the library cannot run is a
failure, never a skip.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim.arn import Arn
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.decision import Outcome
from trustsim.errors import InvalidPolicy
from trustsim.model import Policy, PolicyKind

ASSUME_ACTIONS = frozenset(
    {"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml"}
)
EXPECTED = frozenset({"Allow", "ExplicitDeny", "ImplicitDeny", "InvalidPolicy"})
CASE_FIELDS = frozenset(
    {"name", "source", "role", "caller", "scps", "action", "context", "expected"}
)
REQUIRED_CASE_FIELDS = frozenset({"name", "role", "caller", "action", "expected"})
ROLE_FIELDS = frozenset({"arn", "trust_policy", "tags"})
CALLER_FIELDS = frozenset(
    {
        "kind",
        "arn",
        "role_arn",
        "identity_policies",
        "permissions_boundary",
        "session_policy",
        "tags",
        "org_id",
        "org_paths",
    }
)
CALLER_KINDS = frozenset(
    {"user", "role_session", "root", "service", "federated_oidc", "federated_saml", "anonymous"}
)


class MalformedCase(ValueError):
    """A case that does not follow the documented format."""


@attrs.frozen
class Case:
    """One conformance case, as read from its file."""

    name: str
    file: str
    data: Mapping[str, Any]

    @property
    def expected(self) -> str:
        return str(self.data["expected"])

    @property
    def action(self) -> str:
        return str(self.data["action"])


@attrs.frozen
class CaseResult:
    """What trustsim answered for one case."""

    case: Case
    got: str
    outcome: Outcome | None = None
    error: InvalidPolicy | None = None

    @property
    def passed(self) -> bool:
        return self.got == self.case.expected

    def report(self) -> str:
        """One failing case, for people: name, expected, got, and why."""
        head = f"{self.case.file}::{self.case.name}: expected {self.case.expected}, got {self.got}"
        if self.outcome is not None:
            return head + "\n" + self.outcome.explain().to_text()
        if self.error is not None:
            return head + "\n" + str(self.error)
        return head


def _refuse(case: str, message: str) -> MalformedCase:
    return MalformedCase(f"case {case!r}: {message}")


def _check_fields(case: str, where: str, obj: object, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise _refuse(case, f"{where} must be an object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _refuse(case, f"unknown field(s) in {where}: {', '.join(unknown)}")
    return obj


def load_cases(path: Path) -> list[Case]:
    """Read and check every case of one file; :class:`MalformedCase` on the first bad one."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise MalformedCase(f"{path}: a case file holds a JSON array of cases")
    cases: list[Case] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        label = name if isinstance(name, str) else f"#{index}"
        _check_fields(label, "the case", raw, CASE_FIELDS)
        missing = sorted(REQUIRED_CASE_FIELDS - set(raw))
        if missing:
            raise _refuse(label, f"missing field(s): {', '.join(missing)}")
        if label in seen:
            raise _refuse(label, "duplicate case name")
        seen.add(label)
        role = _check_fields(label, "role", raw["role"], ROLE_FIELDS)
        if "arn" not in role or "trust_policy" not in role:
            raise _refuse(label, "role needs arn and trust_policy")
        caller = _check_fields(label, "caller", raw["caller"], CALLER_FIELDS)
        if caller.get("kind") not in CALLER_KINDS:
            raise _refuse(label, f"unknown caller kind {caller.get('kind')!r}")
        if raw["expected"] not in EXPECTED:
            raise _refuse(label, f"unknown expected value {raw['expected']!r}")
        if not isinstance(raw.get("context", {}), Mapping):
            raise _refuse(label, "context must be an object")
        cases.append(Case(label, path.name, raw))
    return cases


def _policy(obj: object, kind: PolicyKind, origin: str) -> Policy:
    from trustsim.parsing import parse_policy  # noqa: PLC0415 (task A's module)

    return parse_policy(obj, kind=kind, origin=origin)


def _org(case: Case, spec: Mapping[str, Any]) -> OrgMembership | None:
    scps = case.data.get("scps")
    org_id = spec.get("org_id")
    if org_id is None:
        if scps is not None:
            raise _refuse(case.name, "scps need the caller's org_id")
        if spec.get("org_paths"):
            raise _refuse(case.name, "org_paths need the caller's org_id")
        return None
    levels: Sequence[Sequence[Policy]] = [
        [_policy(p, PolicyKind.SCP, f"{case.name} scps[{i}][{j}]") for j, p in enumerate(level)]
        for i, level in enumerate(scps or [])
    ]
    return OrgMembership(
        org_id,
        paths=tuple(spec.get("org_paths", ())),
        scps=tuple(tuple(level) for level in levels),
    )


def build_caller(case: Case) -> Caller:
    """The caller a case describes, through the public caller models."""
    spec: Mapping[str, Any] = case.data["caller"]
    kind = spec["kind"]
    name = case.name

    def policies() -> tuple[Policy, ...]:
        return tuple(
            _policy(p, PolicyKind.IDENTITY, f"{name} identity_policies[{i}]")
            for i, p in enumerate(spec.get("identity_policies", ()))
        )

    def optional(field: str, policy_kind: PolicyKind) -> Policy | None:
        value = spec.get(field)
        return None if value is None else _policy(value, policy_kind, f"{name} {field}")

    if kind not in ("user", "role_session"):
        extra = sorted(
            {"identity_policies", "permissions_boundary", "session_policy", "tags", "org_id"}
            & set(spec)
        )
        if extra or case.data.get("scps") is not None:
            raise _refuse(name, f"a {kind} caller has no {', '.join(extra) or 'scps'}")
    match kind:
        case "user":
            if "session_policy" in spec:
                raise _refuse(name, "an IAM user has no session policy")
            return IamUser(
                spec["arn"],
                policies=policies(),
                permissions_boundary=optional(
                    "permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY
                ),
                tags=spec.get("tags", {}),
                org=_org(case, spec),
            )
        case "role_session":
            session_arn = Arn.parse(spec["arn"])
            session_name = session_arn.resource.rsplit("/", 1)[-1]
            caller = RoleSession(
                spec["role_arn"],
                session_name,
                policies=policies(),
                permissions_boundary=optional(
                    "permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY
                ),
                session_policy=optional("session_policy", PolicyKind.SESSION),
                role_tags=spec.get("tags", {}),
                org=_org(case, spec),
            )
            if caller.session_arn != spec["arn"]:
                raise _refuse(
                    name, f"session ARN {spec['arn']} is not a session of role {spec['role_arn']}"
                )
            return caller
        case "root":
            arn = Arn.parse(spec["arn"])
            return AccountRoot(arn.account, partition=arn.partition)
        case "service":
            return ServicePrincipal(spec["arn"])
        case "federated_oidc":
            return WebIdentity(spec["arn"])
        case "federated_saml":
            return SamlIdentity(spec["arn"])
        case _:
            return Anonymous()


def run_case(case: Case) -> CaseResult:
    """Decide one case through the public API."""
    from trustsim.requests import assume_role, check_action  # noqa: PLC0415 (task C's functions)

    role_spec: Mapping[str, Any] = case.data["role"]
    try:
        trust = _policy(role_spec["trust_policy"], PolicyKind.TRUST, f"{case.name} trust_policy")
    except InvalidPolicy as error:
        return CaseResult(case, "InvalidPolicy", error=error)
    role = Role(role_spec["arn"], trust, tags=role_spec.get("tags", {}))
    caller = build_caller(case)
    context = dict(case.data.get("context", {}))
    if case.action.lower() in ASSUME_ACTIONS:
        outcome = assume_role(caller, role, action=case.action, context=context)
    else:
        outcome = check_action(caller, role, case.action, context=context)
    return CaseResult(case, outcome.decision.value, outcome=outcome)


def case_files(folder: Path) -> list[Path]:
    """Every ``*.json`` case file of ``folder``, sorted."""
    return sorted(folder.glob("*.json"))
