"""One compiled condition clause: its hot-path test and its recorded replay.

The table of :mod:`trustsim.conditions`, applied to one key under one operator.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from trustsim.conditions.results import ClauseResult, show
from trustsim.conditions.source import Check, generate
from trustsim.context import RequestContext, normalize_key
from trustsim.errors import Diagnostic
from trustsim.model import ConditionClause, ConditionOperator, SetQualifier
from trustsim.operators import (
    AnyMatch,
    Family,
    Instant,
    OperatorSpec,
    parse_date,
    value_template,
)
from trustsim.variables import Template, Unresolved

UNREADABLE = "UNREADABLE_REQUEST_VALUE"
UNCERTAIN = "UNCERTAIN_SEMANTICS"

_ALL = SetQualifier.FOR_ALL_VALUES
_ANY = SetQualifier.FOR_ANY_VALUE


#: A clause's test of its key's request values, called only when the key is present (a
#: non-empty tuple): presence is decided before it, by :func:`presence`.
Compare = Callable[[tuple[str, ...], RequestContext], bool]


def presence(
    operator: ConditionOperator, spec: OperatorSpec, null_wants: frozenset[bool] = frozenset()
) -> tuple[bool, bool | None]:
    """What a clause answers before comparing any value: (key absent, key present).

    The presence rows of the table in :mod:`trustsim.conditions`, read once for every clause;
    the generated check (:mod:`trustsim.conditions.source`) is the one place they become code.
    A key given as ``[]`` counts as absent. The second answer is ``None`` when the request's
    values decide (every operator but ``Null``, which asks only whether the key is present;
    ``null_wants`` are its policy values read as booleans).

    >>> from trustsim.model import parse_operator_name
    >>> from trustsim.operators import OPERATORS
    >>> presence(parse_operator_name("StringEqualsIfExists"), OPERATORS["StringEquals"])
    (True, None)
    >>> presence(parse_operator_name("ForAnyValue:StringNotEquals"), OPERATORS["StringNotEquals"])
    (False, None)
    >>> presence(parse_operator_name("Null"), OPERATORS["Null"], frozenset({True}))
    (True, False)
    """
    if operator.if_exists or operator.qualifier is _ALL:
        absent = True  # IfExists (§5.3); ForAllValues: reading 2, negated operators included
    elif operator.qualifier is _ANY:
        absent = False  # §5.12
    elif spec.family is Family.NULL:
        absent = True in null_wants  # Null: "true" asks for the key to be absent (§5.11)
    else:
        absent = spec.missing_key_result  # false for positive operators, true negated (§5.3)
    present = (False in null_wants) if spec.family is Family.NULL else None
    return absent, present


class Clause:
    """One compiled clause: :func:`presence`'s answers, ``compare`` for present values, ``explain``."""

    __slots__ = (
        "_test",
        "can_diagnose",
        "compare",
        "date_only_policy",
        "folded",
        "negated",
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
        "when_absent",
        "when_present",
        "written_key",
    )

    _test: Check

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
        self.templates: tuple[Template, ...] = ()
        self.static_match: AnyMatch | None = None
        #: The policy values as the operator read them (static values only).
        self.prepared: tuple[Any, ...] = ()
        self.date_only_policy = False
        #: Whether the only diagnostic this clause can have is "several values" (reading 3).
        self.several_only = False
        #: For a typed clause that can only note several values or an unreadable one: its
        #: matcher (which answers ``None`` for a value it cannot read).
        self.readable_single: AnyMatch | None = None
        #: The test of present values; ``None`` when presence alone decides (``Null``).
        self.compare: Compare | None = None
        if spec.family is Family.NULL:
            wants = frozenset(spec.prepare([(v, True)]) for v in clause.values)
            self.when_absent, self.when_present = presence(op, spec, wants)
            self.can_diagnose = True
            return
        self.when_absent, self.when_present = presence(op, spec)
        templates = tuple(
            value_template(spec, value, expand_variables=expand_variables and spec.allows_variables)
            for value in clause.values
        )
        if any(template.has_variables for template in templates):
            self.templates = templates
            self.compare = self._dynamic_compare
        else:
            prepared = [spec.prepare(template.static_segments) for template in templates]
            self.prepared = tuple(prepared)
            self.date_only_policy = any(
                isinstance(value, Instant) and value.date_only for value in prepared
            )
            self.static_match = spec.build(prepared)
            self.compare = self._compare(self.static_match)
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

    @property
    def test(self) -> Check:
        """The clause alone as a check of (``context.folded``, context): presence, then values.

        Generated by the same code as a whole block's check (made when first asked for: only
        the recorded replay tests one clause alone).
        """
        try:
            return self._test
        except AttributeError:
            self._test = generate((self,), self.pointer)
            return self._test

    def _compare(self, any_match: AnyMatch) -> Compare:
        """The test of present values through ``any_match`` (one per qualifier, §5.1, §5.12)."""
        negated = self.negated
        if self.qualifier is None:
            wanted = not negated  # any_match must answer exactly this (None: unreadable)

            def single(values: tuple[str, ...], context: RequestContext) -> bool:
                # several values never match without a qualifier (reading 3)
                return len(values) == 1 and any_match(values[0]) is wanted

            return single
        if self.qualifier is _ALL:

            def for_all(values: tuple[str, ...], context: RequestContext) -> bool:
                for value in values:
                    hit = any_match(value)
                    if hit is None or hit is negated:
                        return False
                return True

            return for_all

        def for_any(values: tuple[str, ...], context: RequestContext) -> bool:
            found = False
            for value in values:
                hit = any_match(value)
                if hit is None:
                    return False  # unreadable: the clause does not match (reading 9)
                if hit is not negated:
                    found = True
            return found

        return for_any

    def _dynamic_compare(self, values: tuple[str, ...], context: RequestContext) -> bool:
        """Fill the policy variables from ``context``, then compare (§5.14)."""
        any_match, _, _ = self._bind(context)
        return any_match is not None and self._compare(any_match)(values, context)

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
        values = entries.get(self.folded) or None  # a key given as [] is absent
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
                    f"request value {show(unreadable)} {what}; the clause does not match, "
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
