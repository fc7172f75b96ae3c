"""Compiled ``Condition`` blocks: a fast yes/no, and the same plan replayed with records.

Rules (docs/semantics.md §5), applied to each clause (one key under one operator); all clauses AND:

================================  =========================================================
situation                         result of the clause
================================  =========================================================
key absent (or given as ``[]``)   ``…IfExists``: true; ``ForAllValues:``: true (reading 2,
                                  negated operators included); ``ForAnyValue:``: false;
                                  ``Null``: its value is ``"true"``; otherwise false for
                                  positive operators and true for negated ones (§5.3)
one value, no qualifier           positive: it matches some policy value (OR); negated: it
                                  matches none (NOR) (§5.1)
several values, no qualifier      no match, positive and negated alike (reading 3)
``ForAllValues:``                 every request value satisfies the operator (§5.12)
``ForAnyValue:``                  at least one request value satisfies it (§5.12)
unreadable request value          no match, positive and negated alike (reading 9)
================================  =========================================================

``Null`` asks only whether the key is present, so several values do not trouble it; a
present empty string counts as present (reading 9c). Policy variables are filled from the
context at evaluation time (:mod:`trustsim.variables`); everything else — key folding,
parsing of dates, numbers, networks and ARNs, wildcard compilation — happens once, in
:func:`compile_condition`.
"""

from __future__ import annotations

import ipaddress
import itertools
import linecache
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from trustsim import _pointer, _reprs
from trustsim._inputs import shown, too_deep
from trustsim._memo import cached, register
from trustsim.context import ContextValue, RequestContext, normalize_key
from trustsim.errors import Diagnostic, InvalidPolicy, Problem
from trustsim.model import ConditionClause, SetQualifier, parse_operator_name
from trustsim.operators import (
    OPERATORS,
    AnyMatch,
    Family,
    Instant,
    OperatorSpec,
    build_equals,
    parse_date,
    policy_value_problems,
    value_template,
)
from trustsim.variables import Template, Unresolved, parse_template

__all__ = [
    "ClauseResult",
    "CompiledCondition",
    "ConditionResult",
    "check_condition",
    "clauses_from_json",
    "compile_condition",
]

UNREADABLE = "UNREADABLE_REQUEST_VALUE"
UNCERTAIN = "UNCERTAIN_SEMANTICS"

_ALL = SetQualifier.FOR_ALL_VALUES
_ANY = SetQualifier.FOR_ANY_VALUE


@attrs.frozen
class ClauseResult:
    """The record of one clause: what was compared and the verdict.

    ``request_values`` is ``None`` when the key was absent; ``policy_values`` are the values
    after policy variables were filled in (a variable whose key is absent stays as written,
    and ``note`` then says that such a value matches nothing).

    >>> result = check_condition({"StringLike": {"aws:PrincipalTag/team": "plat*"}},
    ...                          {"aws:PrincipalTag/team": "payments"})
    >>> clause = result.clauses[0]
    >>> clause.operator, clause.request_values, clause.policy_values, clause.matched
    ('StringLike', ('payments',), ('plat*',), False)
    """

    operator: str
    key: str
    request_values: tuple[str, ...] | None
    policy_values: tuple[str, ...]
    matched: bool
    pointer: str
    diagnostic: Diagnostic | None = None
    note: str = ""

    def __str__(self) -> str:
        got = "absent" if self.request_values is None else _show(self.request_values)
        verdict = "match" if self.matched else "no match"
        text = f"{self.operator} {self.key}: request {got}, policy {_show(self.policy_values)} → {verdict}"
        if self.diagnostic is not None:
            text += f"\n    {self.diagnostic.code}: {self.diagnostic.message}"
        if self.note:
            text += f"\n    note: {self.note}"
        return text


