"""Why a decision came out as it did: the :class:`Explanation` tree and its views.

An explanation is built by replaying the evaluation of an :class:`~trustsim.decision.Outcome`
with a recorder (the same compiled plan; the decision path itself records nothing). It holds,
for every action decided and every policy consulted, every statement with whether its
principal, action, resource and each condition clause matched, and the values compared.
The replay decides in full (every statement that can apply is checked, with its diagnostics);
the records of a policy, and each statement's clause records, are made when a view first
reads them, from what the replay kept.

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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from trustsim import _reprs
from trustsim._memo import memo, remember
from trustsim.callers import SamlIdentity, WebIdentity
from trustsim.compiler import CallerIdentity, CompiledPolicy, CompiledStatement, MatchKind
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import escape
from trustsim.evaluation.plan import Plan, plan_of
from trustsim.evaluation.rules import ActionResult, chain_readings, summary
from trustsim.evaluation.scan import decide_action
from trustsim.explain.records import (
    VIEWS,
    ActionRecord,
    ClauseRecord,
    PendingPolicyRecord,
    PolicyRecord,
    StatementRecord,
)

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.context import RequestContext
    from trustsim.evaluation.scan import StaticScan

__all__ = [
    "ActionRecord",
    "ClauseRecord",
    "Explanation",
    "PolicyRecord",
    "StatementRecord",
    "explain",
]


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
        if not wanted:
            return ()
        seen: dict[StatementRef, StatementRecord] = {}
        for record in self.actions:
            for statement in record.statements():
                if statement.applies and statement.ref in wanted and statement.ref not in seen:
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
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
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
        if view in ("summary", "determining"):
            determining = self.determining
            if determining:
                lines.append("determined by:")
                for statement in determining:
                    lines += ["  " + line for line in statement.lines()]
        if view in ("summary", "failures"):
            failures = self.failures
            if failures:
                lines.append("closest Allow statements:")
                for statement in failures[:3] if view == "summary" else failures:
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
        return "\n".join(escape(line) for line in lines)  # values came from input

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
        text = f"<Explanation {self.decision} ({self.side}) for {self.caller} on {self.role}"
        return _reprs.clip(text, _reprs.LIMIT - 1) + ">"

    def __bool__(self) -> bool:
        # As an Outcome: true only for an Allow, never for every explanation.
        return self.decision is Decision.ALLOW

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython / pretty-printing: the readable text, as print() shows it.
        printer.text(repr(self) if cycle else self.to_text())


#: A compiled statement's texts, computed once: (statement, effect, actions, resources, the
#: principal values for "is not among", or None without a principal element).
_Texts = tuple[CompiledStatement, str, str, str, "str | None"]
_TEXTS: dict[int, _Texts] = memo("explain: texts", 4096)
_TEXTS_SIZE = 4096
_MATCHED_AS = {kind: f" matched as {kind.value}" for kind in MatchKind}
#: The side, and the first nine fields of each statement's record, kept on a static scan
#: (evaluation.scan.StaticScan: one policy's statements checked for one caller, role and action);
#: they need no request context. ``described`` is the caller's, fixed by the scan's key.
_Prefixes = tuple[str, tuple[tuple[Any, ...], ...]]


def _texts(statement: CompiledStatement) -> _Texts:
    """Build and keep the texts of ``statement`` (the recorder looked in ``_TEXTS`` first)."""
    actions = statement.action
    action_text = ("NotAction " if actions.negated else "") + ", ".join(actions.written)
    resource = statement.resource
    resources = (
        ""
        if resource is None
        else ("NotResource " if resource.negated else "") + ", ".join(resource.written)
    )
    matcher = statement.principal or statement.not_principal
    among = None
    if matcher is not None:
        negated = "NotPrincipal " if statement.not_principal is not None else ""
        among = negated + ", ".join(matcher.values())
    texts = (statement, "Deny" if statement.is_deny else "Allow", action_text, resources, among)
    # The texts depend on the statement object alone (held by the entry: its id stays its own).
    return remember(_TEXTS, id(statement), texts, _TEXTS_SIZE)


class _Recorder:
    """Collects the replayed evaluation into records (implements evaluation.scan.Recorder)."""

    __slots__ = ("_policies", "actions", "described", "role_arn", "who")

    def __init__(self, who: CallerIdentity, described: str, role_arn: str) -> None:
        self.who = who
        self.described = described
        self.role_arn = role_arn
        self.actions: list[ActionRecord] = []
        self._policies: list[PolicyRecord] = []

    def begin_action(self, action: str) -> None:
        self._policies = []

    def policy(
        self,
        policy: CompiledPolicy,
        side: str,
        scan: StaticScan,
        context: RequestContext,
        checked: Mapping[int, bool],
    ) -> None:
        hit = scan.records
        if hit is None or hit[0] != side:
            hit = scan.records = self._prefixes(scan, side)
        self._policies.append(
            PendingPolicyRecord(policy.label, side, scan, hit[1], context, checked, self.role_arn)
        )

    def _prefixes(self, scan: StaticScan, side: str) -> _Prefixes:
        """The request-independent fields of each statement's record, kept with ``scan``."""
        prefixes = []
        for statement, kind, action_matched, resource_matched in scan.entries:
            hit = _TEXTS.get(id(statement))
            if hit is None or hit[0] is not statement:
                hit = _texts(statement)
            _, effect, actions, resources, among = hit
            principal: MatchKind | None
            if among is None:
                principal, detail = None, ""
            elif kind is MatchKind.NO:
                principal, detail = kind, f"{self.described} is not among: {among}"
            else:
                principal, detail = kind, self.described + _MATCHED_AS[kind]
            prefixes.append(
                (statement.ref, side, effect, principal, detail, action_matched, actions,
                 resource_matched, resources)
            )  # fmt: skip
        return side, tuple(prefixes)

    def end_action(self, result: ActionResult) -> None:
        policies = tuple(self._policies)  # (each policy of a plan has a label of its own)
        action, decision, side, reason, refs = result[:5]
        self.actions.append(ActionRecord(action, decision, side, reason, refs, policies))


