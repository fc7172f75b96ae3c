"""The :class:`Explanation` of an outcome: its records and the views over them.

It is built by the evaluator's replay (:mod:`trustsim.evaluation.explaining`); this module
holds the value alone, so the outcome's module can name it as :meth:`Outcome.explain
<trustsim.decision.Outcome.explain>`'s return type without importing the evaluator.
"""

from __future__ import annotations

from typing import Any

import attrs

from trustsim import _reprs
from trustsim.errors import escape
from trustsim.explain.records import VIEWS, ActionRecord, StatementRecord
from trustsim.model import Decision, StatementRef

__all__ = ["Explanation"]


@attrs.frozen
class Explanation:
    """Why an outcome is what it is; see :mod:`trustsim.explain` for the views.

    Attributes:
        decision: the outcome's :class:`~trustsim.decision.Decision`, found again by the replay.
        reason: why, in one line, as the outcome says it.
        side: the side that decided.
        caller: who asked (a federated caller with its subject).
        role: the role's ARN.
        actions: one :class:`~trustsim.explain.ActionRecord` per action decided, each with every
            policy consulted.
        errors: the outcome's diagnostics, as text.

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


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
