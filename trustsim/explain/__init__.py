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
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from trustsim import _reprs
from trustsim._memo import memo, remember
from trustsim.callers import WebIdentity
from trustsim.compiler import CallerIdentity, CompiledPolicy, CompiledStatement, MatchKind
from trustsim.conditions import ClauseResult, ConditionResult
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import escape
from trustsim.evaluation.plan import Plan, plan_of
from trustsim.evaluation.rules import ActionResult, chain_readings, summary
from trustsim.evaluation.scan import decide_action

if TYPE_CHECKING:
    from trustsim.context import RequestContext
    from trustsim.evaluation.scan import StaticScan
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


class _Record:
    """An immutable record whose fields sit in one tuple.

    Explanations build records in bulk (one per statement and clause checked), so a record
    is one allocation and one slot store; it compares, hashes and prints like the frozen attrs
    class it replaces (``StatementRecord(ref=…, side=…, …)``).
    """

    __slots__ = ("_f",)
    _f: tuple[Any, ...]
    _fields: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[Any, ...]:
        return self._f

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    #: The public class a record is one of (a lazily built record is one of its base's).
    _public: ClassVar[type[_Record]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            cls._public = cls

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Record) or other._public is not self._public:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self._public.__name__, self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self._values(), strict=True))
        return f"{self._public.__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, self._values())


_new = object.__new__
_set_fields = _Record.__dict__["_f"].__set__


class ClauseRecord(_Record):
    """One condition clause as evaluated: the values compared and the result.

    It shares the :class:`~trustsim.conditions.ClauseResult` of the evaluation (an
    immutable value) rather than copying it.
    """

    __slots__ = ()
    _fields = (
        "operator",
        "key",
        "request_values",
        "policy_values",
        "matched",
        "pointer",
        "diagnostic",
    )

    def __init__(  # noqa: PLR0917 - the fields, in the order of the former attrs class
        self,
        operator: str,
        key: str,
        request_values: tuple[str, ...] | None,
        policy_values: tuple[str, ...],
        matched: bool,
        pointer: str,
        diagnostic: str | None = None,
    ) -> None:
        result = ClauseResult(operator, key, request_values, policy_values, matched, pointer)
        _set_fields(self, (result, diagnostic))

    @classmethod
    def of(cls, clause: ClauseResult) -> ClauseRecord:
        """The record of a clause result of :mod:`trustsim.conditions`."""
        if type(clause.policy_values) is not tuple or not (
            clause.request_values is None or type(clause.request_values) is tuple
        ):
            clause = attrs.evolve(
                clause,
                request_values=None
                if clause.request_values is None
                else tuple(clause.request_values),
                policy_values=tuple(clause.policy_values),
            )
        return _clause_record(clause)

    def _values(self) -> tuple[Any, ...]:
        result, diagnostic = self._f
        return (
            result.operator,
            result.key,
            result.request_values,
            result.policy_values,
            result.matched,
            result.pointer,
            diagnostic,
        )

    @property
    def operator(self) -> str:
        """The operator as written (``ForAnyValue:StringLike``)."""
        return self._f[0].operator  # type: ignore[no-any-return]

    @property
    def key(self) -> str:
        """The condition key as written."""
        return self._f[0].key  # type: ignore[no-any-return]

    @property
    def request_values(self) -> tuple[str, ...] | None:
        """The request's values of the key; ``None`` when the key was absent."""
        return self._f[0].request_values  # type: ignore[no-any-return]

    @property
    def policy_values(self) -> tuple[str, ...]:
        """The policy's values, policy variables filled in."""
        return self._f[0].policy_values  # type: ignore[no-any-return]

    @property
    def matched(self) -> bool:
        """Whether the clause held."""
        return self._f[0].matched  # type: ignore[no-any-return]

    @property
    def pointer(self) -> str:
        """The clause's JSON pointer in its policy."""
        return self._f[0].pointer  # type: ignore[no-any-return]

    @property
    def diagnostic(self) -> str | None:
        """Why the verdict rests on an unreadable value or a §9 reading, if it does."""
        return self._f[1]  # type: ignore[no-any-return]

    def describe(self) -> str:
        """``StringEquals …:sub expected "repo:acme/app:ref:refs/heads/main", got "…"``."""
        result, diagnostic = self._f
        policy_values, request_values = result.policy_values, result.request_values
        if len(policy_values) == 1:
            wanted = _quote(policy_values[0])
        else:
            wanted = "one of " + ", ".join(_quote(v) for v in policy_values)
        if request_values is None:
            got = "nothing (the key is absent)"
        elif len(request_values) == 1:
            got = _quote(request_values[0])
        else:
            got = "[" + ", ".join(_quote(v) for v in request_values) + "]"
        text = f"{result.operator} {result.key} expected {wanted}, got {got}"
        if diagnostic:
            text += f" ({diagnostic})"
        if result.note:
            text += f" (note: {result.note})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        result, diagnostic = self._f
        request_values = result.request_values
        return {
            "operator": result.operator,
            "key": result.key,
            "policy_values": list(result.policy_values),
            "request_values": None if request_values is None else list(request_values),
            "matched": result.matched,
            "pointer": result.pointer,
            "diagnostic": diagnostic,
        }


