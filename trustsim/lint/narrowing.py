"""The role as one request sees it: only the trust-policy statements that may apply to it.

Lint asks the evaluator about one outsider per finding it suspects, and in a long policy most
statements cannot apply to a given outsider: they name another principal, or a condition on a
value the outsider does not carry (another repository's ``sub``, another account's
``sts:ExternalId``). Evaluated against the whole policy, each question would cost what the
policy holds, and lint would grow with the square of its statements (issue 22). So each
question is put to a role whose trust policy keeps only the statements that *may* apply:

- by principal: the compiler's :class:`~trustsim.compiler.PrincipalIndex` (a superset of the
  statements whose ``Principal`` can match the caller, by its own contract), plus the
  ``{"AWS": "*"}`` statements for IAM users and role sessions;
- by condition: a statement with a plain ``StringEquals``, ``StringEqualsIgnoreCase`` or
  ``StringLike`` clause (no set qualifier, no ``IfExists``) is kept only when the request
  carries the clause's key with a value that starts, case-folded, with the literal start of
  one of the clause's values (the text before its first ``*``, ``?`` or ``$``). A request
  without the key, or whose values start otherwise, fails that clause whatever the other
  clauses say: a plain positive operator is false on an absent key, and a value that equals or
  matches a policy value starts with its literal text (docs/semantics.md §5.1, §5.3; clauses
  AND). Of a statement's clauses, the one whose literal starts the fewest statements share is
  indexed (``sub`` rather than ``aud``, which every GitHub statement names alike).

What is left out could not apply; the evaluator still decides everything that is kept, so the
decision is the one the whole policy gives (tests/lint/test_lint_linear.py compares them on
generated policies and requests; the reference there evaluates every question on the whole
policy). Short policies (:data:`NARROW_FROM` statements or fewer) are asked whole.

>>> from trustsim.callers import Role, WebIdentity
>>> from trustsim.parsing import parse_policy
>>> from trustsim.requests import build_request
>>> gh = "token.actions.githubusercontent.com"
>>> provider = f"arn:aws:iam::111122223333:oidc-provider/{gh}"
>>> trust = parse_policy({"Version": "2012-10-17", "Statement": [
...     {"Effect": "Allow", "Principal": {"Federated": provider},
...      "Action": "sts:AssumeRoleWithWebIdentity",
...      "Condition": {"StringEquals": {f"{gh}:aud": "sts.amazonaws.com"},
...                    "StringLike": {f"{gh}:sub": f"repo:team{index}/*"}}}
...     for index in range(4)]})
>>> role = Role("arn:aws:iam::111122223333:role/deploy", trust)
>>> caller = WebIdentity(provider, {"aud": "sts.amazonaws.com", "sub": "repo:team2/app:x"})
>>> request = build_request(caller, role)
>>> [s.index for s in Narrowing.of(role).role_for(request).trust_policy.statements]
[2]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from trustsim.assume_request import AssumeRoleRequest
from trustsim.callers import Role
from trustsim.compiler import (
    CallerIdentity,
    CallerKind,
    CompiledStatement,
    PrincipalIndex,
    compile_policy,
)
from trustsim.context import normalize_key
from trustsim.model import ConditionClause, Statement

__all__ = ["NARROW_FROM", "Narrowing"]

#: Policies of more statements than this are narrowed for each question; shorter ones are
#: asked whole (building the index would cost more than it saves).
NARROW_FROM = 32

#: The operators whose plain, positive clauses need the key, with a value starting with the
#: literal start of a policy value (case-folded: a superset of what each one matches).
_INDEXED_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})
_LITERAL_END = re.compile(r"[*?$]")
_IAM_KINDS = (CallerKind.USER, CallerKind.ROLE_SESSION)

_Start = tuple[str, str]  # (folded key, case-folded literal start of a policy value)


def _starts(clause: ConditionClause) -> frozenset[str] | None:
    """The case-folded literal starts of an indexable clause's values; ``None``: not indexable.

    A value whose literal start is empty (``*``, ``${aws:username}``) may match anything.
    """
    operator = clause.operator
    if (
        operator.base not in _INDEXED_OPERATORS
        or operator.qualifier is not None
        or operator.if_exists
        or not clause.values
    ):
        return None
    starts = frozenset(
        _LITERAL_END.split(value, maxsplit=1)[0].casefold() for value in clause.values
    )
    return None if "" in starts else starts


def _indexed_clause(
    statement: Statement, shared: dict[_Start, int]
) -> tuple[str, frozenset[str]] | None:
    """The statement's most selective indexable clause: its folded key and literal starts."""
    best: tuple[int, str, frozenset[str]] | None = None
    for clause in statement.condition:
        starts = _starts(clause)
        if starts is None:
            continue
        key = normalize_key(clause.key)
        weight = sum(shared[key, start] for start in starts)
        if best is None or weight < best[0]:
            best = (weight, key, starts)
    return None if best is None else (best[1], best[2])


