"""Scenario files: your role tests as data — callers, roles and the decision each should get.

A scenario file is a JSON array of scenarios in the format of the shared conformance cases
(docs/scenarios.md). Each scenario names a role (ARN, trust policy, tags), a caller, the
action, optional request context and the expected decision (``Allow``, ``ExplicitDeny``,
``ImplicitDeny`` or ``InvalidPolicy``). Two extensions make the format pleasant to write by
hand:

* a policy document may be a *path* to a JSON file instead of the document itself, resolved
  relative to the scenario file (``"trust_policy": "github-deploy-trust.json"``);
* a caller may be a compact *caller spec* string (:func:`caller_from_spec`), and an object
  caller of kind ``federated_oidc`` / ``federated_saml`` may carry ``claims`` / ``attributes``.

:func:`load_scenarios` checks the structure of every scenario and refuses a malformed file
with :class:`MalformedScenario` naming the file, the JSON pointer (and line:column) and the
reason. :meth:`Scenario.run` decides one scenario through the public API.

>>> scenarios = load_scenarios([{
...     "name": "lambda may assume",
...     "role": {"arn": "arn:aws:iam::111122223333:role/fn",
...              "trust_policy": {"Version": "2012-10-17", "Statement": {
...                  "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
...                  "Action": "sts:AssumeRole"}}},
...     "caller": "service:lambda.amazonaws.com",
...     "action": "sts:AssumeRole",
...     "expected": "Allow"}])
>>> result = scenarios[0].run()
>>> result.passed, result.decision
(True, 'Allow')
>>> print(result)
PASS lambda may assume: Allow (expected Allow)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim import _pointer, _reprs, callers
from trustsim._files import read_named, read_reference, root_of
from trustsim.arn import Arn
from trustsim.caller_specs import caller_from_spec, oidc_provider
from trustsim.callers import Caller, OrgMembership, Role
from trustsim.decision import Outcome
from trustsim.errors import (
    InvalidCaller,
    InvalidContext,
    InvalidPolicy,
    InvalidRequest,
    Position,
    TrustsimError,
)
from trustsim.evaluation import assume_role, check_action
from trustsim.inventory import InventoryError, Organization, organization_from_spec
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import (
    ASSUME_ACTIONS,
    ASSUME_ROLE,
    assume_action_for,
)
from trustsim.sts import STS_APIS, sts_options

__all__ = [
    "EXPECTED_DECISIONS",
    "MalformedScenario",
    "Scenario",
    "ScenarioResult",
    "caller_from_spec",
    "load_scenarios",
]

#: What a scenario may expect: a decision, ``Deny`` (either denial), or that AWS refuses one
#: of its policies.
EXPECTED_DECISIONS = frozenset({"Allow", "Deny", "ExplicitDeny", "ImplicitDeny", "InvalidPolicy"})
_DENIALS = frozenset({"ExplicitDeny", "ImplicitDeny"})
#: Annotations a scenario may carry for its readers; trustsim only checks they are text.
_NOTE_FIELDS = ("note", "comment", "id")
#: What :attr:`ScenarioResult.decision` is when the scenario could not run at all.
ERROR = "Error"

_SCENARIO_FIELDS = frozenset(
    {
        "name",
        "description",
        "source",
        "role",
        "caller",
        "scps",
        "rcps",
        "organization",
        "action",
        "context",
        "request",
        "expected",
        *_NOTE_FIELDS,
    }
)
_REQUIRED_FIELDS = ("name", "role", "caller", "expected")
#: The assume call each caller kind makes, when a scenario leaves ``action`` out.
_KIND_ACTIONS = {
    "federated_oidc": "sts:AssumeRoleWithWebIdentity",
    "federated_saml": "sts:AssumeRoleWithSAML",
}
_ROLE_FIELDS = frozenset({"arn", "trust_policy", "tags", "org_id", "org_paths"})
_ORG_POLICY_LISTS = ("scps", "rcps")
_CALLER_FIELDS = frozenset(
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
        "claims",
        "attributes",
    }
)
_CALLER_KINDS = (
    "user",
    "role_session",
    "root",
    "service",
    "federated_oidc",
    "federated_saml",
    "anonymous",
)
_ORGANIZATION_FIELDS = frozenset(
    {"id", "root", "management_account", "scps", "rcps", "units", "accounts"}
)
# Caller-side members that only IAM users and role sessions have.
_PRINCIPAL_ONLY = ("identity_policies", "permissions_boundary", "session_policy", "tags", "org_id")


class MalformedScenario(TrustsimError, ValueError):
    """A scenario file that does not follow the documented format.

    Attributes:
        origin: the file (or ``"<scenarios>"`` for an in-memory value).
        pointer: JSON pointer of the offending member (``/2/caller/kind``).
        reason: what is wrong.
        position: line and column of the member when the file was read from text.

    >>> try:
    ...     load_scenarios([{"name": "n", "role": {}, "caller": {"kind": "robot"},
    ...                      "action": "sts:AssumeRole", "expected": "Allow"}])
    ... except MalformedScenario as error:
    ...     print(error.pointer, "|", error.reason)
    /0/role | scenario 'n': role needs arn and trust_policy
    """

    def __init__(
        self, origin: str, pointer: str, reason: str, position: Position | None = None
    ) -> None:
        self.origin = origin
        self.pointer = pointer
        self.reason = reason
        self.position = position
        where = pointer or "(document)"
        if position is not None:
            where += f" (line {position})"
        super().__init__(f"{origin}: {where}: {reason}")


@attrs.frozen
class _PolicyFile:
    """A policy document given as a path: its resolved path and its text, read at load time."""

    path: Path
    text: bytes


@attrs.frozen
class Scenario:
    """One scenario of a file, structurally checked; :meth:`run` decides it.

    Attributes:
        name: the scenario's name (unique in its file).
        origin: the file it came from (``"<scenarios>"`` for an in-memory value).
        index: its position in the file.
        data: the scenario as written, with policy file references replaced by their text.

    >>> [scenario] = load_scenarios([{"name": "nobody", "caller": "anonymous",
    ...     "role": {"arn": "arn:aws:iam::111122223333:role/r", "trust_policy": {"Statement": []}},
    ...     "action": "sts:AssumeRole", "expected": "ImplicitDeny"}])
    >>> scenario.label, scenario.expected, scenario.caller()
    ('<scenarios>::nobody', 'ImplicitDeny', Anonymous())
    """

    name: str
    origin: str
    index: int
    data: Mapping[str, Any] = attrs.field(repr=False)

    @property
    def expected(self) -> str:
        """The expected decision (one of :data:`EXPECTED_DECISIONS`)."""
        return str(self.data["expected"])

    @property
    def action(self) -> str:
        """The action the scenario decides."""
        return str(self.data["action"])

    @property
    def description(self) -> str | None:
        """The scenario's ``description`` (or ``source``), if any."""
        text = self.data.get("description", self.data.get("source"))
        return None if text is None else str(text)

    @property
    def label(self) -> str:
        """``file::name``, for reports."""
        return f"{self.origin}::{self.name}"

    def role(self) -> Role:
        """The role the scenario describes.

        Raises:
            InvalidPolicy: AWS would refuse the trust policy.
            InvalidCaller: the role ARN or tags have a shape AWS never produces.
        """
        spec: Mapping[str, Any] = self.data["role"]
        trust = self._policy(spec["trust_policy"], PolicyKind.TRUST, "trust_policy")
        role = Role(spec["arn"], trust, tags=spec.get("tags", {}))
        organization = self.organization()
        if organization is not None:
            return attrs.evolve(role, org=organization.membership(role.account_id))
        if "org_id" in spec:
            levels = [
                tuple(
                    self._policy(policy, PolicyKind.RCP, f"rcps[{i}][{j}]")
                    for j, policy in enumerate(level)
                )
                for i, level in enumerate(self.data.get("rcps") or [])
            ]
            paths = tuple(spec.get("org_paths", ()))
            return attrs.evolve(role, org=OrgMembership(spec["org_id"], paths=paths, rcps=levels))
        return role

    def organization(self) -> Organization | None:
        """The scenario's ``organization`` block, built (``None`` without one).

        Raises:
            InvalidPolicy: AWS would refuse one of its SCPs or RCPs.
            InventoryError: the organisation does not hold together.
        """
        spec = self.data.get("organization")
        if spec is None:
            return None
        return organization_from_spec(
            spec,
            f"{self.label} organization",
            lambda item, kind, label: self._policy(item, kind, f"organization {label}"),
        )

    def caller(self) -> Caller:
        """The caller the scenario describes, through the public caller models.

        Raises:
            InvalidPolicy: AWS would refuse one of the caller's policies.
            InvalidCaller: a value has a shape AWS never produces.
        """
        spec = self.data["caller"]
        caller = caller_from_spec(spec) if isinstance(spec, str) else _build_caller(self, spec)
        organization = self.organization()
        if organization is not None and isinstance(
            caller, (callers.IamUser, callers.RoleSession, callers.AccountRoot)
        ):
            return attrs.evolve(caller, org=organization.membership(caller.account_id))
        return caller

    def run(self) -> ScenarioResult:
        """Decide the scenario; never raises for a problem of the scenario's values.

        An assume action decides the whole call (companion actions included); any other
        action (``sts:TagSession``…) is decided alone (docs/semantics.md §4.11).
        """
        try:
            role = self.role()
            caller = self.caller()
        except InvalidPolicy as error:
            return ScenarioResult(self, "InvalidPolicy", error=error)
        except (InvalidCaller, InventoryError) as error:
            return ScenarioResult(self, ERROR, error=error)
        context = dict(self.data.get("context", {}))
        try:
            if "request" in self.data:
                # boto3's arguments of the assume call (docs/moto.md); RoleArn is the role's.
                api = self.action.split(":", 1)[-1]
                params = {"RoleArn": role.arn, **self.data["request"]}
                caller, _, options = sts_options(api, params, caller)
                outcome = assume_role(caller, role, context=context, **options)
            elif self.action.lower() in _ASSUME_ACTIONS_FOLDED:
                outcome = assume_role(caller, role, action=self.action, context=context)
            else:
                outcome = check_action(caller, role, self.action, context=context)
        except (InvalidRequest, InvalidContext, TypeError, ValueError) as error:
            return ScenarioResult(self, ERROR, error=error)
        return ScenarioResult(self, outcome.decision.value, outcome=outcome)

    def _policy(self, obj: object, kind: PolicyKind, where: str) -> Policy:
        if isinstance(obj, _PolicyFile):
            return load_policy(obj.text, kind=kind, origin=str(obj.path))
        return parse_policy(obj, kind=kind, origin=f"{self.label} {where}")