def _clause_record(clause: ClauseResult) -> ClauseRecord:
    record = _new(ClauseRecord)
    diagnostic = clause.diagnostic
    _set_fields(record, (clause, None if diagnostic is None else str(diagnostic)))
    return record


class StatementRecord(_Record):
    """One statement as checked against the request for one action.

    ``principal`` is ``None`` for caller-side policies (no ``Principal`` element);
    ``resource_matched`` is ``None`` when the statement has no resource element (trust).
    The clause records are made from the condition's result when first read.
    """

    __slots__ = ("_clauses",)
    _clauses: tuple[ClauseRecord, ...]
    _fields = (
        "ref",
        "side",
        "effect",
        "principal",
        "principal_detail",
        "action_matched",
        "actions",
        "resource_matched",
        "resources",
        "clauses",
        "applies",
    )

    def __init__(  # noqa: PLR0917 - the fields, in the order of the former attrs class
        self,
        ref: StatementRef,
        side: str,
        effect: str,
        principal: MatchKind | None,
        principal_detail: str,
        action_matched: bool,
        actions: str,
        resource_matched: bool | None,
        resources: str,
        clauses: tuple[ClauseRecord, ...],
        applies: bool,
    ) -> None:
        _set_fields(
            self,
            (ref, side, effect, principal, principal_detail, action_matched, actions,
             resource_matched, resources, clauses, applies),
        )  # fmt: skip
        _set_clauses(self, clauses)

    def _values(self) -> tuple[Any, ...]:
        values = self._f
        return (*values[:9], self.clauses, values[10])

    @property
    def ref(self) -> StatementRef:
        """Which statement."""
        return self._f[0]  # type: ignore[no-any-return]

    @property
    def side(self) -> str:
        """The side of its policy (``trust``, ``identity``, ``boundary``, ``scp``…)."""
        return self._f[1]  # type: ignore[no-any-return]

    @property
    def effect(self) -> str:
        """``Allow`` or ``Deny``."""
        return self._f[2]  # type: ignore[no-any-return]

    @property
    def principal(self) -> MatchKind | None:
        """How the principal element matched; ``None`` without one."""
        return self._f[3]  # type: ignore[no-any-return]

    @property
    def principal_detail(self) -> str:
        """The principal check in words."""
        return self._f[4]  # type: ignore[no-any-return]

    @property
    def action_matched(self) -> bool:
        """Whether the action element covered the action."""
        return self._f[5]  # type: ignore[no-any-return]

    @property
    def actions(self) -> str:
        """The action element as written."""
        return self._f[6]  # type: ignore[no-any-return]

    @property
    def resource_matched(self) -> bool | None:
        """Whether the resource element covered the role; ``None`` without one."""
        return self._f[7]  # type: ignore[no-any-return]

    @property
    def resources(self) -> str:
        """The resource element as written."""
        return self._f[8]  # type: ignore[no-any-return]

    @property
    def clauses(self) -> tuple[ClauseRecord, ...]:
        """Every condition clause, in policy order."""
        try:
            return self._clauses
        except AttributeError:  # recorded: made from the condition's result on first read
            condition: ConditionResult = self._f[9]
            results = condition.clauses
            clauses = tuple([_clause_record(c) for c in results]) if results else ()
            _set_clauses(self, clauses)
            return clauses

    @property
    def applies(self) -> bool:
        """Whether every part matched."""
        return self._f[10]  # type: ignore[no-any-return]

    @property
    def principal_matched(self) -> bool:
        """Whether the principal element (if any) matched."""
        return self._f[3] is not MatchKind.NO

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
        (ref, _, effect, principal, detail, action_matched, actions, resource_matched,
         resources, _, applies) = self._f  # fmt: skip
        clauses = self.clauses
        mark = "applies" if applies else "does not apply"
        out = [f"{ref} [{effect}] — {mark}"]
        if principal is not None:
            out.append(f"  {'✗' if principal is MatchKind.NO else '✓'} principal: {detail}")
        if not (only_failures and action_matched):
            out.append(f"  {'✓' if action_matched else '✗'} action: {actions}")
        if resource_matched is not None and not (only_failures and resource_matched):
            out.append(f"  {'✓' if resource_matched else '✗'} resource: {resources}")
        for clause in clauses:
            matched = clause.matched
            if only_failures and matched:
                continue
            out.append(f"  {'✓' if matched else '✗'} {clause.describe()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        (ref, side, effect, principal, detail, action_matched, actions, resource_matched,
         resources, _, applies) = self._f  # fmt: skip
        clauses = self.clauses
        return {
            "policy": ref.policy,
            "index": ref.index,
            "sid": ref.sid,
            "pointer": ref.pointer,
            "side": side,
            "effect": effect,
            "applies": applies,
            "principal": None
            if principal is None
            else {
                "matched": principal is not MatchKind.NO,
                "kind": principal.name,
                "detail": detail,
            },
            "action": {"matched": action_matched, "detail": actions},
            "resource": None
            if resource_matched is None
            else {"matched": resource_matched, "detail": resources},
            "condition": [c.to_dict() for c in clauses],
        }