def explain(outcome: Outcome) -> Explanation:
    """Replay ``outcome``'s evaluation with a recorder and build its :class:`Explanation`.

    The replay runs the full evaluation of every action again (the plan comes from the
    cached facts), checking every part of every statement and recording it.
    """
    request = outcome.request
    plan = plan_of(request)
    recorder = _Recorder(plan.who, plan.described, plan.role_arn)
    actions = outcome.actions or (request.action,)
    if len(actions) == 1:
        only = decide_action(plan, actions[0], recorder)
        decision, errors, side, reason = only.decision, only.errors, only.side, only.reason
    else:
        results = [decide_action(plan, action, recorder) for action in actions]
        decision, _, errors, side, reason = summary(results)
    errors = chain_readings(request, actions, errors)
    return Explanation(
        decision,
        reason,
        side,
        _describe_caller(request, plan),
        request.role.arn,
        tuple(recorder.actions),
        tuple([str(e) for e in errors]) if errors else (),
    )


def _describe_caller(request: AssumeRoleRequest, plan: Plan) -> str:
    """Name the caller; a federated caller also by its subject, so a reader knows who was denied.

    The subject is the request context's (the token's ``<issuer>:sub`` for OIDC, AWS IAM
    "Available keys for AssumeRoleWithWebIdentity"; ``saml:sub`` for SAML, "Available keys for
    SAML-based federation"), else the caller's own claim when the action carries no such keys.
    """
    described: str = plan.described
    if plan.subject is None:
        return described
    label, key = plan.subject
    caller = request.caller
    if isinstance(caller, WebIdentity):
        given = caller.claims.get(label)
    elif isinstance(caller, SamlIdentity):
        given = caller.attributes.get(label)
    else:  # only federated callers have a subject
        return described
    subject = request.context.folded.get(key) or ((given,) if isinstance(given, str) else given)
    if not subject:
        return described
    shown = ", ".join(f'"{value}"' for value in subject)
    return f"{described} {label} {shown}"


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