@attrs.frozen(eq=False)
class Narrowing:
    """One role's trust-policy statements indexed by principal and by condition values.

    ``by_start`` maps a folded condition key to the literal starts of its indexed clauses and,
    for each, the positions of the statements indexed by it; ``lengths`` gives each key's
    start lengths in increasing order. The other statements are in ``by_principal``.
    """

    role: Role
    statements: tuple[Statement, ...]
    by_principal: PrincipalIndex
    by_start: dict[str, dict[str, tuple[int, ...]]]
    lengths: dict[str, tuple[int, ...]]
    positions: dict[int, int]  # id of a compiled statement -> its position
    #: The narrowed roles handed out, by the positions they keep (equal sets share one role,
    #: so the evaluator compiles and plans each once).
    roles: dict[tuple[int, ...], Role] = attrs.field(factory=dict, init=False)
    #: The positions the principal index keeps, by caller identity.
    by_identity: dict[CallerIdentity, frozenset[int]] = attrs.field(factory=dict, init=False)

    @classmethod
    def of(cls, role: Role) -> Narrowing:
        """Index ``role``'s trust policy."""
        statements = role.trust_policy.statements
        shared: dict[_Start, int] = {}
        for statement in statements:
            for clause in statement.condition:
                key = normalize_key(clause.key)
                for start in _starts(clause) or ():
                    shared[key, start] = shared.get((key, start), 0) + 1
        by_start: dict[str, dict[str, list[int]]] = {}
        unindexed: list[Statement] = []
        for position, statement in enumerate(statements):
            indexed = _indexed_clause(statement, shared)
            if indexed is None:
                unindexed.append(statement)
                continue
            key, starts = indexed
            for start in starts:
                by_start.setdefault(key, {}).setdefault(start, []).append(position)
        # Only the statements no condition indexes are compiled here, for their principals;
        # the evaluator compiles the few statements each question keeps.
        rest = attrs.evolve(role.trust_policy, statements=tuple(unindexed))
        compiled = compile_policy(rest, label="trust policy").statements
        position_of = {id(statement): position for position, statement in enumerate(statements)}
        return cls(
            role,
            statements,
            PrincipalIndex.of(compiled),
            {key: {s: tuple(p) for s, p in starts.items()} for key, starts in by_start.items()},
            {key: tuple(sorted({len(s) for s in starts})) for key, starts in by_start.items()},
            {id(statement): position_of[id(statement.statement)] for statement in compiled},
        )

    def _by_principal(self, who: CallerIdentity) -> frozenset[int]:
        found = self.by_identity.get(who)
        if found is None:
            index = self.by_principal
            chosen: Iterable[CompiledStatement] = index.candidates(who)
            if who.kind in _IAM_KINDS:
                chosen = (*chosen, *index.aws_star_only)
            found = frozenset(self.positions[id(statement)] for statement in chosen)
            self.by_identity[who] = found
        return found

    def _by_condition(self, folded: Mapping[str, tuple[str, ...]]) -> set[int]:
        found: set[int] = set()
        for key, values in folded.items():
            starts = self.by_start.get(key)
            if starts is None:
                continue
            lengths = self.lengths[key]
            for value in values:
                text = value.casefold()
                for length in lengths:
                    if length > len(text):
                        break
                    found.update(starts.get(text[:length], ()))
        return found

    def keep(self, request: AssumeRoleRequest) -> tuple[int, ...]:
        """The positions of the statements that may apply to ``request``, in document order."""
        who = CallerIdentity.of(request.caller)
        found = self._by_condition(request.context.folded)
        found.update(self._by_principal(who))
        return tuple(sorted(found))

    def role_for(self, request: AssumeRoleRequest) -> Role:
        """The role with only the statements that may apply to ``request``."""
        keep = self.keep(request)
        role = self.roles.get(keep)
        if role is None:
            policy = attrs.evolve(
                self.role.trust_policy, statements=tuple(self.statements[p] for p in keep)
            )
            role = Role(self.role.arn, policy, self.role.tags, self.role.unique_id, self.role.org)
            self.roles[keep] = role
        return role
