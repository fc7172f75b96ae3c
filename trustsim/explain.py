"""Why a decision came out as it did: the :class:`Explanation` tree and its views.

An explanation is built by replaying the evaluation of an :class:`~trustsim.decision.Outcome`
with a recorder (the same compiled plan; the decision path itself records nothing). It holds,
for every action decided and every policy consulted, every statement with whether its
principal, action, resource and each condition clause matched, and the values compared.

Three views over that one record (after OPA's explain modes):

* :attr:`Explanation.determining` — the statements that decided;
* :attr:`Explanation.failures` — for a deny, the ``Allow`` statements of the deciding side
  that came closest, nearest first (principal matched, action matched, fewest failing
  clauses), each with its failing clause and both values;
* :attr:`Explanation.all` — everything.

``str(explanation)`` / :meth:`Explanation.to_text` render text for people,
:meth:`Explanation.to_dict` plain JSON-able data for programs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from trustsim.callers import SamlIdentity, WebIdentity
from trustsim.compiler import CallerIdentity, CompiledPolicy, CompiledStatement, MatchKind
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.evaluation import ActionResult, replay

if TYPE_CHECKING:
    from trustsim.conditions import ClauseResult, ConditionResult
    from trustsim.errors import Diagnostic
    from trustsim.requests import AssumeRoleRequest

__all__ = [
    "ActionRecord",
    "ClauseRecord",
    "Explanation",
    "PolicyRecord",
    "StatementRecord",
    "explain",
]

_VIEWS = ("summary", "determining", "failures", "all")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@attrs.frozen
class ClauseRecord:
    """One condition clause as evaluated: the values compared and the result."""

    operator: str
    key: str
    request_values: tuple[str, ...] | None
    policy_values: tuple[str, ...]
    matched: bool
    pointer: str
    diagnostic: str | None = None

    @classmethod
    def of(cls, clause: ClauseResult) -> ClauseRecord:
        """Copy a clause result of :mod:`trustsim.conditions`."""
        return cls(
            clause.operator,
            clause.key,
            None if clause.request_values is None else tuple(clause.request_values),
            tuple(clause.policy_values),
            clause.matched,
            clause.pointer,
            None if clause.diagnostic is None else str(clause.diagnostic),
        )

    def describe(self) -> str:
        """``StringEquals …:sub expected "repo:acme/app:ref:refs/heads/main", got "…"``."""
        if len(self.policy_values) == 1:
            wanted = _quote(self.policy_values[0])
        else:
            wanted = "one of " + ", ".join(_quote(v) for v in self.policy_values)
        if self.request_values is None:
            got = "nothing (the key is absent)"
        elif len(self.request_values) == 1:
            got = _quote(self.request_values[0])
        else:
            got = "[" + ", ".join(_quote(v) for v in self.request_values) + "]"
        text = f"{self.operator} {self.key} expected {wanted}, got {got}"
        if self.diagnostic:
            text += f" ({self.diagnostic})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "operator": self.operator,
            "key": self.key,
            "policy_values": list(self.policy_values),
            "request_values": None if self.request_values is None else list(self.request_values),
            "matched": self.matched,
            "pointer": self.pointer,
            "diagnostic": self.diagnostic,
        }


@attrs.frozen
class StatementRecord:
    """One statement as checked against the request for one action.

    ``principal`` is ``None`` for caller-side policies (no ``Principal`` element);
    ``resource_matched`` is ``None`` when the statement has no resource element (trust).
    """

    ref: StatementRef
    side: str
    effect: str
    principal: MatchKind | None
    principal_detail: str
    action_matched: bool
    actions: str
    resource_matched: bool | None
    resources: str
    clauses: tuple[ClauseRecord, ...]
    applies: bool

    @property
    def principal_matched(self) -> bool:
        """Whether the principal element (if any) matched."""
        return self.principal is not MatchKind.NO

    @property
    def failing_clauses(self) -> tuple[ClauseRecord, ...]:
        """The clauses that did not match."""
        return tuple(c for c in self.clauses if not c.matched)

    @property
    def distance(self) -> tuple[int, int, int, int]:
        """How far the statement was from applying (smaller is closer)."""
        return (
            0 if self.principal_matched else 1,
            0 if self.action_matched else 1,
            0 if self.resource_matched is not False else 1,
            len(self.failing_clauses),
        )

    def lines(self, *, only_failures: bool = False) -> list[str]:
        """The statement rendered as indented lines."""
        mark = "applies" if self.applies else "does not apply"
        out = [f"{self.ref} [{self.effect}] — {mark}"]
        if self.principal is not None:
            out.append(
                f"  {'✓' if self.principal_matched else '✗'} principal: {self.principal_detail}"
            )
        if not (only_failures and self.action_matched):
            out.append(f"  {'✓' if self.action_matched else '✗'} action: {self.actions}")
        if self.resource_matched is not None and not (only_failures and self.resource_matched):
            out.append(f"  {'✓' if self.resource_matched else '✗'} resource: {self.resources}")
        for clause in self.clauses:
            if only_failures and clause.matched:
                continue
            out.append(f"  {'✓' if clause.matched else '✗'} {clause.describe()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "policy": self.ref.policy,
            "index": self.ref.index,
            "sid": self.ref.sid,
            "pointer": self.ref.pointer,
            "side": self.side,
            "effect": self.effect,
            "applies": self.applies,
            "principal": None
            if self.principal is None
            else {
                "matched": self.principal_matched,
                "kind": self.principal.name,
                "detail": self.principal_detail,
            },
            "action": {"matched": self.action_matched, "detail": self.actions},
            "resource": None
            if self.resource_matched is None
            else {"matched": self.resource_matched, "detail": self.resources},
            "condition": [c.to_dict() for c in self.clauses],
        }


@attrs.frozen
class PolicyRecord:
    """One policy consulted for one action, with every statement."""

    label: str
    side: str
    statements: tuple[StatementRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "policy": self.label,
            "side": self.side,
            "statements": [s.to_dict() for s in self.statements],
        }


@attrs.frozen
class ActionRecord:
    """The decision on one action and every policy consulted for it."""

    action: str
    decision: Decision
    side: str
    reason: str
    determined_by: tuple[StatementRef, ...]
    policies: tuple[PolicyRecord, ...]

    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement record, policy by policy."""
        return tuple(s for p in self.policies for s in p.statements)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "action": self.action,
            "decision": self.decision.value,
            "side": self.side,
            "reason": self.reason,
            "determined_by": [str(r) for r in self.determined_by],
            "policies": [p.to_dict() for p in self.policies],
        }