@attrs.frozen
class ConditionResult:
    """The result of a whole ``Condition`` block, clause by clause.

    ``str()`` prints one line per clause, e.g.
    ``StringEquals sts:ExternalId: request 'abc', policy 'xyz' → no match``.

    >>> result = check_condition({"StringEquals": {"sts:ExternalId": "xyz"},
    ...                           "Bool": {"aws:SecureTransport": "true"}},
    ...                          {"sts:ExternalId": "abc", "aws:SecureTransport": "true"})
    >>> result.matched
    False
    >>> print(result)
    condition did not match
      StringEquals sts:ExternalId: request 'abc', policy 'xyz' → no match
      Bool aws:SecureTransport: request 'true', policy 'true' → match
    """

    matched: bool
    clauses: tuple[ClauseResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    def __str__(self) -> str:
        head = "condition matched" if self.matched else "condition did not match"
        if not self.clauses:
            return f"{head} (no clauses)"
        return "\n".join([head, *(f"  {clause}" for clause in self.clauses)])


def _show(values: Sequence[str]) -> str:
    if len(values) == 1:
        return repr(values[0])
    return "[" + ", ".join(repr(value) for value in values) + "]"


# A context's values by folded key (RequestContext.folded): the hot path never folds a key.
_Entries = Mapping[str, tuple[str, ...]]


def _values(entries: _Entries, folded: str) -> tuple[str, ...] | None:
    return entries.get(folded) or None  # a key given as [] reads as absent here


class _Clause:
    """One compiled clause; ``test`` is its hot path, ``explain`` the recorded replay."""

    __slots__ = (
        "can_diagnose",
        "date_only_policy",
        "folded",
        "missing_result",
        "negated",
        "null_if_absent",
        "null_if_present",
        "null_wants",
        "operator",
        "pointer",
        "policy_texts",
        "prepared",
        "qualifier",
        "readable_single",
        "several_only",
        "spec",
        "static_match",
        "templates",
        "test",
        "written_key",
    )

    def __init__(
        self, clause: ConditionClause, spec: OperatorSpec, pointer: str, expand_variables: bool
    ) -> None:
        op = clause.operator
        self.operator = op.name
        self.spec = spec
        self.written_key = clause.key
        self.folded = normalize_key(clause.key)
        self.pointer = pointer
        self.qualifier = op.qualifier
        self.negated = spec.negated
        self.policy_texts = clause.values
        if op.if_exists or op.qualifier is _ALL:
            self.missing_result = True
        elif op.qualifier is _ANY:
            self.missing_result = False
        else:
            self.missing_result = spec.missing_key_result
        self.templates: tuple[Template, ...] = ()
        self.static_match: AnyMatch | None = None
        #: The policy values as the operator read them (static values only).
        self.prepared: tuple[Any, ...] = ()
        self.null_wants: frozenset[bool] = frozenset()
        self.null_if_absent = self.null_if_present = False
        self.date_only_policy = False
        #: Whether the only diagnostic this clause can have is "several values" (reading 3).
        self.several_only = False
        #: For a typed clause that can only note several values or an unreadable one: its
        #: matcher (which answers ``None`` for a value it cannot read).
        self.readable_single: AnyMatch | None = None
        if spec.family is Family.NULL:
            self.null_wants = frozenset(spec.prepare([(v, True)]) for v in clause.values)
            # Null asks only whether the key is present: its answer when absent (a qualifier
            # gives the missing-key result above) and when present, read once here.
            self.null_if_absent = (
                True in self.null_wants if self.qualifier is None else self.missing_result
            )
            self.null_if_present = False in self.null_wants
            self.test = self._null_test()
            self.can_diagnose = True
            return
        templates = tuple(
            value_template(spec, value, expand_variables=expand_variables and spec.allows_variables)
            for value in clause.values
        )
        if any(template.has_variables for template in templates):
            self.templates = templates
            self.test = self._dynamic_test()
        else:
            prepared = [spec.prepare(template.static_segments) for template in templates]
            self.prepared = tuple(prepared)
            self.date_only_policy = any(
                isinstance(value, Instant) and value.date_only for value in prepared
            )
            self.static_match = spec.build(prepared)
            self.test = self._static_test(self.static_match)
        self.can_diagnose = (
            self.qualifier is None
            or spec.family is not Family.STRING
            or bool(self.templates)
            or (self.qualifier is _ALL and self.negated)
        )
        # (_why: text is always readable, and a present key with one value notes nothing.)
        plain = self.qualifier is None and not self.templates
        self.several_only = plain and spec.family is Family.STRING
        if plain and spec.family in _READ_ONLY_FAMILIES:
            self.readable_single = self.static_match

    # --- hot path ------------------------------------------------------------------------------

    def _static_test(self, any_match: AnyMatch) -> Callable[[_Entries, RequestContext], bool]:
        folded, missing, negated = self.folded, self.missing_result, self.negated
        if self.qualifier is None:
            wanted = not negated  # any_match must answer exactly this (None: unreadable)

            def single(entries: _Entries, context: RequestContext) -> bool:
                values = entries.get(folded)
                if values is None:
                    return missing
                if len(values) == 1:
                    return any_match(values[0]) is wanted
                return missing if not values else False  # several values: reading 3

            return single
        if self.qualifier is _ALL:

            def for_all(entries: _Entries, context: RequestContext) -> bool:
                values = entries.get(folded)
                if values is None:
                    return missing
                for value in values:
                    hit = any_match(value)
                    if hit is None or hit is negated:
                        return False
                return True

            return for_all

        def for_any(entries: _Entries, context: RequestContext) -> bool:
            values = entries.get(folded)
            if not values:
                return missing
            found = False
            for value in values:
                hit = any_match(value)
                if hit is None:
                    return False  # unreadable: the clause does not match (reading 9)
                if hit is not negated:
                    found = True
            return found

        return for_any

    def _dynamic_test(self) -> Callable[[_Entries, RequestContext], bool]:
        folded, missing = self.folded, self.missing_result

        def dynamic(entries: _Entries, context: RequestContext) -> bool:
            if _values(entries, folded) is None:
                return missing  # the missing-key rule comes before any comparison (§5.3)
            any_match, _, _ = self._bind(context)
            if any_match is None:
                return False
            return self._static_test(any_match)(entries, context)

        return dynamic

    def _null_test(self) -> Callable[[_Entries, RequestContext], bool]:
        folded, if_absent, if_present = self.folded, self.null_if_absent, self.null_if_present

        def null(entries: _Entries, context: RequestContext) -> bool:
            return if_absent if _values(entries, folded) is None else if_present

        return null

    # --- policy variables ------------------------------------------------------------------------

    def _bind(self, context: RequestContext) -> tuple[AnyMatch | None, tuple[str, ...], str]:
        """Fill the variables: (any-match or None when the clause cannot match, values, why)."""
        prepared: list[Any] = []
        shown: list[str] = []
        for template in self.templates:
            segments, unresolved = template.resolve(context)
            if segments is None:
                assert unresolved is not None  # noqa: S101 - resolve returns one or the other
                reason, variable = unresolved
                shown.append(template.text)
                if reason is Unresolved.ABSENT:
                    continue  # an absent variable makes its value match nothing (§5.14)
                return (
                    None,
                    tuple(shown),
                    (
                        f"policy variable {variable.text} names {variable.key!r}, which carries several "
                        "values; multi-valued keys cannot be policy variables (docs/semantics.md §5.14), so "
                        "the clause does not match"
                    ),
                )
            text = "".join(part for part, _ in segments)
            shown.append(text)
            try:
                prepared.append(self.spec.prepare(segments))
            except ValueError as error:
                return (
                    None,
                    tuple(shown),
                    (
                        f"policy value {template.text!r} became {text!r} after substitution: {error}; "
                        "the clause does not match (docs/semantics.md, reading 9)"
                    ),
                )
        return self.spec.build(prepared), tuple(shown), ""

    # --- recorded replay -------------------------------------------------------------------------

    def explain(self, context: RequestContext) -> ClauseResult:
        """Evaluate with a record of values and the reason, through the same compiled parts."""
        entries = context.folded
        values = entries.get(self.folded) or None  # _values, inlined: a key given as [] is absent
        matched = self.test(entries, context)
        diagnostic: Diagnostic | None
        if self.templates:
            any_match, policy_values, why = self._bind(context)
            if any_match is None and values is not None:
                diagnostic = self._diagnostic(UNCERTAIN if "several" in why else UNREADABLE, why)
            else:
                diagnostic = self._why(values, any_match)
        else:
            policy_values = self.policy_texts
            diagnostic = self._why(values, self.static_match)
        return ClauseResult(
            self.operator,
            self.written_key,
            values,
            policy_values,
            matched,
            self.pointer,
            diagnostic,
            self._absent_variables_note(context, matched) if self.templates else "",
        )

    def _absent_variables_note(self, context: RequestContext, matched: bool) -> str:
        """Why a value with a variable the request does not carry took no part (explain only)."""
        absent = []
        for template in self.templates:
            segments, unresolved = template.resolve(context)
            if segments is None and unresolved is not None and unresolved[0] is Unresolved.ABSENT:
                absent.append(f"{template.text!r} ({unresolved[1].key} is absent)")
        if not absent:
            return ""
        several = len(absent) > 1
        text = (
            f"the polic{'y values' if several else 'y value'} {', '.join(absent)} "
            f"match{'' if several else 'es'} nothing: a policy variable whose key the request "
            "does not carry has no value (IAM's policy variables page: it is treated as null)"
        )
        if self.negated and matched:
            text += f"; {self.operator} holds because no policy value matches the request"
        elif not self.negated and not matched:
            text += f"; {self.operator} cannot match through {'them' if several else 'it'}"
        return text

    def diagnostic(self, context: RequestContext) -> Diagnostic | None:
        """The diagnostic :meth:`explain` would record, alone (the reason path's question)."""
        values = context.folded.get(self.folded) or None
        if self.templates:
            any_match, _, why = self._bind(context)
            if any_match is None and values is not None:
                return self._diagnostic(UNCERTAIN if "several" in why else UNREADABLE, why)
            return self._why(values, any_match)
        return self._why(values, self.static_match)

    def _why(self, values: tuple[str, ...] | None, any_match: AnyMatch | None) -> Diagnostic | None:
        """The diagnostic of a verdict resting on unreadable input or on a §9 reading."""
        family = self.spec.family
        if family is Family.NULL:
            if values is not None and "" in values:
                return self._diagnostic(
                    UNCERTAIN,
                    "the key is present with an empty string, which trustsim counts as present "
                    "(docs/semantics.md, reading 9c: empty string under Null)",
                )
            return None
        if values is None:
            if self.qualifier is _ALL and self.negated:
                return self._diagnostic(
                    UNCERTAIN,
                    "the key is absent and ForAllValues is read as true even for a negated "
                    "operator (docs/semantics.md, reading 2: ForAllValues with a missing key)",
                )
            return None
        if self.qualifier is None and len(values) > 1:
            return self._diagnostic(
                UNCERTAIN,
                f"the key carries {len(values)} values and {self.operator} has no ForAllValues:/"
                "ForAnyValue: qualifier; trustsim reads this as no match, positive and negated "
                "operators alike (docs/semantics.md, reading 3)",
            )
        if any_match is not None and family is not Family.STRING:  # text is always readable
            unreadable = [value for value in values if any_match(value) is None]
            if unreadable:
                what = f"cannot be read as {_TYPE_NAMES[family]}"
                if family is Family.IP and all(_ipv4_mapped(value) for value in unreadable):
                    what = (
                        "is an IPv4-mapped IPv6 address and the policy names IPv4 blocks; AWS "
                        "does not document whether it reads such an address as IPv4, so it "
                        "counts as unreadable"
                    )
                return self._diagnostic(
                    UNREADABLE,
                    f"request value {_show(unreadable)} {what}; the clause does not match, "
                    "positive and negated operators alike (docs/semantics.md, reading 9)",
                )
        if family is Family.DATE and (
            self.date_only_policy
            or any(
                (instant := parse_date(value)) is not None and instant.date_only for value in values
            )
        ):
            return self._diagnostic(
                UNCERTAIN,
                "a date without a time took part and was read as midnight UTC "
                "(docs/semantics.md, reading 9b: date-only values)",
            )
        return None

    def _diagnostic(self, code: str, message: str) -> Diagnostic:
        return Diagnostic(code, f"{self.operator} {self.written_key}: {message}", self.pointer)


def _ipv4_mapped(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None


#: Typed families whose single readable value never needs a note (_why: dates may be
#: date-only, which is noted; Null is its own case).
_READ_ONLY_FAMILIES = frozenset({Family.NUMERIC, Family.BOOL, Family.BINARY, Family.IP, Family.ARN})

_TYPE_NAMES = {
    Family.STRING: "text",
    Family.NUMERIC: "a number",
    Family.DATE: "a date",
    Family.BOOL: "a boolean",
    Family.BINARY: "base64 binary",
    Family.IP: "an IP address",
    Family.ARN: "an ARN",
    Family.NULL: "a value",
}


_COSTS = {Family.NULL: 0, Family.BOOL: 1, Family.STRING: 2, Family.ARN: 4, Family.BINARY: 4}


def _cost(clause: _Clause) -> int:
    """A rough rank of a clause's cost: presence tests, then set lookups, then parsing."""
    rank = _COSTS.get(clause.spec.family, 5)
    if rank == 2 and clause.spec.build is not build_equals:
        rank = 3  # wildcard and case-folding string operators
    if clause.qualifier is not None:
        rank += 1
    return rank + 10 if clause.templates else rank


def _clause_source(clause: _Clause, index: int, names: dict[str, object]) -> list[str]:
    """The lines testing one clause inside the generated ``check`` (``return False`` on a miss).

    No policy text reaches the source: the folded key, matchers and tests are bound as names
    of the generated function's globals (``key0``, ``match0``, ``test0``…), so the source
    depends only on the block's shape and is compiled once per shape.
    """
    key = f"key{index}"
    names[key] = clause.folded
    if clause.spec.family is Family.NULL:
        if_absent, if_present = clause.null_if_absent, clause.null_if_present
        if if_absent and if_present:
            return []
        if not if_absent and not if_present:
            return ["    return False"]
        test = "" if if_absent else "not "
        return [f"    if {test}values.get({key}):", "        return False"]
    if (
        clause.qualifier is None
        and clause.static_match is not None
        and clause.spec.build is build_equals
        and not clause.negated
    ):
        # StringEquals: the request must carry exactly one value, one of the policy's (§5.1,
        # reading 3), so the values tuple is compared whole; absent or [] takes the
        # missing-key result (false, or true under IfExists).
        expected = frozenset((text,) for text in clause.prepared)
        single = len(expected) == 1
        names[f"expected{index}"] = next(iter(expected)) if single else expected
        test = f"!= expected{index}" if single else f"not in expected{index}"
        if clause.missing_result:
            return [f"    v = values.get({key})", f"    if v and v {test}:", "        return False"]
        return [f"    if values.get({key}) {test}:", "        return False"]
    if clause.qualifier is None and clause.static_match is not None:
        # §5.1 and reading 3: one value tested, several values never match; an absent
        # key (or one given as []) takes the missing-key result.
        names[f"match{index}"] = clause.static_match
        wanted = not clause.negated
        miss = f"len(v) != 1 or match{index}(v[0]) is not {wanted}"
        head = f"v and ({miss})" if clause.missing_result else f"not v or {miss}"
        return [f"    v = values.get({key})", f"    if {head}:", "        return False"]
    names[f"test{index}"] = clause.test
    return [f"    if not test{index}(values, context):", "        return False"]


_Check = Callable[[_Entries, RequestContext], bool]
#: Generated code by source, and the linecache entries registered for it (by file name).
#: Bounded like every cache; clearing drops the linecache entries too.
_SHAPES: dict[str, types.CodeType] = {}
_SHAPE_FILES: list[str] = []
_SHAPES_SIZE = 1024
_SHAPE_NUMBERS = itertools.count(1)


def _clear_shapes() -> None:
    _SHAPES.clear()
    for filename in _SHAPE_FILES:
        linecache.cache.pop(filename, None)
    _SHAPE_FILES.clear()


register("conditions: generated shapes", _clear_shapes, _SHAPES.__len__, _SHAPES_SIZE)


def _generate(clauses: Sequence[_Clause], name: str) -> _Check:
    """One function testing every clause in order, written as source (attrs-style).

    The source is registered in :mod:`linecache` under a pseudo-file naming its shape, so
    tracebacks and debuggers show it; ``name`` (the statement's pointer) becomes the
    function's qualified name.
    """
    names: dict[str, object] = {}
    lines = ["def check(values, context):"]
    for index, clause in enumerate(clauses):
        lines += _clause_source(clause, index, names)
    lines.append("    return True")
    source = "\n".join(lines) + "\n"
    code = _SHAPES.get(source)
    if code is None:
        # Named by shape: blocks of one shape (whatever their operators' names) share it.
        if len(_SHAPES) >= _SHAPES_SIZE:
            _clear_shapes()
        filename = f"<trustsim compiled condition, shape {next(_SHAPE_NUMBERS)}>"
        module = compile(source, filename, "exec")
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _SHAPE_FILES.append(filename)
        code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
        _SHAPES[source] = code
    check = types.FunctionType(code, names, "check")
    check.__qualname__ = f"condition of {name}" if name else "condition"
    return check


class CompiledCondition:
    """A ``Condition`` block compiled once, evaluated against many request contexts.

    >>> from trustsim.model import ConditionClause, parse_operator_name
    >>> compiled = compile_condition(
    ...     [ConditionClause(parse_operator_name("StringLike"), "token.actions.githubusercontent.com:sub",
    ...                      ("repo:acme/app:*",))],
    ...     expand_variables=True, statement_pointer="/Statement/0")
    >>> compiled.matches(RequestContext.of({"token.actions.githubusercontent.com:sub":
    ...                                     "repo:acme/app:ref:refs/heads/main"}))
    True
    >>> print(compiled.evaluate(RequestContext.of({})))
    condition did not match
      StringLike token.actions.githubusercontent.com:sub: request absent, policy 'repo:acme/app:*' → no match
    >>> compiled.keys, compiled.always_true
    (frozenset({'token.actions.githubusercontent.com:sub'}), False)
    """

    __slots__ = (
        "_clauses",
        "_diagnosing",
        "_diagnosing_otherwise",
        "_readable_single",
        "_several_only",
        "check",
        "keys",
    )

    def __init__(self, clauses: Sequence[_Clause], name: str = "") -> None:
        self._clauses = tuple(clauses)
        # Clauses AND, and each is a pure test, so the hot path may run them in any order:
        # cheapest first, so that a failing cheap clause spares the costly ones.
        #: The whole block as one test of (``context.folded``, context), or ``None`` when the
        #: block has no clauses; what the evaluator's hot path calls.
        self.check: _Check | None = (
            _generate(sorted(self._clauses, key=_cost), name) if self._clauses else None
        )
        self._diagnosing = tuple(clause for clause in self._clauses if clause.can_diagnose)
        # A plain text clause (no qualifier, no variables) has a diagnostic only when its key
        # carries several values (reading 3): the reason path tests that alone first.
        # A typed clause of that kind notes only several values or one it cannot read.
        self._several_only = tuple(c.folded for c in self._diagnosing if c.several_only)
        self._readable_single = tuple(
            (c.folded, c.readable_single) for c in self._diagnosing if c.readable_single
        )
        self._diagnosing_otherwise = tuple(
            c for c in self._diagnosing if not c.several_only and c.readable_single is None
        )
        keys = {clause.folded for clause in self._clauses}
        for clause in self._clauses:
            for template in clause.templates:
                keys |= template.keys
        #: The folded context keys the block reads (clause keys and policy-variable keys).
        self.keys: frozenset[str] = frozenset(keys)

    @property
    def always_true(self) -> bool:
        """Whether the block has no clauses (``Condition`` absent or ``{}``)."""
        return not self._clauses

    def matches(self, context: RequestContext) -> bool:
        """Whether every clause holds; the hot path, with no records."""
        check = self.check
        return check is None or check(context.folded, context)

    def evaluate(self, context: RequestContext) -> ConditionResult:
        """Evaluate every clause with its record; same verdicts as :meth:`matches`."""
        if not self._clauses:
            return _NO_CLAUSES
        results = tuple([clause.explain(context) for clause in self._clauses])
        matched = True
        diagnostics: list[Diagnostic] = []
        for result in results:
            if not result.matched:
                matched = False
            if result.diagnostic is not None:
                diagnostics.append(result.diagnostic)
        return ConditionResult(matched, results, tuple(diagnostics))

    def known(self, context: RequestContext, matched: bool) -> ConditionResult:
        """:meth:`evaluate`'s result with its verdict known; clause records made when read.

        ``matched`` must be this block's verdict (the caller ran :attr:`check`).
        """
        if not self._clauses:
            return _NO_CLAUSES
        result = _new(_Verdict)
        _set_state(result, (self, context, matched))
        return result

    def deferred(self, context: RequestContext) -> ConditionResult:
        """:meth:`evaluate`'s result, computed only when first read (verdict included)."""
        if not self._clauses:
            return _NO_CLAUSES
        result = _new(_Verdict)
        _set_state(result, (self, context, None))
        return result

    def diagnostics(self, context: RequestContext) -> tuple[Diagnostic, ...]:
        """Why clauses rest on unreadable values or §9 readings; ``()`` at once when none can."""
        if not self._diagnosing:
            return ()
        clauses = self._diagnosing_otherwise
        folded = context.folded
        for key in self._several_only:
            values = folded.get(key)
            if values is not None and len(values) > 1:
                clauses = self._diagnosing  # one has a diagnostic: ask each, in order
                break
        else:
            for key, readable in self._readable_single:
                values = folded.get(key)
                if values and (len(values) > 1 or readable(values[0]) is None):
                    clauses = self._diagnosing
                    break
        if not clauses:
            return ()
        found = [clause.diagnostic(context) for clause in clauses]
        return tuple([diagnostic for diagnostic in found if diagnostic is not None])

    def __repr__(self) -> str:
        operators = ", ".join(f"{c.operator} {c.written_key}" for c in self._clauses)
        return f"<CompiledCondition {operators or 'always true'}>"


#: The result of an empty block (a value: shared by every statement without a condition).
_NO_CLAUSES = ConditionResult(True, ())


class _Verdict(ConditionResult):
    """A :class:`ConditionResult` known by its verdict, its clause records filled when read.

    It equals, hashes and prints as the result :meth:`CompiledCondition.evaluate` returns.
    """

    __slots__ = ("_full", "_state")
    #: (condition, context, verdict); the verdict ``None`` until read (:meth:`deferred`).
    _state: tuple[CompiledCondition, RequestContext, bool | None]
    _full: ConditionResult

    # (made by CompiledCondition.known and .deferred, which set _state directly)

    def _evaluated(self) -> ConditionResult:
        try:
            return self._full
        except AttributeError:  # not read yet
            condition, context, _ = self._state
            full = condition.evaluate(context)
            _set_full(self, full)
            return full

    @property
    def matched(self) -> bool:
        verdict = self._state[2]
        return self._evaluated().matched if verdict is None else verdict

    @property
    def clauses(self) -> tuple[ClauseResult, ...]:
        return self._evaluated().clauses

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self._evaluated().diagnostics

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConditionResult):
            return NotImplemented
        return (self.matched, self.clauses, self.diagnostics) == (
            other.matched,
            other.clauses,
            other.diagnostics,
        )

    def __hash__(self) -> int:
        return hash(self._evaluated())

    def __repr__(self) -> str:
        return repr(self._evaluated())

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConditionResult, (self.matched, self.clauses, self.diagnostics))