_ASSUME_ACTIONS_FOLDED = frozenset(action.lower() for action in ASSUME_ACTIONS)


@attrs.frozen
class ScenarioResult:
    """What trustsim answered for one scenario.

    Attributes:
        scenario: the scenario run.
        decision: ``Allow``, ``ExplicitDeny``, ``ImplicitDeny``, ``InvalidPolicy`` (AWS
            would refuse one of its policies) or ``Error`` (the scenario's caller, request
            or context has a shape AWS never produces; see :attr:`error`).
        outcome: the :class:`~trustsim.decision.Outcome` when a decision was made.
        error: the error when none was.

    >>> [scenario] = load_scenarios([{"name": "bad session", "expected": "Allow",
    ...     "caller": "arn:aws:iam::111122223333:role/ci#x", "action": "sts:AssumeRole",
    ...     "role": {"arn": "arn:aws:iam::111122223333:role/r", "trust_policy": {"Statement": {
    ...         "Effect": "Allow", "Principal": {"AWS": "111122223333"},
    ...         "Action": "sts:AssumeRole"}}}}])
    >>> result = scenario.run()
    >>> result.decision, result.passed
    ('Error', False)
    >>> print(result.report())
    <scenarios>::bad session: expected Allow, got Error
    RoleSession.session_name: 'x' is not a role session name (2-64 characters ...)
    """

    scenario: Scenario
    decision: str
    outcome: Outcome | None = None
    error: Exception | None = None

    @property
    def expected(self) -> str:
        """The scenario's expected decision."""
        return self.scenario.expected

    @property
    def passed(self) -> bool:
        """Whether the decision is the expected one (``Deny``: either denial)."""
        expected = self.scenario.expected
        return self.decision == expected or (expected == "Deny" and self.decision in _DENIALS)

    def __bool__(self) -> bool:
        # ``assert result`` asserts the scenario passed, not that a result exists.
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict} {self.scenario.name}: {self.decision} (expected {self.expected})"

    def report(self) -> str:
        """The result line, and for a failure why: the explanation or the error."""
        head = (
            f"{self.scenario.label}: expected {self.expected}, got {self.decision}"
            if not self.passed
            else str(self)
        )
        if self.passed:
            return head
        if self.outcome is not None:
            return head + "\n" + self.outcome.explain().to_text()
        if self.error is not None:
            return head + "\n" + str(self.error)
        return head


