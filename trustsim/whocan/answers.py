"""Who-can answers: how each principal can assume a role, and the residual condition.

:class:`Answer` and :class:`WhoCanResult` are what :func:`trustsim.whocan.who_can_assume`
returns; a :class:`Residual` is the minimal formula (:func:`minimise`) of request-time clauses
under which the call is allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import attrs

from trustsim import _reprs
from trustsim.callers import Caller
from trustsim.conditions import compile_condition
from trustsim.context import RequestContext
from trustsim.decision import Outcome
from trustsim.errors import escape
from trustsim.evaluation.fast import lazy_outcome
from trustsim.evaluation.rules import call_actions
from trustsim.evaluation.scan import decision_of
from trustsim.model import ConditionClause
from trustsim.requests import AssumeRoleRequest


class Access(enum.Enum):
    """How a principal can assume the role, whatever the request-time values."""

    ALWAYS = "allowed"
    CONDITIONAL = "allowed if"
    NEVER = "denied"
    UNDETERMINED = "undetermined"


def decided(request: AssumeRoleRequest) -> Outcome:
    """What :func:`~trustsim.evaluation.evaluate` answers, decided by the rules' full scan.

    Who-can decides each (caller, role, request-time values) once (its evaluator remembers
    the pairs), so the fast path's per-call plan, built to answer the same call again, would
    only be built and dropped: the scan decides alone, and the outcome's reason and
    statements come from the same scan when first asked (as for any fast-path outcome).
    """
    return lazy_outcome(decision_of(request, call_actions(request)), request, None)


# --------------------------------------------------------------------------- residual formulas


@attrs.frozen
class Literal:
    """One condition clause on request keys, required to hold (or, ``holds=False``, not to).

    >>> from trustsim.model import ConditionClause, parse_operator_name
    >>> clause = ConditionClause(parse_operator_name("StringEquals"), "sts:ExternalId", ("x",))
    >>> print(Literal(clause, True)), print(Literal(clause, False))
    StringEquals sts:ExternalId = 'x'
    not StringEquals sts:ExternalId = 'x'
    (None, None)
    """

    clause: ConditionClause
    holds: bool
    expands_variables: bool = True

    def matches(self, context: RequestContext) -> bool:
        """Whether the literal is true of a concrete request context."""
        compiled = compile_condition((self.clause,), expand_variables=self.expands_variables)
        return compiled.matches(context) is self.holds

    def clause_text(self) -> str:
        """The clause alone: ``StringEquals sts:ExternalId = 'x'``."""
        values = self.clause.values
        shown = repr(values[0]) if len(values) == 1 else "[" + ", ".join(map(repr, values)) + "]"
        relation = "=" if len(values) == 1 else "in"
        return f"{self.clause.operator.name} {self.clause.key} {relation} {shown}"

    def to_dict(self) -> dict[str, Any]:
        """The literal as JSON data."""
        return {
            "operator": self.clause.operator.name,
            "key": self.clause.key,
            "values": list(self.clause.values),
            "holds": self.holds,
        }

    def __str__(self) -> str:
        return self.clause_text() if self.holds else f"not {self.clause_text()}"


@attrs.frozen
class Residual:
    """A condition on request keys, in disjunctive form: any alternative suffices.

    Each alternative is a conjunction of :class:`Literal` values; negative literals come from
    ``Deny`` statements (or negated readings) and read as "unless".
    """

    alternatives: tuple[tuple[Literal, ...], ...]

    def matches(self, context: RequestContext) -> bool:
        """Whether a concrete request context satisfies the residual."""
        return any(all(lit.matches(context) for lit in alt) for alt in self.alternatives)

    def to_list(self) -> list[list[dict[str, Any]]]:
        """The alternatives as JSON data."""
        return [[lit.to_dict() for lit in alt] for alt in self.alternatives]

    @property
    def only_exceptions(self) -> bool:
        """Whether the residual reads "unless …": one alternative, of negative literals only."""
        return len(self.alternatives) == 1 and not any(lit.holds for lit in self.alternatives[0])

    def __str__(self) -> str:
        if len(self.alternatives) == 1:
            return _alternative_text(self.alternatives[0])
        parts = [" and ".join(map(str, alt)) for alt in self.alternatives]
        return " or ".join(f"({part})" for part in parts)


def _alternative_text(alternative: Sequence[Literal]) -> str:
    positives = [lit.clause_text() for lit in alternative if lit.holds]
    negatives = [lit.clause_text() for lit in alternative if not lit.holds]
    text = " and ".join(positives)
    if negatives:
        text = (text + " " if text else "") + "unless " + " or ".join(negatives)
    return text


def minimise(satisfying: set[int], count: int) -> list[tuple[int, int]]:
    """Prime implicants covering ``satisfying`` (Quine-McCluskey), as (mask, bits) pairs.

    ``mask`` has a 1 for every variable the term fixes; ``bits`` gives their values.
    """
    full = (1 << count) - 1
    terms = {(full, m) for m in satisfying}
    primes: set[tuple[int, int]] = set()
    while terms:
        merged: set[tuple[int, int]] = set()
        used: set[tuple[int, int]] = set()
        ordered = sorted(terms)
        for index, (mask, bits) in enumerate(ordered):
            for other_mask, other_bits in ordered[index + 1 :]:
                if mask != other_mask:
                    continue
                diff = bits ^ other_bits
                if diff and diff & (diff - 1) == 0:
                    merged.add((mask & ~diff, bits & ~diff))
                    used.add((mask, bits))
                    used.add((other_mask, other_bits))
        primes |= terms - used
        terms = merged
    # Greedy cover: the prime covering most uncovered minterms first (ties: fewest literals).
    uncovered = set(satisfying)
    chosen: list[tuple[int, int]] = []
    candidates = sorted(primes, key=lambda t: (bin(t[0]).count("1"), t))
    while uncovered:
        best = max(
            candidates,
            key=lambda t: (sum(1 for m in uncovered if m & t[0] == t[1]), -bin(t[0]).count("1")),
        )
        chosen.append(best)
        uncovered = {m for m in uncovered if m & best[0] != best[1]}
    return chosen


# --------------------------------------------------------------------------- answers


@attrs.frozen
class Answer:
    """Who (a principal of the inventory, or a class outside it) and how it can assume the role.

    Attributes:
        principal: the user ARN, role ARN (its sessions), or the class described.
        kind: ``user``, ``role``, ``session`` (one named session of a role), ``account``,
            ``principal``, ``any-aws``, ``service``, ``oidc`` or ``saml``.
        access: :class:`Access`: always, only under :attr:`residual`, or (for a class whose
            request-time conditions are too many to enumerate) undetermined.
        outcome: the :class:`~trustsim.decision.Outcome` of a plain call (no ExternalId, no
            MFA code, no tags…) by this principal, or by a representative of the class.
        residual: the condition on request keys under which it is allowed.
        notes: what the answer assumes (an identity side outside the inventory…).
    """

    principal: str
    kind: str
    access: Access
    _plain: Outcome | AssumeRoleRequest = attrs.field(eq=False, repr=False, alias="plain")
    residual: Residual | None = None
    notes: tuple[str, ...] = ()
    caller: Caller | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def outcome(self) -> Outcome:
        """The :class:`~trustsim.decision.Outcome` of a plain call (decided when first asked)."""
        plain = self._plain
        if isinstance(plain, Outcome):
            return plain
        outcome = decided(plain)
        object.__setattr__(self, "_plain", outcome)  # a cache: the answer stays the same value
        return outcome

    def allows(self, context: RequestContext) -> bool:
        """Whether a request carrying ``context`` would be allowed, per this answer."""
        if self.access is Access.ALWAYS:
            return True
        if self.access is Access.CONDITIONAL:
            assert self.residual is not None  # noqa: S101 - set for every conditional answer
            return self.residual.matches(context)
        return False

    @property
    def label(self) -> str:
        """``user arn:…`` / ``principals of account 4444…`` / ``service lambda.amazonaws.com``."""
        return f"{_KIND_LABELS.get(self.kind, self.kind)}{self.principal}"

    def summary(self) -> str:
        """``allowed`` / ``allowed if …`` / ``undetermined: …``."""
        if self.access is Access.CONDITIONAL:
            assert self.residual is not None  # noqa: S101 - set for every conditional answer
            word = "allowed" if self.residual.only_exceptions else "allowed if"
            return f"{word} {self.residual}"
        return str(self.access.value)

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON data."""
        return {
            "principal": self.principal,
            "kind": self.kind,
            "access": self.access.name.lower(),
            "decision_of_plain_call": self.outcome.decision.value,
            "residual": None if self.residual is None else self.residual.to_list(),
            "residual_text": None if self.residual is None else str(self.residual),
            "notes": list(self.notes),
        }