_set_clauses = StatementRecord.__dict__["_clauses"].__set__


class PolicyRecord(_Record):
    """One policy consulted for one action, with every statement."""

    __slots__ = ()
    _fields = ("label", "side", "statements")

    def __init__(self, label: str, side: str, statements: tuple[StatementRecord, ...]) -> None:
        _set_fields(self, (label, side, statements))

    @property
    def label(self) -> str:
        """The policy's label (``trust policy``, ``identity policy 0``…)."""
        return self._f[0]  # type: ignore[no-any-return]

    @property
    def side(self) -> str:
        """Its side of the decision."""
        return self._f[1]  # type: ignore[no-any-return]

    @property
    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement, in policy order."""
        return self._f[2]  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        label, side, statements = self._f
        return {
            "policy": label,
            "side": side,
            "statements": [s.to_dict() for s in statements],
        }


class _PendingPolicyRecord(PolicyRecord):
    """A :class:`PolicyRecord` whose statement records are made when first read.

    The replay decided with the statements that could apply (their condition results are
    kept); a record for every statement is built from those results, the statements'
    request-independent fields (memoised per caller, role and action) and, for statements
    that could not apply, a condition result computed when read. It equals, hashes, pickles
    and prints as the record built at once.
    """

    __slots__ = ("_pending",)
    _pending: tuple[Any, ...]  # (scan, prefixes, context, checked, role ARN)

    @property
    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement, in policy order."""
        statements = self._f[2]
        if statements is None:
            statements = self._build()
        return statements  # type: ignore[no-any-return]

    def _build(self) -> tuple[StatementRecord, ...]:
        scan, prefixes, context, checked, role_arn = self._pending
        records = []
        for index, (prefix, entry) in enumerate(zip(prefixes, scan.entries, strict=True)):
            condition = entry[0].condition
            resource_matched = prefix[7]
            applies = checked.get(index)
            if applies is None:  # could not apply: its condition's result is made when read
                if resource_matched is not None and not isinstance(resource_matched, bool):
                    resource_matched = entry[0].resource.matches(role_arn, context)
                result, applies = condition.deferred(context), False
            else:  # checked: its condition's verdict is whether it applies
                result = condition.known(context, applies)
                if resource_matched is not None:  # (matched: statically, or with variables)
                    resource_matched = True
            if prefix[7] is not resource_matched:  # a resource with variables: per request
                prefix = (*prefix[:7], resource_matched, prefix[8])  # noqa: PLW2901
            record = _new(StatementRecord)
            # The condition's result is kept: its clause records are made when a view reads them.
            _set_fields(record, (*prefix, result, applies))
            records.append(record)
        statements = tuple(records)
        label, side, _ = self._f
        _set_fields(self, (label, side, statements))
        return statements

    def _values(self) -> tuple[Any, ...]:
        self.statements  # noqa: B018 - made when first read
        return self._f

    def __reduce__(self) -> tuple[Any, ...]:
        return (PolicyRecord, self._values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        self.statements  # noqa: B018 - made when first read
        return super().to_dict()


_set_pending = _PendingPolicyRecord.__dict__["_pending"].__set__


class ActionRecord(_Record):
    """The decision on one action and every policy consulted for it."""

    __slots__ = ()
    _fields = ("action", "decision", "side", "reason", "determined_by", "policies")

    def __init__(  # noqa: PLR0917 - the fields, in the order of the former attrs class
        self,
        action: str,
        decision: Decision,
        side: str,
        reason: str,
        determined_by: tuple[StatementRef, ...],
        policies: tuple[PolicyRecord, ...],
    ) -> None:
        _set_fields(self, (action, decision, side, reason, determined_by, policies))

    @property
    def action(self) -> str:
        """The action decided."""
        return self._f[0]  # type: ignore[no-any-return]

    @property
    def decision(self) -> Decision:
        """Its decision."""
        return self._f[1]  # type: ignore[no-any-return]

    def __bool__(self) -> bool:
        # As an Outcome: true only when this action is allowed.
        return self._f[1] is Decision.ALLOW

    @property
    def side(self) -> str:
        """The side that decided it."""
        return self._f[2]  # type: ignore[no-any-return]

    @property
    def reason(self) -> str:
        """Why, in one sentence."""
        return self._f[3]  # type: ignore[no-any-return]

    @property
    def determined_by(self) -> tuple[StatementRef, ...]:
        """The statements that decided it."""
        return self._f[4]  # type: ignore[no-any-return]

    @property
    def policies(self) -> tuple[PolicyRecord, ...]:
        """Every policy consulted, in evaluation order."""
        return self._f[5]  # type: ignore[no-any-return]

    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement record, policy by policy."""
        return tuple(s for p in self._f[5] for s in p.statements)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        action, decision, side, reason, determined_by, policies = self._f
        return {
            "action": action,
            "decision": decision.value,
            "side": side,
            "reason": reason,
            "determined_by": [str(r) for r in determined_by],
            "policies": [p.to_dict() for p in policies],
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
        record = _new(_PendingPolicyRecord)
        _set_fields(record, (policy.label, side, None))
        _set_pending(record, (scan, hit[1], context, checked, self.role_arn))
        self._policies.append(record)

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
        record = _new(ActionRecord)
        action, decision, side, reason, refs = result[:5]
        _set_fields(record, (action, decision, side, reason, refs, policies))
        self.actions.append(record)


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
    explanation = _new(Explanation)
    _SET_DECISION(explanation, decision)
    _SET_REASON(explanation, reason)
    _SET_SIDE(explanation, side)
    _SET_CALLER(explanation, _describe_caller(request, plan))
    _SET_ROLE(explanation, request.role.arn)
    _SET_ACTIONS(explanation, tuple(recorder.actions))
    _SET_ERRORS(explanation, tuple([str(e) for e in errors]) if errors else ())
    return explanation


# Explanation's slots, set directly: attrs' generated __init__ (and a loop over the fields)
# cost more, and explain() makes one Explanation per call. (A test checks that every field
# is set.)
_SET_DECISION, _SET_REASON, _SET_SIDE, _SET_CALLER, _SET_ROLE, _SET_ACTIONS, _SET_ERRORS = (
    Explanation.__dict__[name].__set__
    for name in ("decision", "reason", "side", "caller", "role", "actions", "errors")
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
    claims = caller.claims if isinstance(caller, WebIdentity) else caller.attributes  # type: ignore[union-attr]
    given = claims.get(label)
    subject = request.context.folded.get(key) or ((given,) if isinstance(given, str) else given)
    if not subject:
        return described
    shown = ", ".join(f'"{value}"' for value in subject)
    return f"{described} {label} {shown}"


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
