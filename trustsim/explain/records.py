"""The records of an explanation: one per clause, statement, policy and action.

Each record is made when a view first reads it (:class:`PendingPolicyRecord` fills a policy's
statements from the replayed scan on first access); :class:`~trustsim.explain.Explanation`
holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from trustsim import _reprs
from trustsim.compiler import MatchKind
from trustsim.conditions import ClauseResult, ConditionResult
from trustsim.decision import Decision, StatementRef

if TYPE_CHECKING:
    pass


__all__ = ["ActionRecord", "ClauseRecord", "PolicyRecord", "StatementRecord"]

VIEWS = ("summary", "determining", "failures", "all")


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

    def __init_subclass__(cls, *, lazy: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not lazy:  # a lazily built record (``lazy=True``) is one of its base's
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
set_fields = _Record.__dict__["_f"].__set__


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
        set_fields(self, (result, diagnostic))

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
    set_fields(record, (clause, None if diagnostic is None else str(diagnostic)))
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
        set_fields(
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
        set_fields(self, (label, side, statements))

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


class PendingPolicyRecord(PolicyRecord, lazy=True):
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
            set_fields(record, (*prefix, result, applies))
            records.append(record)
        statements = tuple(records)
        label, side, _ = self._f
        set_fields(self, (label, side, statements))
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


set_pending = PendingPolicyRecord.__dict__["_pending"].__set__


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
        set_fields(self, (action, decision, side, reason, determined_by, policies))

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


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