_new = object.__new__
_set_state = _Verdict.__dict__["_state"].__set__
_set_full = _Verdict.__dict__["_full"].__set__


def compile_condition(
    clauses: Sequence[ConditionClause], *, expand_variables: bool, statement_pointer: str = ""
) -> CompiledCondition:
    """Compile the clauses of one statement's ``Condition`` block.

    The clauses must hold readable policy values (the policy passed validation, which runs
    :func:`trustsim.operators.policy_value_problems`); otherwise :class:`InvalidPolicy` is
    raised with every problem. ``expand_variables`` is true under ``Version: "2012-10-17"``.
    A compiled block is an immutable value, so the same clauses at the same pointer (one
    statement shared by many roles' trust policies) are compiled once.
    """
    return _compile_condition(tuple(clauses), expand_variables, statement_pointer)


def clear_condition_caches() -> None:
    """Forget compiled blocks, generated check shapes and parsed templates.

    >>> clear_condition_caches()
    """
    _compile_condition.cache_clear()
    _clear_shapes()
    parse_template.cache_clear()


@cached(4096)
def _compile_condition(
    clauses: tuple[ConditionClause, ...], expand_variables: bool, statement_pointer: str
) -> CompiledCondition:
    problems: list[Problem] = []
    compiled: list[_Clause] = []
    for clause in clauses:
        pointer = _pointer.join(statement_pointer, "Condition", clause.operator.name, clause.key)
        found = policy_value_problems(clause, pointer, expand_variables=expand_variables)
        if found:
            problems += found
            continue
        spec = OPERATORS[clause.operator.base]
        compiled.append(_Clause(clause, spec, pointer, expand_variables))
    if problems:
        raise InvalidPolicy(problems)
    return CompiledCondition(compiled, statement_pointer)