@attrs.frozen
class Explanation:
    """Why an outcome is what it is; see the module docstring for the views.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.evaluation import evaluate
    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> from trustsim.requests import AssumeRoleRequest
    >>> trust = Policy((Statement(Effect.ALLOW, sid="Alice", principal=Principal(
    ...     aws=("arn:aws:iam::111122223333:user/alice",)), action=("sts:AssumeRole",)),),
    ...     version="2012-10-17")
    >>> role = Role("arn:aws:iam::111122223333:role/deploy", trust)
    >>> bob = IamUser("arn:aws:iam::111122223333:user/bob")
    >>> outcome = evaluate(AssumeRoleRequest(bob, role, "sts:AssumeRole", RequestContext.of()))
    >>> print(outcome.explain())
    ImplicitDeny: no statement of the trust policy allows sts:AssumeRole for IAM user arn:aws:iam::111122223333:user/bob
      caller: IAM user arn:aws:iam::111122223333:user/bob
      role: arn:aws:iam::111122223333:role/deploy
      decided by: trust
    closest Allow statements:
      trust policy statement 0 (Sid "Alice") [Allow] — does not apply
        ✗ principal: IAM user arn:aws:iam::111122223333:user/bob is not among: arn:aws:iam::111122223333:user/alice
    >>> outcome.explain()
    <Explanation ImplicitDeny (trust) for IAM user arn:aws:iam::111122223333:user/bob on ...:role/deploy>
    """

    decision: Decision
    reason: str
    side: str
    caller: str
    role: str
    actions: tuple[ActionRecord, ...]
    errors: tuple[str, ...]

    def _deciding_action(self) -> ActionRecord | None:
        for record in self.actions:
            if record.reason == self.reason:
                return record
        for record in self.actions:
            if record.decision is self.decision and record.side == self.side:
                return record
        return self.actions[0] if self.actions else None

    @property
    def determining(self) -> tuple[StatementRecord, ...]:
        """The records of the statements that determined the outcome."""
        wanted: dict[StatementRef, None] = {}
        for record in self.actions:
            if record.decision is self.decision:
                wanted.update(dict.fromkeys(record.determined_by))
        seen: dict[StatementRef, StatementRecord] = {}
        for record in self.actions:
            for statement in record.statements():
                if statement.ref in wanted and statement.applies and statement.ref not in seen:
                    seen[statement.ref] = statement
        return tuple(seen[ref] for ref in wanted if ref in seen)

    @property
    def failures(self) -> tuple[StatementRecord, ...]:
        """For an implicit deny: the deciding side's Allow statements, nearest miss first."""
        if self.decision is not Decision.IMPLICIT_DENY:
            return ()
        record = self._deciding_action()
        if record is None:
            return ()
        candidates = [
            s
            for s in record.statements()
            if s.side == record.side and s.effect == "Allow" and not s.applies
        ]
        return tuple(sorted(candidates, key=lambda s: s.distance))

    @property
    def all(self) -> tuple[ActionRecord, ...]:
        """Every action, policy and statement checked."""
        return self.actions

    def to_text(self, view: str = "summary") -> str:
        """Render for people.

        Args:
            view: ``"summary"`` (the decision, the determining statements, and for an
                implicit deny the closest misses), ``"determining"``, ``"failures"`` or ``"all"``.
        """
        if view not in _VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {', '.join(_VIEWS)}")
        lines = [
            f"{self.decision}: {self.reason}",
            f"  caller: {self.caller}",
            f"  role: {self.role}",
            f"  decided by: {self.side}",
        ]
        if len(self.actions) > 1:
            lines.append(
                "  actions: " + ", ".join(f"{a.action} {a.decision}" for a in self.actions)
            )
        if view in ("summary", "determining") and self.determining:
            lines.append("determined by:")
            for statement in self.determining:
                lines += ["  " + line for line in statement.lines()]
        if view in ("summary", "failures") and self.failures:
            lines.append("closest Allow statements:")
            for statement in self.failures[:3] if view == "summary" else self.failures:
                lines += ["  " + line for line in statement.lines(only_failures=True)]
        if view == "all":
            for action in self.actions:
                lines.append(f"{action.action}: {action.decision} — {action.reason}")
                for policy in action.policies:
                    lines.append(f"  {policy.label} ({policy.side}):")
                    for statement in policy.statements:
                        lines += ["    " + line for line in statement.lines()]
        if self.errors:
            lines.append("diagnostics:")
            lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: the decision, the views, and every record."""
        return {
            "decision": self.decision.value,
            "reason": self.reason,
            "side": self.side,
            "caller": self.caller,
            "role": self.role,
            "determining": [s.to_dict() for s in self.determining],
            "failures": [s.to_dict() for s in self.failures],
            "actions": [a.to_dict() for a in self.actions],
            "errors": list(self.errors),
        }

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<Explanation {self.decision} ({self.side}) for {self.caller} on {self.role}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython / pretty-printing: the readable text, as print() shows it.
        printer.text(repr(self) if cycle else self.to_text())


class _Recorder:
    """Collects the replayed evaluation into records (implements evaluation.Recorder)."""

    def __init__(self, who: CallerIdentity) -> None:
        self.who = who
        self.actions: list[ActionRecord] = []
        self._policies: dict[str, tuple[str, list[StatementRecord]]] = {}

    def begin_action(self, action: str) -> None:
        self._policies = {}

    def statement(
        self,
        policy: CompiledPolicy,
        side: str,
        statement: CompiledStatement,
        *,
        kind: MatchKind,
        action_matched: bool,
        resource_matched: bool | None,
        condition: ConditionResult,
        applies: bool,
    ) -> None:
        has_principal = statement.principal is not None or statement.not_principal is not None
        matcher = statement.principal or statement.not_principal
        principal: MatchKind | None
        if not has_principal or matcher is None:
            principal, detail = None, ""
        elif kind is MatchKind.NO:
            principal = kind
            negated = "NotPrincipal " if statement.not_principal is not None else ""
            detail = f"{self.who.describe()} is not among: {negated}{', '.join(matcher.values())}"
        else:
            principal, detail = kind, f"{self.who.describe()} matched as {kind.value}"
        actions = statement.action
        action_text = ("NotAction " if actions.negated else "") + ", ".join(actions.written)
        resource = statement.resource
        resources = (
            ""
            if resource is None
            else ("NotResource " if resource.negated else "") + ", ".join(resource.written)
        )
        record = StatementRecord(
            ref=statement.ref,
            side=side,
            effect="Deny" if statement.is_deny else "Allow",
            principal=principal,
            principal_detail=detail,
            action_matched=action_matched,
            actions=action_text,
            resource_matched=resource_matched,
            resources=resources,
            clauses=tuple(ClauseRecord.of(c) for c in condition.clauses),
            applies=applies,
        )
        self._policies.setdefault(policy.label, (side, []))[1].append(record)

    def end_action(self, result: ActionResult) -> None:
        policies = tuple(
            PolicyRecord(label, side, tuple(statements))
            for label, (side, statements) in self._policies.items()
        )
        self.actions.append(
            ActionRecord(
                result.action,
                result.decision,
                result.side,
                result.reason,
                result.determined_by,
                policies,
            )
        )


def explain(outcome: Outcome) -> Explanation:
    """Replay ``outcome``'s evaluation with a recorder and build its :class:`Explanation`."""
    request = outcome.request
    who = CallerIdentity.of(request.caller)
    recorder = _Recorder(who)
    actions = outcome.actions or (request.action,)
    replayed = replay(request, actions, recorder)
    errors: tuple[Diagnostic, ...] = replayed.errors
    return Explanation(
        decision=replayed.decision,
        reason=replayed.reason,
        side=replayed.side,
        caller=_describe_caller(request, who),
        role=request.role.arn,
        actions=tuple(recorder.actions),
        errors=tuple(str(e) for e in errors),
    )


def _describe_caller(request: AssumeRoleRequest, who: CallerIdentity) -> str:
    """Name the caller; a federated caller also by its subject, so a reader knows who was denied.

    The subject is the request context's (the token's ``<issuer>:sub`` for OIDC, AWS IAM
    "Available keys for AssumeRoleWithWebIdentity"; ``saml:sub`` for SAML, "Available keys for
    SAML-based federation"), else the caller's own claim when the action carries no such keys.
    """
    caller = request.caller
    if isinstance(caller, WebIdentity):
        label, key, given = "sub", f"{caller.issuer}:sub", caller.claims.get("sub")
    elif isinstance(caller, SamlIdentity):
        label = key = "saml:sub"
        given = caller.attributes.get("saml:sub")
    else:
        return who.describe()
    subject = request.context.get_values(key) or ((given,) if isinstance(given, str) else given)
    if not subject:
        return who.describe()
    shown = ", ".join(f'"{value}"' for value in subject)
    return f"{who.describe()} {label} {shown}"
