"""The records of an explanation: one per clause, statement, policy and action.

Each record is made when a view first reads it (:class:`PendingPolicyRecord` fills a policy's
statements from the replayed scan on first access); :class:`~trustsim.explain.Explanation`
holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast, overload

import attrs

from trustsim import _reprs
from trustsim.compiler import CompiledStatement, MatchKind
from trustsim.conditions import ClauseResult
from trustsim.model import Decision, StatementRef

if TYPE_CHECKING:
    from collections.abc import Mapping

    from trustsim.conditions import CompiledCondition
    from trustsim.context import RequestContext


__all__ = ["ActionRecord", "ClauseRecord", "PolicyRecord", "StatementRecord"]

VIEWS = ("summary", "determining", "failures", "all")

T = TypeVar("T")


class ScannedPolicy(Protocol):
    """What a lazily built policy record reads of the replay's scan of its policy.

    (:class:`trustsim.evaluation.scan.StaticScan`: the records need nothing else of it.)
    """

    @property
    def entries(self) -> tuple[tuple[CompiledStatement, MatchKind, bool, object], ...]:
        """Every statement with its principal match, action match and resource result."""
        ...  # pragma: no cover - a protocol


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Record:
    """An immutable record whose fields sit in one tuple.

    Explanations build records in bulk (one per statement and clause checked), so a record
    is one allocation and one slot store; its public fields are :class:`_Field` descriptors
    that read the tuple and refuse assignment and deletion. It compares, hashes, pickles and
    prints like a frozen attrs class (``StatementRecord(ref=…, side=…, …)``).
    """

    __slots__ = ("_f",)
    _f: tuple[Any, ...]
    #: The public fields, in constructor order (what ``repr``, ``==`` and pickling use).
    _fields: ClassVar[tuple[str, ...]] = ()
    #: The public class a record is one of (a lazily built record is one of its base's).
    _public: ClassVar[type[_Record]]

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __init_subclass__(cls, *, lazy: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not lazy:  # a lazily built record (``lazy=True``) is one of its base's
            cls._public = cls

    def _values(self) -> tuple[Any, ...]:
        """The public fields' values, in :attr:`_fields` order."""
        return self._f

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
        return (self._public, self._values())


#: How a record writes its own private slots, once: in its constructor, or a lazily made part
#: when first read. Its ``__setattr__`` refuses every write, so it writes as the ``__init__``
#: of an attrs frozen class does (``object.__setattr__``); nothing outside a record calls it.
_write = object.__setattr__


