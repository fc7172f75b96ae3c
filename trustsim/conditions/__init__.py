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

from collections.abc import Mapping, Sequence
from typing import Any

from trustsim import _pointer, _reprs
from trustsim._inputs import shown, too_deep
from trustsim._memo import cached
from trustsim.conditions.clause import Clause
from trustsim.conditions.results import ClauseResult, ConditionResult
from trustsim.conditions.source import Check, clear_shapes, cost, generate
from trustsim.context import ContextValue, RequestContext
from trustsim.errors import Diagnostic, InvalidPolicy, Problem
from trustsim.model import ConditionClause, parse_operator_name
from trustsim.operators import OPERATORS, policy_value_problems
from trustsim.variables import parse_template

__all__ = [
    "ClauseResult",
    "CompiledCondition",
    "ConditionResult",
    "check_condition",
    "clauses_from_json",
    "compile_condition",
]


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

    def __init__(self, clauses: Sequence[Clause], name: str = "") -> None:
        self._clauses = tuple(clauses)
        # Clauses AND, and each is a pure test, so the hot path may run them in any order:
        # cheapest first, so that a failing cheap clause spares the costly ones.
        #: The whole block as one test of (``context.folded``, context), or ``None`` when the
        #: block has no clauses; what the evaluator's hot path calls.
        self.check: Check | None = (
            generate(sorted(self._clauses, key=cost), name) if self._clauses else None
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
    clear_shapes()
    parse_template.cache_clear()


@cached(4096)
def _compile_condition(
    clauses: tuple[ConditionClause, ...], expand_variables: bool, statement_pointer: str
) -> CompiledCondition:
    problems: list[Problem] = []
    compiled: list[Clause] = []
    for clause in clauses:
        pointer = _pointer.join(statement_pointer, "Condition", clause.operator.name, clause.key)
        found = policy_value_problems(clause, pointer, expand_variables=expand_variables)
        if found:
            problems += found
            continue
        spec = OPERATORS[clause.operator.base]
        compiled.append(Clause(clause, spec, pointer, expand_variables))
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