def _value_texts(
    value: object, where: str, problems: list[Problem]
) -> tuple[tuple[str, ...], bool]:
    items, is_list = (value, True) if isinstance(value, list) else ([value], False)
    texts: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, str):
            texts.append(item)
        elif isinstance(item, (int, float)):
            texts.append(str(item))
        else:
            problems.append(
                Problem(
                    "INVALID_CONDITION_VALUE",
                    _pointer.join(where, index) if is_list else where,
                    f"a condition value must be a string, a boolean or a number, got {item!r}",
                    "MalformedPolicyDocument: Syntax errors in policy",
                )
            )
    return tuple(texts), is_list


def clauses_from_json(
    condition: Mapping[str, Any], *, pointer: str = "/Condition"
) -> tuple[ConditionClause, ...]:
    """Read a raw JSON ``Condition`` block into clauses; :class:`InvalidPolicy` lists every problem.

    >>> [c.operator.name for c in clauses_from_json({"Bool": {"aws:SecureTransport": True}})]
    ['Bool']
    """
    problems: list[Problem] = []
    clauses: list[ConditionClause] = []
    for name, block in condition.items():
        where = _pointer.join(pointer, name)
        operator = parse_operator_name(name)
        if operator is None:
            problems.append(
                Problem("UNKNOWN_OPERATOR", where, f"{name!r} is not a condition operator",
                        "MalformedPolicyDocument: Syntax errors in policy")
            )  # fmt: skip
            continue
        if not isinstance(block, Mapping):
            problems.append(
                Problem("INVALID_CONDITION_BLOCK", where, f"the value of {name} must be an object",
                        "MalformedPolicyDocument: Syntax errors in policy")
            )  # fmt: skip
            continue
        for key, value in block.items():
            values, is_list = _value_texts(value, _pointer.join(where, key), problems)
            clauses.append(ConditionClause(operator, key, values, is_list))
    if problems:
        raise InvalidPolicy(problems)
    return tuple(clauses)