def load_scenarios(
    source: str | os.PathLike[str] | Sequence[Any],
    *,
    base_dir: str | os.PathLike[str] | None = None,
    origin: str | None = None,
) -> tuple[Scenario, ...]:
    """Read and check every scenario of a file (a path) or of an already-decoded list.

    Policy documents given as paths are read now, relative to the scenario file's folder
    (or ``base_dir``, default the current directory, for an in-memory list), and only from
    inside the scenario file's root: absolute paths and paths leaving it are refused
    (docs/security.md). ``origin``
    names the source in reports (default: the path, or ``<scenarios>``).

    >>> load_scenarios([{"name": "x", "role": {}, "caller": "anonymous",
    ...                  "action": "sts:AssumeRole", "expected": "Allow"}])
    Traceback (most recent call last):
    ...
    trustsim.scenarios.MalformedScenario: <scenarios>: /0/role: scenario 'x': role needs arn and trust_policy

    Raises:
        MalformedScenario: the first structural problem found (the file is not JSON, an
            unknown or missing field, an unknown caller kind or expected value, a duplicate
            name, a policy file that cannot be read…).
        OSError: the scenario file itself cannot be read.
    """
    positions: Mapping[str, Position] = {}
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        origin = origin or str(source)
        folder = path.parent
        raw, root = read_named(path)
        try:
            document = read_json(raw)
        except InvalidPolicy as error:
            problem = error.problems[0]
            raise MalformedScenario(
                origin, problem.pointer, problem.message, error.position_of(problem.pointer)
            ) from None
        if document.problems:
            problem = document.problems[0]
            raise MalformedScenario(
                origin, problem.pointer, problem.message, document.positions.get(problem.pointer)
            )
        data: object = document.value
        positions = document.positions
    else:
        origin = origin or "<scenarios>"
        folder = Path(base_dir) if base_dir is not None else Path()
        root = root_of(folder / "scenarios")
        data = source
    return _Reader(origin, folder, positions, root).scenarios(data)