_KIND_LABELS = {
    "user": "user ",
    "role": "role ",
    "session": "session ",
    "account": "principals of account ",
    "principal": "principal ",
    "any-aws": "",
    "service": "service ",
    "oidc": "web identities of ",
    "saml": "SAML identities of ",
}


@attrs.frozen
class WhoCanResult:
    """Every principal of the inventory, and every class outside it, that can assume a role.

    ``principals`` are the inventory's users and roles; ``classes`` the principals outside it
    that the trust policy admits. Each :class:`Answer` tells whether a request would pass:

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.whocan import who_can_assume
    >>> trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice")],
    ...                             roles=[Role("arn:aws:iam::111122223333:role/admin", trust)])
    >>> result = who_can_assume(inventory, "arn:aws:iam::111122223333:role/admin")
    >>> [(a.principal, a.summary()) for a in result.principals]
    [('arn:aws:iam::111122223333:user/alice', "allowed if Bool aws:MultiFactorAuthPresent = 'true'")]
    >>> alice = result.principals[0]
    >>> alice.allows(RequestContext.of({"aws:MultiFactorAuthPresent": "true"})), alice.allows(RequestContext.of({}))
    (True, False)
    >>> result.to_dict()["principals"][0]["access"]
    'conditional'
    """

    role_arn: str
    principals: tuple[Answer, ...]
    classes: tuple[Answer, ...]
    notes: tuple[str, ...] = ()
    candidates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data."""
        return {
            "role": self.role_arn,
            "principals": [a.to_dict() for a in self.principals],
            "classes": [a.to_dict() for a in self.classes],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        """The result for people, one line per answer."""
        lines = [f"who can assume {self.role_arn}"]
        lines += [f"  {a.label}: {a.summary()}{_note_text(a)}" for a in self.principals]
        if not self.principals:
            lines.append("  no principal of the inventory")
        if self.classes:
            lines.append("outside the inventory:")
            lines += [f"  {a.label}: {a.summary()}{_note_text(a)}" for a in self.classes]
        if self.notes:
            lines.append("notes:")
            lines += [f"  {note}" for note in self.notes]
        return "\n".join(escape(line) for line in lines)  # values came from input

    def __str__(self) -> str:
        return self.to_text()


def _note_text(answer: Answer) -> str:
    return f" ({'; '.join(answer.notes)})" if answer.notes else ""


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