def check_condition(
    condition: Mapping[str, Any] | Sequence[ConditionClause],
    context: RequestContext | Mapping[str, ContextValue],
    *,
    version: str | None = "2012-10-17",
) -> ConditionResult:
    """Try a ``Condition`` block against a request context, e.g. in a REPL.

    ``condition`` is the JSON block (a dict) or already-parsed clauses; ``version`` is the
    policy's ``Version`` (policy variables are expanded only under ``"2012-10-17"``).

    >>> result = check_condition(
    ...     {"StringEquals": {"sts:ExternalId": "xyz"}, "Bool": {"aws:SecureTransport": "true"}},
    ...     {"sts:externalid": "abc", "aws:SecureTransport": True})
    >>> result.matched
    False
    >>> print(result)
    condition did not match
      StringEquals sts:ExternalId: request 'abc', policy 'xyz' → no match
      Bool aws:SecureTransport: request 'true', policy 'true' → match
    """
    given: object = condition
    if isinstance(given, (str, bytes)) or not isinstance(given, (Mapping, Sequence)):
        raise TypeError(
            "check_condition(condition=): expected a Condition block (dict) or a list of "
            f"ConditionClause, got {type(condition).__name__}: {shown(condition)}"
        )
    if too_deep(condition, 4):
        raise InvalidPolicy(
            [
                Problem(
                    "INVALID_CONDITION_BLOCK",
                    "/Condition",
                    "the block nests lists or objects too deep: a condition value is a text "
                    "or a list of texts",
                    "MalformedPolicyDocument: Syntax errors in policy",
                )
            ]
        )
    given = context
    if not isinstance(given, Mapping):
        raise TypeError(
            "check_condition(context=): expected a mapping of condition key to value (dict) "
            f"or a RequestContext, got {type(context).__name__}: {shown(context)}"
        )
    clauses = clauses_from_json(condition) if isinstance(condition, Mapping) else tuple(condition)
    if not all(isinstance(clause, ConditionClause) for clause in clauses):
        raise TypeError(
            "check_condition(condition=): a list must hold ConditionClause values, got "
            f"{shown(clauses)}"
        )
    ctx = context if isinstance(context, RequestContext) else RequestContext.of(context)
    compiled = compile_condition(clauses, expand_variables=version == "2012-10-17")
    return compiled.evaluate(ctx)


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