@attrs.define
class _Reader:
    origin: str
    folder: Path
    positions: Mapping[str, Position]
    root: Path

    def refuse(self, pointer: str, reason: str, name: str | None = None) -> MalformedScenario:
        text = reason if name is None else f"scenario {name!r}: {reason}"
        return MalformedScenario(self.origin, pointer, text, self.positions.get(pointer))

    def scenarios(self, data: object) -> tuple[Scenario, ...]:
        if not isinstance(data, list):
            raise self.refuse("", "a scenario file holds a JSON array of scenarios")
        found: list[Scenario] = []
        seen: set[str] = set()
        for index, raw in enumerate(data):
            scenario = self.scenario(index, raw)
            if scenario.name in seen:
                raise self.refuse(f"/{index}/name", "duplicate scenario name", scenario.name)
            seen.add(scenario.name)
            found.append(scenario)
        return tuple(found)

    def fields(
        self, pointer: str, name: str, where: str, obj: object, allowed: frozenset[str]
    ) -> dict[str, Any]:
        if not isinstance(obj, Mapping):
            raise self.refuse(pointer, f"{where} must be an object, got {type(obj).__name__}", name)
        unknown = sorted(set(obj) - allowed)
        if unknown:
            raise self.refuse(
                _pointer.join(pointer, unknown[0]),
                f"unknown field(s) in {where}: {', '.join(unknown)}",
                name,
            )
        return dict(obj)

    def scenario(self, index: int, raw: object) -> Scenario:
        here = f"/{index}"
        given = raw.get("name") if isinstance(raw, Mapping) else None
        name = given if isinstance(given, str) and given else f"#{index}"
        scenario = self.fields(here, name, "the scenario", raw, _SCENARIO_FIELDS)
        missing = [field for field in _REQUIRED_FIELDS if field not in scenario]
        if missing:
            raise self.refuse(here, f"missing field(s): {', '.join(missing)}", name)
        if not isinstance(given, str) or not given:
            raise self.refuse(f"{here}/name", "name must be non-empty text", name)
        if scenario["expected"] not in EXPECTED_DECISIONS:
            raise self.refuse(
                f"{here}/expected",
                f"unknown expected value {scenario['expected']!r} "
                f"(expected one of {', '.join(sorted(EXPECTED_DECISIONS))})",
                name,
            )
        for field in _NOTE_FIELDS:
            if field in scenario and not isinstance(scenario[field], str | int):
                raise self.refuse(f"{here}/{field}", f"{field} must be text", name)
        if "action" not in scenario:
            scenario["action"] = self.inferred_action(here, name, scenario["caller"])
        if not isinstance(scenario["action"], str) or not scenario["action"]:
            raise self.refuse(f"{here}/action", "action must be text such as sts:AssumeRole", name)
        context = scenario.get("context", {})
        if not isinstance(context, Mapping) or not all(isinstance(k, str) for k in context):
            raise self.refuse(f"{here}/context", "context must be an object", name)
        if "organization" in scenario:
            self.organization_conflicts(here, name, scenario)
        if "request" in scenario:
            self.request(f"{here}/request", name, scenario["request"], scenario["action"])
        scenario["role"] = self.role(f"{here}/role", name, scenario["role"])
        scenario["caller"] = self.caller(f"{here}/caller", name, scenario["caller"], scenario)
        if "scps" in scenario:
            scenario["scps"] = self.scps(f"{here}/scps", name, scenario["scps"])
        if "rcps" in scenario:
            if "org_id" not in scenario["role"]:
                raise self.refuse(f"{here}/rcps", "rcps need the role's org_id", name)
            scenario["rcps"] = self.scps(f"{here}/rcps", name, scenario["rcps"], "rcps")
        if "organization" in scenario:
            scenario["organization"] = self.organization(here, name, scenario)
        return Scenario(name, self.origin, index, scenario)

    def organization_conflicts(self, here: str, name: str, scenario: Mapping[str, Any]) -> None:
        """Members an organisation block would silently override are refused."""
        for field in ("scps", "rcps"):
            if field in scenario:
                raise self.refuse(
                    f"{here}/{field}",
                    f"with an organization block, give {field} in it (root, OUs, accounts)",
                    name,
                )
        for owner in ("caller", "role"):
            spec = scenario[owner]
            given = [f for f in ("org_id", "org_paths") if isinstance(spec, dict) and f in spec]
            if given:
                raise self.refuse(
                    f"{here}/{owner}/{given[0]}",
                    f"the organization block places the {owner}: drop its {given[0]}",
                    name,
                )

    def organization(self, here: str, name: str, scenario: Mapping[str, Any]) -> dict[str, Any]:
        """The organisation block, its policy paths read (the rest is checked when built)."""
        pointer = f"{here}/organization"
        block = self.fields(
            pointer, name, "organization", scenario["organization"], _ORGANIZATION_FIELDS
        )

        def read(where: str, holder: dict[str, Any]) -> None:
            for field in _ORG_POLICY_LISTS:
                items = holder.get(field)
                if isinstance(items, list):
                    holder[field] = [
                        self.policy(f"{where}/{field}/{i}", name, item)
                        for i, item in enumerate(items)
                    ]

        read(pointer, block)
        units = block.get("units")
        if isinstance(units, list):
            block["units"] = [dict(u) if isinstance(u, Mapping) else u for u in units]
            for i, unit in enumerate(block["units"]):
                if isinstance(unit, dict):
                    read(f"{pointer}/units/{i}", unit)
        accounts = block.get("accounts")
        if isinstance(accounts, Mapping):
            block["accounts"] = {
                k: dict(v) if isinstance(v, Mapping) else v for k, v in accounts.items()
            }
            for account, placement in block["accounts"].items():
                if isinstance(placement, dict):
                    read(_pointer.join(f"{pointer}/accounts", account), placement)
        return block

    def inferred_action(self, here: str, name: str, caller: object) -> str:
        """The assume call the caller makes, for a scenario without ``action``."""
        if isinstance(caller, Mapping) and isinstance(caller.get("kind"), str):
            return _KIND_ACTIONS.get(caller["kind"], ASSUME_ROLE)
        if isinstance(caller, str):
            try:
                return assume_action_for(caller_from_spec(caller))
            except InvalidCaller:
                pass
        raise self.refuse(
            here, "missing field(s): action (the caller does not say which call it makes)", name
        )

    def request(self, pointer: str, name: str, raw: object, action: str) -> None:
        api = action.split(":", 1)[-1]
        if api not in STS_APIS or not action.lower().startswith("sts:"):
            raise self.refuse(
                pointer, f"request holds boto3's arguments of an assume call, not {action}", name
            )
        if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
            raise self.refuse(pointer, "request must be an object of boto3 arguments", name)
        unknown = sorted(set(raw) - STS_APIS[api][0])
        if unknown:
            raise self.refuse(
                pointer, f"{api} takes no {', '.join(unknown)} (boto3's parameter names)", name
            )

    def role(self, pointer: str, name: str, raw: object) -> dict[str, Any]:
        role = self.fields(pointer, name, "role", raw, _ROLE_FIELDS)
        if "arn" not in role or "trust_policy" not in role:
            raise self.refuse(pointer, "role needs arn and trust_policy", name)
        if not isinstance(role["arn"], str):
            raise self.refuse(f"{pointer}/arn", "the role ARN must be text", name)
        if "org_paths" in role and "org_id" not in role:
            raise self.refuse(f"{pointer}/org_paths", "org_paths need the role's org_id", name)
        for field, shape in (("org_id", str), ("org_paths", list)):
            if field in role and not isinstance(role[field], shape):
                kind = "text" if shape is str else "a list of paths"
                raise self.refuse(f"{pointer}/{field}", f"{field} must be {kind}", name)
        self.tags(f"{pointer}/tags", name, role.get("tags", {}))
        role["trust_policy"] = self.policy(f"{pointer}/trust_policy", name, role["trust_policy"])
        return role

    def tags(self, pointer: str, name: str, tags: object) -> None:
        if not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
        ):
            raise self.refuse(pointer, "tags must be an object of text values", name)

    def caller(
        self, pointer: str, name: str, raw: object, scenario: Mapping[str, Any]
    ) -> str | dict[str, Any]:
        if isinstance(raw, str):
            if "scps" in scenario:
                raise self.refuse(pointer, "scps need an object caller with org_id", name)
            return raw
        caller = self.fields(pointer, name, "caller", raw, _CALLER_FIELDS)
        kind = caller.get("kind")
        if kind not in _CALLER_KINDS:
            raise self.refuse(
                f"{pointer}/kind",
                f"unknown caller kind {kind!r} (expected one of {', '.join(_CALLER_KINDS)})",
                name,
            )
        if kind not in ("anonymous",) and not isinstance(caller.get("arn"), str):
            raise self.refuse(f"{pointer}/arn", f"a {kind} caller needs an arn (text)", name)
        if kind == "role_session" and not isinstance(caller.get("role_arn"), str):
            raise self.refuse(f"{pointer}/role_arn", "a role_session caller needs role_arn", name)
        if kind not in ("user", "role_session"):
            extra = [field for field in (*_PRINCIPAL_ONLY, "org_paths") if field in caller]
            if extra or "scps" in scenario:
                missing = ", ".join(extra) or "scps"
                raise self.refuse(pointer, f"a {kind} caller has no {missing}", name)
        for field, owner in (("claims", "federated_oidc"), ("attributes", "federated_saml")):
            if field in caller and kind != owner:
                raise self.refuse(f"{pointer}/{field}", f"only a {owner} caller has {field}", name)
            if field in caller and not isinstance(caller[field], Mapping):
                raise self.refuse(f"{pointer}/{field}", f"{field} must be an object", name)
        if kind == "user" and "session_policy" in caller:
            raise self.refuse(
                f"{pointer}/session_policy", "an IAM user has no session policy", name
            )
        if "org_id" not in caller:
            if "scps" in scenario:
                raise self.refuse(pointer, "scps need the caller's org_id", name)
            if caller.get("org_paths"):
                raise self.refuse(
                    f"{pointer}/org_paths", "org_paths need the caller's org_id", name
                )
        if "tags" in caller:
            self.tags(f"{pointer}/tags", name, caller["tags"])
        policies = caller.get("identity_policies", [])
        if not isinstance(policies, list):
            raise self.refuse(f"{pointer}/identity_policies", "identity_policies is a list", name)
        if "identity_policies" in caller:
            caller["identity_policies"] = [
                self.policy(f"{pointer}/identity_policies/{i}", name, policy)
                for i, policy in enumerate(policies)
            ]
        for field in ("permissions_boundary", "session_policy"):
            if field in caller:
                caller[field] = self.policy(f"{pointer}/{field}", name, caller[field])
        return caller

    def scps(self, pointer: str, name: str, raw: object, field: str = "scps") -> list[list[object]]:
        if not isinstance(raw, list) or not all(isinstance(level, list) for level in raw):
            raise self.refuse(
                pointer, f"{field} is a list of levels, each a list of policies", name
            )
        return [
            [self.policy(f"{pointer}/{i}/{j}", name, policy) for j, policy in enumerate(level)]
            for i, level in enumerate(raw)
        ]

    def policy(self, pointer: str, name: str, raw: object) -> object:
        if isinstance(raw, Mapping):
            return raw
        if not isinstance(raw, str):
            raise self.refuse(pointer, "a policy is a JSON object or the path of a JSON file", name)
        path = self.folder / raw
        try:
            return _PolicyFile(path, read_reference(raw, folder=self.folder, root=self.root))
        except OSError as error:
            reason = error.strerror or str(error)
            message = f"cannot read policy file {str(path)!r}: {reason}"
            raise self.refuse(pointer, message, name) from None