class _Field(Generic[T]):
    """A record's public field: item ``index`` of its tuple; never set nor deleted."""

    def __init__(self, index: int, doc: str) -> None:
        self.index = index
        self.__doc__ = doc

    @overload
    def __get__(self, record: None, owner: type[_Record]) -> _Field[T]: ...
    @overload
    def __get__(self, record: _Record, owner: type[_Record]) -> T: ...
    def __get__(self, record: _Record | None, owner: type[_Record]) -> T | _Field[T]:
        if record is None:
            return self
        return cast("T", record._f[self.index])

    def __set__(self, record: _Record, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delete__(self, record: _Record) -> None:
        raise attrs.exceptions.FrozenInstanceError


class ClauseRecord(_Record):
    """One condition clause as evaluated: the values compared and the result."""

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
    operator: _Field[str] = _Field(0, "The operator as written (``ForAnyValue:StringLike``).")
    key: _Field[str] = _Field(1, "The condition key as written.")
    request_values: _Field[tuple[str, ...] | None] = _Field(
        2, "The request's values of the key; ``None`` when the key was absent."
    )
    policy_values: _Field[tuple[str, ...]] = _Field(
        3, "The policy's values, policy variables filled in."
    )
    matched: _Field[bool] = _Field(4, "Whether the clause held.")
    pointer: _Field[str] = _Field(5, "The clause's JSON pointer in its policy.")
    diagnostic: _Field[str | None] = _Field(
        6, "Why the verdict rests on an unreadable value or a §9 reading, if it does."
    )
    note: _Field[str] = _Field(
        7, "Why a policy value with an absent variable took no part (not compared by ``==``)."
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
        note: str = "",
    ) -> None:
        _write(
            self,
            "_f",
            (operator, key, request_values, policy_values, matched, pointer, diagnostic, note),
        )

    @classmethod
    def of(cls, clause: ClauseResult) -> ClauseRecord:
        """The record of a clause result of :mod:`trustsim.conditions` (its values shared)."""
        request_values, policy_values = clause.request_values, clause.policy_values
        diagnostic = clause.diagnostic
        return cls(
            clause.operator,
            clause.key,
            request_values if request_values is None else tuple(request_values),
            tuple(policy_values),
            clause.matched,
            clause.pointer,
            None if diagnostic is None else str(diagnostic),
            clause.note,
        )

    def _values(self) -> tuple[Any, ...]:
        return self._f[:7]

    def describe(self) -> str:
        """``StringEquals …:sub expected "repo:acme/app:ref:refs/heads/main", got "…"``."""
        operator, key, request_values, policy_values, _, _, diagnostic, note = self._f
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
        text = f"{operator} {key} expected {wanted}, got {got}"
        if diagnostic:
            text += f" ({diagnostic})"
        if note:
            text += f" (note: {note})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        operator, key, request_values, policy_values, matched, pointer, diagnostic, _ = self._f
        return {
            "operator": operator,
            "key": key,
            "policy_values": list(policy_values),
            "request_values": None if request_values is None else list(request_values),
            "matched": matched,
            "pointer": pointer,
            "diagnostic": diagnostic,
        }


class StatementRecord(_Record):
    """One statement as checked against the request for one action.

    ``principal`` is ``None`` for caller-side policies (no ``Principal`` element);
    ``resource_matched`` is ``None`` when the statement has no resource element (trust).
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
    ref: _Field[StatementRef] = _Field(0, "Which statement.")
    side: _Field[str] = _Field(
        1, "The side of its policy (``trust``, ``identity``, ``boundary``, ``scp``…)."
    )
    effect: _Field[str] = _Field(2, "``Allow`` or ``Deny``.")
    principal: _Field[MatchKind | None] = _Field(
        3, "How the principal element matched; ``None`` without one."
    )
    principal_detail: _Field[str] = _Field(4, "The principal check in words.")
    action_matched: _Field[bool] = _Field(5, "Whether the action element covered the action.")
    actions: _Field[str] = _Field(6, "The action element as written.")
    resource_matched: _Field[bool | None] = _Field(
        7, "Whether the resource element covered the role; ``None`` without one."
    )
    resources: _Field[str] = _Field(8, "The resource element as written.")
    applies: _Field[bool] = _Field(9, "Whether every part matched.")

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
        fields = (ref, side, effect, principal, principal_detail, action_matched, actions,
                  resource_matched, resources, applies)  # fmt: skip
        _write(self, "_f", fields)
        _write(self, "_clauses", clauses)

    def _values(self) -> tuple[Any, ...]:
        values = self._f
        return (*values[:9], self.clauses, values[9])

    @property
    def clauses(self) -> tuple[ClauseRecord, ...]:
        """Every condition clause, in policy order."""
        return self._clauses

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
         resources, applies) = self._f  # fmt: skip
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
         resources, applies) = self._f  # fmt: skip
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


class RecordedStatement(StatementRecord, lazy=True):
    """A :class:`StatementRecord` of the replay: its clause records made when first read.

    It keeps the statement's compiled condition and the request context; reading
    :attr:`clauses` evaluates the condition clause by clause (the records of a full
    evaluation). It equals, hashes, pickles and prints as the record built at once.
    """

    __slots__ = ("_source",)
    _source: tuple[CompiledCondition, RequestContext]

    def __init__(
        self, fields: tuple[Any, ...], condition: CompiledCondition, context: RequestContext
    ) -> None:
        _write(self, "_f", fields)
        _write(self, "_source", (condition, context))

    @property
    def clauses(self) -> tuple[ClauseRecord, ...]:
        """Every condition clause, in policy order."""
        try:
            return self._clauses
        except AttributeError:  # not read yet
            condition, context = self._source
            results = condition.evaluate(context).clauses
            clauses = tuple([ClauseRecord.of(c) for c in results]) if results else ()
            _write(self, "_clauses", clauses)
            return clauses


class PolicyRecord(_Record):
    """One policy consulted for one action, with every statement."""

    __slots__ = ("_statements",)
    _statements: tuple[StatementRecord, ...]
    _fields = ("label", "side", "statements")
    label: _Field[str] = _Field(0, "The policy's label (``trust policy``, ``identity policy 0``…).")
    side: _Field[str] = _Field(1, "Its side of the decision.")

    def __init__(self, label: str, side: str, statements: tuple[StatementRecord, ...]) -> None:
        _write(self, "_f", (label, side))
        _write(self, "_statements", statements)

    @property
    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement, in policy order."""
        return self._statements

    def _values(self) -> tuple[Any, ...]:
        label, side = self._f
        return (label, side, self.statements)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        label, side = self._f
        return {
            "policy": label,
            "side": side,
            "statements": [s.to_dict() for s in self.statements],
        }


class PendingPolicyRecord(PolicyRecord, lazy=True):
    """A :class:`PolicyRecord` whose statement records are made when first read.

    The replay decided with the statements that could apply; a record for every statement is
    built from the statements' request-independent fields (memoised per caller, role and
    action), the replay's verdicts and, for statements that could not apply, their resource
    checked when read; each statement's clause records are made when a view reads them
    (:class:`RecordedStatement`). It equals, hashes, pickles and prints as the record built
    at once.
    """

    __slots__ = ("_pending",)
    #: What the replay kept: the scan, the statements' prefixes, the context, the verdicts
    #: of the statements checked, the role's ARN.
    _pending: tuple[
        ScannedPolicy, tuple[tuple[Any, ...], ...], RequestContext, Mapping[int, bool], str
    ]

    def __init__(  # noqa: PLR0917 - what the replay kept, in the order it reads it
        self,
        label: str,
        side: str,
        scan: ScannedPolicy,
        prefixes: tuple[tuple[Any, ...], ...],
        context: RequestContext,
        checked: Mapping[int, bool],
        role_arn: str,
    ) -> None:
        _write(self, "_f", (label, side))
        _write(self, "_pending", (scan, prefixes, context, checked, role_arn))

    @property
    def statements(self) -> tuple[StatementRecord, ...]:
        """Every statement, in policy order."""
        try:
            return self._statements
        except AttributeError:  # not read yet
            statements = self._build()
            _write(self, "_statements", statements)
            return statements

    def _build(self) -> tuple[StatementRecord, ...]:
        scan, prefixes, context, checked, role_arn = self._pending
        records: list[StatementRecord] = []
        for index, (prefix, entry) in enumerate(zip(prefixes, scan.entries, strict=True)):
            statement = entry[0]
            resource_matched = prefix[7]
            applies = checked.get(index)
            if applies is None:  # could not apply
                applies = False
                resource = statement.resource  # not a bool: its values hold variables
                if resource is not None and not isinstance(resource_matched, (bool, type(None))):
                    resource_matched = resource.matches(role_arn, context)
            elif resource_matched is not None:  # checked: matched, statically or with variables
                resource_matched = True
            fields = (*prefix[:7], resource_matched, prefix[8], applies)
            records.append(RecordedStatement(fields, statement.condition, context))
        return tuple(records)


class ActionRecord(_Record):
    """The decision on one action and every policy consulted for it."""

    __slots__ = ()
    _fields = ("action", "decision", "side", "reason", "determined_by", "policies")
    action: _Field[str] = _Field(0, "The action decided.")
    decision: _Field[Decision] = _Field(1, "Its decision.")
    side: _Field[str] = _Field(2, "The side that decided it.")
    reason: _Field[str] = _Field(3, "Why, in one sentence.")
    determined_by: _Field[tuple[StatementRef, ...]] = _Field(4, "The statements that decided it.")
    policies: _Field[tuple[PolicyRecord, ...]] = _Field(
        5, "Every policy consulted, in evaluation order."
    )

    def __init__(  # noqa: PLR0917 - the fields, in the order of the former attrs class
        self,
        action: str,
        decision: Decision,
        side: str,
        reason: str,
        determined_by: tuple[StatementRef, ...],
        policies: tuple[PolicyRecord, ...],
    ) -> None:
        _write(self, "_f", (action, decision, side, reason, determined_by, policies))

    def __bool__(self) -> bool:
        # As an Outcome: true only when this action is allowed.
        return self._f[1] is Decision.ALLOW

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