def _org(scenario: Scenario, spec: Mapping[str, Any]) -> OrgMembership | None:
    org_id = spec.get("org_id")
    if org_id is None:
        return None
    levels: list[tuple[Policy, ...]] = [
        tuple(
            scenario._policy(policy, PolicyKind.SCP, f"scps[{i}][{j}]")
            for j, policy in enumerate(level)
        )
        for i, level in enumerate(scenario.data.get("scps") or [])
    ]
    paths = tuple(spec.get("org_paths", ()))
    return OrgMembership(org_id, paths=paths, scps=levels)


def _build_caller(scenario: Scenario, spec: Mapping[str, Any]) -> Caller:
    kind = spec["kind"]

    def policies() -> tuple[Policy, ...]:
        return tuple(
            scenario._policy(policy, PolicyKind.IDENTITY, f"identity_policies[{i}]")
            for i, policy in enumerate(spec.get("identity_policies", ()))
        )

    def optional(field: str, kind: PolicyKind) -> Policy | None:
        value = spec.get(field)
        return None if value is None else scenario._policy(value, kind, field)

    match kind:
        case "user":
            return callers.IamUser(
                spec["arn"],
                policies=policies(),
                permissions_boundary=optional(
                    "permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY
                ),
                tags=spec.get("tags", {}),
                org=_org(scenario, spec),
            )
        case "role_session":
            session_arn = Arn.try_parse(spec["arn"])
            if session_arn is None:
                raise InvalidCaller(f"caller.arn: {spec['arn']!r} is not an assumed-role ARN")
            session = callers.RoleSession(
                spec["role_arn"],
                session_arn.resource.rsplit("/", 1)[-1],
                policies=policies(),
                permissions_boundary=optional(
                    "permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY
                ),
                session_policy=optional("session_policy", PolicyKind.SESSION),
                role_tags=spec.get("tags", {}),
                org=_org(scenario, spec),
            )
            if session.session_arn != spec["arn"]:
                raise InvalidCaller(
                    f"caller.arn: {spec['arn']} is not a session of role {spec['role_arn']}"
                )
            return session
        case "root":
            arn = Arn.try_parse(spec["arn"])
            if arn is None or arn.service != "iam" or arn.resource != "root":
                raise InvalidCaller(f"caller.arn: {spec['arn']!r} is not an account root ARN")
            return callers.AccountRoot(arn.account, partition=arn.partition)
        case "service":
            return callers.ServicePrincipal(spec["arn"])
        case "federated_oidc":
            return callers.WebIdentity(oidc_provider(spec["arn"]), spec.get("claims", {}))
        case "federated_saml":
            return callers.SamlIdentity(spec["arn"], spec.get("attributes", {}))
        case _:
            return callers.Anonymous()


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
