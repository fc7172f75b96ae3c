"""Who can assume a role, and what each principal can reach by chaining roles.

:func:`who_can_assume` answers, for one role of an :class:`~trustsim.inventory.Inventory`:

* every user and role of the inventory that can assume it (a role as sessions of that role),
  each with the :class:`~trustsim.decision.Outcome` of a plain call and, when the answer
  depends on what the request carries, the **residual condition** under which it is allowed;
* every *class* of principal outside the inventory that the trust policy admits: another
  account's principals, a principal ARN the inventory does not hold, any AWS principal
  (``{"AWS": "*"}``), a service, any token of an OIDC provider (e.g. any GitHub repository
  whose ``sub`` matches a pattern), any assertion of a SAML provider.

Residuals come from partial evaluation, never from guessed values. A condition clause whose
keys the caller model determines (``aws:PrincipalArn``, ``aws:PrincipalTag/…``,
``aws:PrincipalOrgID``…) is evaluated; a clause on a key only the request can supply
(``sts:ExternalId``, ``aws:MultiFactorAuthPresent``, ``aws:SourceIp``, ``aws:RequestTag/…``,
OIDC claims…) becomes an unknown *atom*. Every policy involved (trust, identity, boundary,
SCPs, RCPs) is evaluated by the same engine (:func:`trustsim.evaluation.evaluate`) for every
truth assignment of its atoms, and the assignments that allow are summed up as a minimal
formula: ``allowed if StringEquals sts:ExternalId = 'x'``; a ``Deny`` whose clauses rest on
request keys gives ``… unless …``.

Candidates come from an index of the trust policies' principals (exact ARNs, accounts,
unique IDs, ``AWS:*``), so the cost grows with the answers, not with roles × principals.
:func:`reachable_from` searches the graph of these answers (role chaining) breadth first.

>>> from trustsim.callers import IamUser, Role
>>> from trustsim.inventory import Inventory
>>> from trustsim.parsing import parse_policy
>>> trust = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
...     "Principal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "444455556666"]},
...     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}]})
>>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice"),
...                                    IamUser("arn:aws:iam::111122223333:user/bob")],
...                             roles=[Role("arn:aws:iam::111122223333:role/vendor", trust)])
>>> print(who_can_assume(inventory, "arn:aws:iam::111122223333:role/vendor").to_text())
who can assume arn:aws:iam::111122223333:role/vendor
  user arn:aws:iam::111122223333:user/alice: allowed if StringEquals sts:ExternalId = 'x-42'
outside the inventory:
  principals of account 444455556666: allowed if StringEquals sts:ExternalId = 'x-42' (if their own ...)
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import attrs

from trustsim import _reprs
from trustsim._memo import memo, remember
from trustsim.arn import Arn
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS,
    Caller,
    IamUser,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.conditions import compile_condition
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.errors import escape
from trustsim.evaluation import evaluate
from trustsim.inventory import Inventory, InventoryError, InventoryRole
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    parse_operator_name,
)
from trustsim.requests import ASSUME_ROLE, AssumeRoleRequest, assume_action_for, build_request
from trustsim.wildcard import compile_pattern

_T = TypeVar("_T")

__all__ = [
    "REQUEST_KEYS",
    "Access",
    "Answer",
    "Literal",
    "ReachResult",
    "Reached",
    "Residual",
    "Step",
    "WhoCanResult",
    "reachable_from",
    "who_can_assume",
]

#: Condition keys (folded) whose values only the request supplies: the caller model cannot
#: know them, so who-can keeps clauses on them as residual conditions.
REQUEST_KEYS: frozenset[str] = frozenset(
    {
        "sts:externalid",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "sts:transitivetagkeys",
        "sts:requestcontextproviders",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:viaawsservice",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:requestedregion",
        "aws:useragent",
        "aws:referer",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tokenissuetime",
        "aws:tagkeys",
    }
)
_REQUEST_PREFIXES = ("aws:requesttag/", "sts:requestcontext/")
# Keys a principal outside the inventory carries but trustsim cannot know.
_PRINCIPAL_DETAIL_KEYS = frozenset(
    {"aws:userid", "aws:principalorgid", "aws:principalorgpaths", "aws:sourceidentity"}
)
_PRINCIPAL_DETAIL_PREFIXES = ("aws:principaltag/",)
_ANY_PRINCIPAL_KEYS = _PRINCIPAL_DETAIL_KEYS | {
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:federatedprovider",
}
_SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
_ATOM_PREFIX = "trustsim:atom/"
_DEFAULT_SESSION = "trustsim"
_ASSUME = ASSUME_ROLE
#: The most request-time conditions a single answer may involve (2**n evaluations).
MAX_ATOMS = 10
#: The most statement evaluations one query (:func:`who_can_assume`, :func:`reachable_from`)
#: may spend enumerating; past it, the answers left are :attr:`Access.UNDETERMINED`. A pair
#: costs its evaluations (2**atoms) times the statements involved, charged whether or not the
#: answer was remembered from an earlier query, so the limit never depends on what was cached.
MAX_ENUMERATION = 2_000_000


def _budget_note() -> str:
    return (
        f"not enumerated: the query reached its limit of {MAX_ENUMERATION:,} statement evaluations"
    )


_OUTSIDE_ACCOUNT = "000000000000"
_REPRESENTATIVE = "trustsim-any-principal"


class Access(enum.Enum):
    """How a principal can assume the role, whatever the request-time values."""

    ALWAYS = "allowed"
    CONDITIONAL = "allowed if"
    NEVER = "denied"
    UNDETERMINED = "undetermined"


# --------------------------------------------------------------------------- residual formulas


@attrs.frozen
class Literal:
    """One condition clause on request keys, required to hold (or, ``holds=False``, not to).

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


def _minimise(satisfying: set[int], count: int) -> list[tuple[int, int]]:
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


# --------------------------------------------------------------------------- atoms


_BOOL = parse_operator_name("Bool")
assert _BOOL is not None  # noqa: S101 - a base operator


class _Atoms:
    """Rewrites policies so that each clause on unknown keys becomes a boolean atom.

    An atom is ``Bool trustsim:atom/<n> = true``: the engine then evaluates everything else
    as usual, and the atom's truth is set in the context. Equal clauses share one atom.
    """

    def __init__(self, unknown: Callable[[str], bool]) -> None:
        self.unknown = unknown
        self.index: dict[tuple[str, str, tuple[str, ...], bool], int] = {}
        self.literals: list[Literal] = []
        self.policies: dict[int, tuple[Policy, Policy, frozenset[int]]] = {}

    def _atom(self, clause: ConditionClause, expands: bool) -> int:
        key = (clause.operator.name, clause.key.lower(), clause.values, expands)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.literals)
            self.literals.append(Literal(clause, True, expands))
        return found

    def rewrite(self, policy: Policy) -> tuple[Policy, frozenset[int]]:
        """The policy with its unknown clauses turned into atoms, and the atoms it uses."""
        hit = self.policies.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1], hit[2]
        expands = policy.expands_variables
        used: set[int] = set()
        statements: list[Statement] = []
        changed = False
        for statement in policy.statements:
            clauses: list[ConditionClause] = []
            for clause in statement.condition:
                keys = compile_condition((clause,), expand_variables=expands).keys
                if any(self.unknown(key) for key in keys):
                    atom = self._atom(clause, expands)
                    used.add(atom)
                    clauses.append(ConditionClause(_BOOL, f"{_ATOM_PREFIX}{atom}", ("true",)))  # type: ignore[arg-type]
                else:
                    clauses.append(clause)
            if tuple(clauses) != statement.condition:
                changed = True
                statement = attrs.evolve(statement, condition=tuple(clauses))  # noqa: PLW2901
            statements.append(statement)
        rewritten = attrs.evolve(policy, statements=tuple(statements)) if changed else policy
        atoms = frozenset(used)
        self.policies[id(policy)] = (policy, rewritten, atoms)
        return rewritten, atoms


def _evolve(value: _T, **changes: Any) -> _T:
    # attrs.evolve through Any: mypy's attrs plugin cannot type fields with converter=tuple.
    return attrs.evolve(value, **changes)  # type: ignore[misc]


def _request_key(key: str) -> bool:
    return key in REQUEST_KEYS or key.startswith(_REQUEST_PREFIXES) or key.startswith(_ATOM_PREFIX)


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
        outcome = evaluate(plain)
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


# --------------------------------------------------------------------------- evaluation


_ANY_ASSUME = Policy(
    (Statement(Effect.ALLOW, action=("sts:*",), resource=("*",)),),
    version="2012-10-17",
    kind=PolicyKind.IDENTITY,
    origin="trustsim: a principal outside the inventory, assumed to allow itself sts:*",
)
_IDENTITY_NOTE = "if their own identity policies allow it too"


class _Evaluator:
    """Decides (caller, role) pairs by partial evaluation; memoised per inventory."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.known_atoms = _Atoms(_request_key)
        self.class_atoms: dict[frozenset[str] | tuple[str, ...], _Atoms] = {}
        self.sessions: dict[str, RoleSession] = {}
        self.rewritten_callers: dict[tuple[int, int], tuple[Caller, Caller, frozenset[int]]] = {}
        self.rewritten_roles: dict[tuple[int, int], tuple[Role, Role, frozenset[int]]] = {}
        #: For role sessions, ``aws:userid`` (``AROA…:<session name>``) depends on the name the
        #: session was given, which the role does not fix: it stays unknown too.
        self.session_atoms = _Atoms(lambda key: _request_key(key) or key == "aws:userid")
        self.pairs: dict[tuple[str, str], tuple[Answer, int]] = {}
        self.assume_index = _AssumeIndex(inventory)
        self.remaining = MAX_ENUMERATION
        self.last_cost = 0
        self.last_refused = False
        self.exhausted = False

    def start_query(self) -> None:
        """A new query: a fresh enumeration budget."""
        self.remaining = MAX_ENUMERATION
        self.exhausted = False

    def charge(self, cost: int) -> bool:
        """Spend ``cost`` statement evaluations if the budget holds them."""
        if cost > self.remaining:
            self.exhausted = True
            return False
        self.remaining -= cost
        return True

    def session(self, entry: InventoryRole) -> RoleSession:
        found = self.sessions.get(entry.arn)
        if found is None:
            found = self.sessions[entry.arn] = entry.session()
        return found

    def _rewrite_caller(self, caller: Caller, atoms: _Atoms) -> tuple[Caller, frozenset[int]]:
        key = (id(caller), id(atoms))
        hit = self.rewritten_callers.get(key)
        if hit is not None and hit[0] is caller:
            return hit[1], hit[2]
        used: set[int] = set()

        def rw(policy: Policy) -> Policy:
            new, found = atoms.rewrite(policy)
            used.update(found)
            return new

        result: Caller = caller
        if isinstance(caller, (IamUser, RoleSession)):
            changes: dict[str, Any] = {"policies": tuple(rw(p) for p in caller.policies)}
            if caller.permissions_boundary is not None:
                changes["permissions_boundary"] = rw(caller.permissions_boundary)
            if isinstance(caller, RoleSession) and caller.session_policy is not None:
                changes["session_policy"] = rw(caller.session_policy)
            if caller.org is not None:
                scps = tuple(tuple(rw(p) for p in level) for level in caller.org.scps)
                changes["org"] = _evolve(caller.org, scps=scps)
            if used:
                result = attrs.evolve(caller, **changes)
        frozen = frozenset(used)
        self.rewritten_callers[key] = (caller, result, frozen)
        return result, frozen

    def _rewrite_role(self, role: Role, atoms: _Atoms) -> tuple[Role, frozenset[int]]:
        hit = self.rewritten_roles.get((id(role), id(atoms)))
        if hit is not None and hit[0] is role:
            return hit[1], hit[2]
        trust, used = atoms.rewrite(role.trust_policy)
        all_used = set(used)
        result = role
        org = role.org
        if org is not None and org.rcps:
            levels = []
            for level in org.rcps:
                rewritten = []
                for policy in level:
                    new, found = atoms.rewrite(policy)
                    all_used.update(found)
                    rewritten.append(new)
                levels.append(tuple(rewritten))
            org = _evolve(org, rcps=tuple(levels))
        if all_used:
            result = attrs.evolve(role, trust_policy=trust, org=org)
        frozen = frozenset(all_used)
        self.rewritten_roles[id(role), id(atoms)] = (role, result, frozen)
        return result, frozen

    def decide(
        self, caller: Caller, role: Role, atoms: _Atoms
    ) -> tuple[Access, Residual | None, Outcome | AssumeRoleRequest]:
        """The access of ``caller`` to ``role`` over every value of the unknown keys.

        The third item is the plain call's outcome, or its request when it was not needed
        (:attr:`Answer.outcome` decides it when asked).
        """
        plain = build_request(caller, role)
        action = assume_action_for(caller)
        outcome = AssumeRoleRequest(plain.caller, role, action, plain.context)
        rw_caller, caller_atoms = self._rewrite_caller(plain.caller, atoms)
        rw_role, role_atoms = self._rewrite_role(role, atoms)
        involved = sorted(caller_atoms | role_atoms)
        self.last_cost, self.last_refused = 0, False
        if len(involved) > MAX_ATOMS:
            return Access.UNDETERMINED, None, outcome
        self.last_cost = _weight(rw_caller, rw_role) << len(involved)
        if not self.charge(self.last_cost):
            self.last_refused = True
            return Access.UNDETERMINED, None, outcome
        if not involved:
            decided = evaluate(outcome)
            return (Access.ALWAYS if decided.allowed else Access.NEVER), None, decided
        base = plain.context
        satisfying: set[int] = set()
        names = [f"{_ATOM_PREFIX}{atom}" for atom in involved]
        for bits in range(1 << len(involved)):
            values = {name: bool(bits >> i & 1) for i, name in enumerate(names)}
            request = AssumeRoleRequest(rw_caller, rw_role, action, base.merged(values))
            if evaluate(request).decision is Decision.ALLOW:
                satisfying.add(bits)
        if not satisfying:
            return Access.NEVER, None, outcome
        if len(satisfying) == 1 << len(involved):
            return Access.ALWAYS, None, outcome
        terms = _minimise(satisfying, len(involved))
        alternatives = tuple(
            tuple(
                attrs.evolve(atoms.literals[atom], holds=bool(bits >> i & 1))
                for i, atom in enumerate(involved)
                if mask >> i & 1
            )
            for mask, bits in terms
        )
        return Access.CONDITIONAL, Residual(alternatives), outcome

    def class_atoms_for(self, extra: frozenset[str], prefixes: tuple[str, ...]) -> _Atoms:
        key: tuple[str, ...] = (*sorted(extra), "|", *prefixes)
        found = self.class_atoms.get(key)
        if found is None:

            def unknown(folded: str) -> bool:
                return _request_key(folded) or folded in extra or folded.startswith(prefixes)

            found = self.class_atoms[key] = _Atoms(unknown)
        return found

    def pair(self, caller: IamUser | InventoryRole, role: InventoryRole) -> Answer:
        """The answer for one inventory principal and one inventory role (memoised)."""
        key = (caller.arn, role.arn)
        remembered = self.pairs.get(key)
        if remembered is not None:
            found, cost = remembered
            if self.charge(cost):
                return found
            return attrs.evolve(
                found,
                access=Access.UNDETERMINED,
                residual=None,
                notes=(*found.notes, _budget_note()),
            )
        if isinstance(caller, IamUser):
            who: Caller = caller
            kind = "user"
            notes: tuple[str, ...] = ()
        else:
            who = self.session(caller)
            kind = "role"
            notes = () if caller.identity_known else ("its identity policies are unknown",)
        atoms = self.known_atoms if isinstance(caller, IamUser) else self.session_atoms
        access, residual, outcome = self.decide(who, role.role, atoms)
        if self.last_refused:  # not remembered: a later query has its own budget
            return Answer(caller.arn, kind, access, outcome, None, (*notes, _budget_note()), who)
        found = Answer(caller.arn, kind, access, outcome, residual, notes, who)
        self.pairs[key] = (found, self.last_cost)
        return found


# --------------------------------------------------------------------------- candidates


def _weight(caller: Caller, role: Role) -> int:
    """How many statements one evaluation of ``caller`` against ``role`` reads, at least 1."""
    policies: list[Policy | None] = [role.trust_policy]
    policies += list(getattr(caller, "policies", ()))
    policies += [getattr(caller, "permissions_boundary", None)]
    policies += [getattr(caller, "session_policy", None)]
    for org in (getattr(caller, "org", None), role.org):
        for level in getattr(org, "scps", ()) + getattr(org, "rcps", ()):
            policies += list(level)
    return max(1, sum(len(p.statements) for p in policies if p is not None))


def _allow_statements(policy: Policy) -> Iterator[Statement]:
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW:
            yield statement


def _narrowing(statement: Statement) -> tuple[str, frozenset[str]] | None:
    """A plain equality on the principal's account, org or ARN that narrows ``AWS:*``."""
    for clause in statement.condition:
        operator = clause.operator
        if operator.qualifier is not None or operator.if_exists:
            continue
        key = clause.key.lower()
        literal = not any("*" in v or "?" in v or "${" in v for v in clause.values)
        if (
            key in ("aws:principalaccount", "aws:principalorgid")
            and operator.base == "StringEquals"
        ):
            return key, frozenset(clause.values)
        if key == "aws:principalarn" and literal and operator.base in ("ArnEquals", "StringEquals"):
            return key, frozenset(clause.values)
    return None


class _AssumeIndex:
    """Which principals' identity policies can allow ``sts:AssumeRole`` on a given role.

    An account principal (and any cross-account grant) needs the caller's identity policies
    to allow the call too (docs/semantics.md §4.3, §4.4), so a principal none of whose Allow
    statements covers the action and the role's ARN can never use such a grant: it need not
    be evaluated. Literal resources are indexed by ARN, wildcard resources grouped by pattern
    (each pattern is matched once per role); ``NotAction``/``NotResource`` and policy
    variables cannot be indexed, and their holders are always candidates.
    """

    def __init__(self, inventory: Inventory) -> None:
        self.literal: dict[str, list[IamUser | InventoryRole]] = {}
        self.patterns: dict[
            tuple[str, str], dict[str, dict[str, tuple[Callable[[str], bool], list[_Principal]]]]
        ] = {}
        self.always: dict[tuple[str, str], list[IamUser | InventoryRole]] = {}
        for user in inventory.users:
            self._add(user, (user.partition, user.account_id), user.policies)
        for entry in inventory.roles:
            self._add(entry, (entry.role.partition, entry.account_id), entry.policies)

    def _add(
        self,
        principal: IamUser | InventoryRole,
        account: tuple[str, str],
        policies: Sequence[Policy],
    ) -> None:
        literals: set[str] = set()
        patterns: set[str] = set()
        unindexed = False
        for policy in policies:
            for statement in policy.statements:
                if statement.effect is not Effect.ALLOW:
                    continue
                if statement.action is None:
                    unindexed = True  # NotAction
                    continue
                if not any(compile_pattern(a, ignore_case=True)(_ASSUME) for a in statement.action):
                    continue
                if statement.resource is None or (
                    policy.expands_variables and any("${" in r for r in statement.resource)
                ):
                    unindexed = True  # NotResource, or a resource resolved per request
                    continue
                for resource in statement.resource:
                    if "*" in resource or "?" in resource:
                        patterns.add(resource)
                    else:
                        literals.add(resource)
        for arn in literals:
            self.literal.setdefault(arn, []).append(principal)
        buckets = self.patterns.setdefault(account, {})
        for pattern in patterns:
            bucket = buckets.setdefault(_resource_prefix(pattern), {})
            if pattern not in bucket:
                bucket[pattern] = (compile_pattern(pattern), [])
            bucket[pattern][1].append(principal)
        if unindexed:
            self.always.setdefault(account, []).append(principal)

    def holders(
        self, partition: str, account: str, role_arn: str
    ) -> Iterator[IamUser | InventoryRole]:
        """The principals of one account whose identity policies may allow assuming the role."""
        key = (partition, account)
        for principal in self.literal.get(role_arn, ()):
            if _account_of(principal) == key:
                yield principal
        buckets = self.patterns.get(key)
        if buckets:
            # Only patterns whose literal resource prefix is a prefix of the role's resource
            # part can match: one dictionary lookup per prefix length, not one per pattern.
            resource = role_arn.split(":", 5)[-1]
            if ":" in resource:  # a path with a colon: a "*" before it could take part of it
                chosen: Iterable[dict[str, Any]] = buckets.values()
            else:
                chosen = (buckets.get(resource[:n]) or {} for n in range(len(resource) + 1))
            for bucket in chosen:
                for matcher, principals in bucket.values():
                    if matcher(role_arn):
                        yield from principals
        yield from self.always.get(key, ())


def _resource_prefix(pattern: str) -> str:
    """The literal start of a resource pattern's resource part (``role/team7-`` of ``…:role/team7-*``)."""
    parts = pattern.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    cut = min(
        (i for i in (resource.find("*"), resource.find("?")) if i >= 0), default=len(resource)
    )
    return resource[:cut]


_Principal = IamUser | InventoryRole


def _account_of(principal: IamUser | InventoryRole) -> tuple[str, str]:
    if isinstance(principal, IamUser):
        return principal.partition, principal.account_id
    return principal.role.partition, principal.account_id


class _Candidates:
    """The inventory principals a role's trust policy can admit, and the classes outside it."""

    def __init__(self, inventory: Inventory, role: InventoryRole, index: _AssumeIndex) -> None:
        self.inventory = inventory
        self.role = role
        self.index = index
        self.users: dict[str, IamUser] = {}
        self.roles: dict[str, InventoryRole] = {}
        self.sessions: dict[tuple[str, str], InventoryRole] = {}
        self.classes: list[tuple[str, str, Caller, frozenset[str], tuple[str, ...], str]] = []
        self.notes: list[str] = []
        self.everyone = False
        self._class_seen: set[tuple[str, str]] = set()

    def everything(self) -> None:
        if self.everyone:
            return
        self.everyone = True
        for user in self.inventory.users:
            self.users[user.arn] = user
        for entry in self.inventory.roles:
            self.roles[entry.arn] = entry

    def add_account(self, partition: str, account: str) -> None:
        for principal in self.index.holders(partition, account, self.role.arn):
            if isinstance(principal, IamUser):
                self.users[principal.arn] = principal
            else:
                self.roles[principal.arn] = principal
        if not self.inventory.has_account(account):
            representative = IamUser(
                f"arn:{partition}:iam::{account}:user/{_REPRESENTATIVE}", policies=(_ANY_ASSUME,)
            )
            self.add_class(
                "account",
                account,
                representative,
                _PRINCIPAL_DETAIL_KEYS | {"aws:principalarn", "aws:principaltype", "aws:username"},
                _PRINCIPAL_DETAIL_PREFIXES,
                _IDENTITY_NOTE,
            )

    def add_class(  # noqa: PLR0917 - one row of the class table
        self,
        kind: str,
        name: str,
        caller: Caller,
        extra: frozenset[str],
        prefixes: tuple[str, ...],
        note: str = "",
    ) -> None:
        if (kind, name) in self._class_seen:
            return
        self._class_seen.add((kind, name))
        self.classes.append((kind, name, caller, extra, prefixes, note))

    def add_aws(self, value: str, statement: Statement) -> None:
        inventory = self.inventory
        partition = self.role.role.partition
        if value == "*":
            narrowed = _narrowing(statement)
            if narrowed is None:
                self.everything()
            else:
                self.add_narrowed(*narrowed)
            self.add_class(
                "any-aws",
                "any AWS principal outside the inventory",
                IamUser(
                    f"arn:aws:iam::{_OUTSIDE_ACCOUNT}:user/{_REPRESENTATIVE}",
                    policies=(_ANY_ASSUME,),
                ),
                _ANY_PRINCIPAL_KEYS,
                _PRINCIPAL_DETAIL_PREFIXES,
                _IDENTITY_NOTE,
            )
            return
        if value.isdigit() and len(value) == 12:
            self.add_account(partition, value)
            return
        arn = Arn.try_parse(value)
        if arn is None:
            found = inventory.by_unique_id(value)
            if isinstance(found, IamUser):
                self.users[found.arn] = found
            elif found is not None:
                self.roles[found.arn] = found
            else:
                self.notes.append(
                    f"the trust policy names {value}, a unique ID no principal of the inventory "
                    "has: IAM writes this in place of a deleted principal's ARN, and it matches "
                    "no principal any more (a new principal of the same name has a new ID)"
                )
            return
        if arn.service == "iam" and arn.resource == "root":
            self.add_account(arn.partition, arn.account)
        elif arn.service == "iam" and arn.resource_type == "user":
            user = inventory.find_user(value)
            if user is not None:
                self.users[user.arn] = user
            elif not inventory.has_account(arn.account):
                self._outside(value, IamUser(value, policies=(_ANY_ASSUME,)))
        elif arn.service == "iam" and arn.resource_type == "role":
            entry = inventory.find_role(value)
            if entry is not None:
                self.roles[entry.arn] = entry
            elif not inventory.has_account(arn.account):
                self._outside(value, RoleSession(value, _DEFAULT_SESSION, policies=(_ANY_ASSUME,)))
        elif arn.service == "sts" and arn.resource_type == "assumed-role":
            self.add_session(arn, value)
        else:
            self.notes.append(
                f"the trust policy names {value}, a principal trustsim cannot model as a caller "
                "(such as a federated user's session): it is not evaluated"
            )

    def add_session(self, arn: Arn, value: str) -> None:
        parts = arn.resource.split("/")
        if len(parts) != 3:
            return
        _, name, session = parts
        _, roles = self.inventory.in_account(arn.partition, arn.account)
        for entry in roles:
            if entry.name == name:
                # One named session, whatever its name: a role answer would speak for all of
                # its sessions, and only this one is named.
                self.sessions[entry.arn, session] = entry
                return
        if not self.inventory.has_account(arn.account):
            role_arn = f"arn:{arn.partition}:iam::{arn.account}:role/{name}"
            self._outside(value, RoleSession(role_arn, session, policies=(_ANY_ASSUME,)))

    def _outside(self, value: str, caller: Caller) -> None:
        self.add_class(
            "principal",
            value,
            caller,
            _PRINCIPAL_DETAIL_KEYS,
            _PRINCIPAL_DETAIL_PREFIXES,
            _IDENTITY_NOTE,
        )

    def add_narrowed(self, key: str, values: frozenset[str]) -> None:
        inventory = self.inventory
        if key == "aws:principalaccount":
            for account in values:
                users, roles = inventory.in_account(self.role.role.partition, account)
                for user in users:
                    self.users[user.arn] = user
                for entry in roles:
                    self.roles[entry.arn] = entry
        elif key == "aws:principalarn":
            for value in values:
                found_user = inventory.find_user(value)
                if found_user is not None:
                    self.users[found_user.arn] = found_user
                found_role = inventory.find_role(value)
                if found_role is not None:
                    self.roles[found_role.arn] = found_role
        else:
            for user in inventory.users:
                if user.org is not None and user.org.org_id in values:
                    self.users[user.arn] = user
            for entry in inventory.roles:
                if entry.role.org is not None and entry.role.org.org_id in values:
                    self.roles[entry.arn] = entry

    def add_principal(self, principal: Principal, statement: Statement) -> None:
        if principal.star:
            self.add_aws("*", statement)
        for value in principal.aws:
            self.add_aws(value, statement)
        for service in principal.service:
            self.add_class(
                "service", service, ServicePrincipal(service), _SOURCE_KEYS, (), ""
            ) if _is_service(service) else self.notes.append(
                f"the trust policy names the service {service!r}, which trustsim cannot model"
            )
        for provider in principal.federated:
            self.add_federated(provider)

    def add_federated(self, provider: str) -> None:
        arn = Arn.try_parse(provider)
        note = self._missing_provider(provider, arn)
        if arn is not None and arn.resource_type == "saml-provider":
            self.add_class("saml", provider, SamlIdentity(provider), frozenset(), ("saml:",), note)
            return
        if arn is not None and arn.resource_type == "oidc-provider":
            issuer = arn.resource_name
        elif provider in BUILTIN_WEB_IDENTITY_PROVIDERS:
            issuer = provider
        else:
            self.notes.append(
                f"the trust policy names the federated provider {provider!r}, which is not a provider ARN"
            )
            return
        self.add_class(
            "oidc", provider, WebIdentity(provider), frozenset(), (issuer.lower() + ":",), note
        )

    def _missing_provider(self, provider: str, arn: Arn | None) -> str:
        """A note when the inventory lists the account's providers and not this one."""
        if arn is None or arn.service != "iam":
            return ""
        listed = (*self.inventory.oidc_providers, *self.inventory.saml_providers)
        in_account = [p for p in listed if p.split(":")[4:5] == [arn.account]]
        if not in_account or provider in listed:
            return ""
        return (
            f"the inventory lists no such provider in account {arn.account}: if it does not "
            "exist, STS refuses every token and assertion for it"
        )


def _is_service(name: str) -> bool:
    try:
        ServicePrincipal(name)
    except ValueError:
        return False
    return True


def _collect(inventory: Inventory, entry: InventoryRole, index: _AssumeIndex) -> _Candidates:
    found = _Candidates(inventory, entry, index)
    for statement in entry.role.trust_policy.statements:
        if statement.effect is Effect.DENY:
            # A Deny naming one session of a role decides for that session alone: answer it
            # apart from the role's other sessions (it is dropped if no Allow admits it).
            for value in statement.principal.aws if statement.principal else ():
                arn = Arn.try_parse(value)
                if arn is not None and arn.service == "sts":
                    found.add_session(arn, value)
        elif statement.principal is not None:
            found.add_principal(statement.principal, statement)
        else:
            # NotPrincipal, or no principal element at all (a hand-built policy: the parser
            # refuses both in a trust policy): the evaluator can match any principal.
            found.everything()
            found.add_aws("*", attrs.evolve(statement, condition=()))
    return found


# --------------------------------------------------------------------------- who can


def _evaluator(inventory: Inventory) -> _Evaluator:
    cache: dict[int, tuple[Inventory, _Evaluator]] = _EVALUATORS
    hit = cache.get(id(inventory))
    if hit is not None and hit[0] is inventory:
        return hit[1]
    # An evaluator depends on the inventory object alone (held by the entry: its id stays its own).
    evaluator = _Evaluator(inventory)
    remember(cache, id(inventory), (inventory, evaluator), 8)
    return evaluator


_EVALUATORS: dict[int, tuple[Inventory, _Evaluator]] = memo("whocan: evaluators", 8)


def who_can_assume(inventory: Inventory, role_arn: str) -> WhoCanResult:
    """Every principal of ``inventory`` and every class outside it that can assume the role.

    Principals whose every request is denied are left out; each answer listed is
    :attr:`Access.ALWAYS`, :attr:`Access.CONDITIONAL` (with its residual condition) or, when
    more than :data:`MAX_ATOMS` request-time clauses take part, :attr:`Access.UNDETERMINED`.
    Roles answer as sessions of the role (policies, boundary, tags and SCPs it carries).

    Raises:
        InventoryError: the inventory has no role with this ARN.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> trust = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Principal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "444455556666"]},
    ...     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}]})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice"),
    ...                                    IamUser("arn:aws:iam::111122223333:user/bob")],
    ...                             roles=[Role("arn:aws:iam::111122223333:role/vendor", trust)])
    >>> result = who_can_assume(inventory, "arn:aws:iam::111122223333:role/vendor")
    >>> for answer in result.principals + result.classes:
    ...     print(f"{answer.label}: {answer.summary()}")
    user arn:aws:iam::111122223333:user/alice: allowed if StringEquals sts:ExternalId = 'x-42'
    principals of account 444455556666: allowed if StringEquals sts:ExternalId = 'x-42'
    """
    entry = inventory.find_role(role_arn)
    if entry is None:
        raise InventoryError(f"the inventory has no role {role_arn}")
    evaluator = _evaluator(inventory)
    evaluator.start_query()
    found = _collect(inventory, entry, evaluator.assume_index)
    principals: list[Answer] = []
    for user in found.users.values():
        answer = evaluator.pair(user, entry)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    for caller_entry in found.roles.values():
        answer = evaluator.pair(caller_entry, entry)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    for (_, session), caller_entry in found.sessions.items():
        who = attrs.evolve(evaluator.session(caller_entry), session_name=session)
        access, residual, outcome = evaluator.decide(who, entry.role, evaluator.known_atoms)
        refused = (_budget_note(),) if evaluator.last_refused else ()
        answer = Answer(who.session_arn, "session", access, outcome, residual, refused, who)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    classes: list[Answer] = []
    for kind, name, caller, extra, prefixes, note in found.classes:
        atoms = evaluator.class_atoms_for(extra, prefixes)
        access, residual, outcome = evaluator.decide(caller, entry.role, atoms)
        if access is not Access.NEVER:
            noted = ((note,) if note else ()) + (
                (_budget_note(),) if evaluator.last_refused else ()
            )
            classes.append(Answer(name, kind, access, outcome, residual, noted, caller))
    notes = list(found.notes)
    if not entry.identity_known:
        notes.append("the role's own identity policies are unknown (not in the source)")
    notes += [n for n in inventory.notes if n.startswith(role_arn + ":")]
    if evaluator.exhausted:
        notes.append(f"{_budget_note()}; the answers past it are undetermined")
    return WhoCanResult(
        role_arn,
        tuple(principals),
        tuple(classes),
        tuple(notes),
        candidates=len(found.users) + len(found.roles) + len(found.classes),
    )


# --------------------------------------------------------------------------- reach


@attrs.frozen
class Step:
    """One hop of a chain: ``principal`` assumes ``role_arn`` (allowed always or under ``residual``)."""

    principal: str
    role_arn: str
    access: Access
    residual: Residual | None = None

    def __str__(self) -> str:
        how = "" if self.residual is None else f" if {self.residual}"
        return f"{self.principal} → {self.role_arn}{how}"


@attrs.frozen
class Reached:
    """A role reachable from the start, with the shortest chain found."""

    role_arn: str
    path: tuple[Step, ...]

    @property
    def conditional(self) -> bool:
        """Whether some hop needs request-time values."""
        return any(step.access is not Access.ALWAYS for step in self.path)


@attrs.frozen
class ReachResult:
    """Every role a principal can reach by assuming roles in turn (role chaining).

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> def trusting(principal):
    ...     return parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...         "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice")], roles=[
    ...     Role("arn:aws:iam::111122223333:role/ci", trusting("arn:aws:iam::111122223333:user/alice")),
    ...     Role("arn:aws:iam::111122223333:role/prod", trusting("arn:aws:iam::111122223333:role/ci"))])
    >>> result = reachable_from(inventory, "arn:aws:iam::111122223333:user/alice")
    >>> [(r.role_arn, len(r.path), r.conditional) for r in result.reached]
    [('arn:aws:iam::111122223333:role/ci', 1, False), ('arn:aws:iam::111122223333:role/prod', 2, False)]
    """

    principal_arn: str
    reached: tuple[Reached, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data (``notes`` only when there are some)."""
        noted = {"notes": list(self.notes)} if self.notes else {}
        return {
            "principal": self.principal_arn,
            "reached": [
                {
                    "role": r.role_arn,
                    "path": [
                        {
                            "principal": s.principal,
                            "role": s.role_arn,
                            "access": s.access.name.lower(),
                            "residual": None if s.residual is None else str(s.residual),
                        }
                        for s in r.path
                    ],
                }
                for r in self.reached
            ],
        } | noted

    def to_text(self) -> str:
        """The result for people: each role and the chain to it."""
        lines = [f"{self.principal_arn} can reach {len(self.reached)} role(s)"]
        for reached in self.reached:
            lines.append(f"  {reached.role_arn}")
            lines += [f"    {step}" for step in reached.path]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(escape(line) for line in lines)  # values came from input

    def __str__(self) -> str:
        return self.to_text()


class _ReverseIndex:
    """For each principal, the roles whose trust policy can name it (built once per inventory)."""

    def __init__(self, inventory: Inventory) -> None:
        self.by_arn: dict[str, list[InventoryRole]] = {}
        self.by_account: dict[tuple[str, str], list[InventoryRole]] = {}
        self.by_unique_id: dict[str, list[InventoryRole]] = {}
        self.star: list[InventoryRole] = []
        #: ``{"AWS": "*"}`` grants narrowed by an equality on the principal's account, org or ARN.
        self.star_narrowed: dict[tuple[str, str], list[InventoryRole]] = {}
        self.account_grants: dict[str, list[InventoryRole]] | None = None
        for entry in inventory.roles:
            for statement in _allow_statements(entry.role.trust_policy):
                if statement.principal is None:  # NotPrincipal or none: see _collect
                    self.star.append(entry)
                else:
                    if statement.principal.star:
                        self._add_star(statement, entry)
                    for value in statement.principal.aws:
                        self._add(value, statement, entry)

    def _add_star(self, statement: Statement, entry: InventoryRole) -> None:
        narrowed = _narrowing(statement)
        if narrowed is None:
            self.star.append(entry)
            return
        key, values = narrowed
        for value in values:
            self.star_narrowed.setdefault((key, value), []).append(entry)

    def _add(self, value: str, statement: Statement, entry: InventoryRole) -> None:
        partition = entry.role.partition
        if value == "*":
            self._add_star(statement, entry)
        elif value.isdigit() and len(value) == 12:
            self.by_account.setdefault((partition, value), []).append(entry)
        else:
            arn = Arn.try_parse(value)
            if arn is None:
                self.by_unique_id.setdefault(value, []).append(entry)
            elif arn.service == "iam" and arn.resource == "root":
                self.by_account.setdefault((arn.partition, arn.account), []).append(entry)
            elif arn.service != "sts":
                # A session ARN names one session: who-can answers it apart ("session"), and
                # reach follows a role as all of its sessions, so it adds no edge here.
                self.by_arn.setdefault(value, []).append(entry)

    def _account_grants(self, index: _AssumeIndex) -> dict[str, list[InventoryRole]]:
        """Principal ARN → the roles granted to its account that its identity policies may use.

        An account grant needs the principal's identity policies to allow (see
        :class:`_AssumeIndex`), so the holders of each granted role are found through that
        index once, and inverted: the cost follows the edges, not accounts x roles.
        """
        if self.account_grants is None:
            grants: dict[str, list[InventoryRole]] = {}
            for (partition, account), entries in self.by_account.items():
                for entry in entries:
                    for holder in index.holders(partition, account, entry.arn):
                        grants.setdefault(holder.arn, []).append(entry)
            self.account_grants = grants
        return self.account_grants

    def roles_for(
        self, principal: IamUser | InventoryRole, index: _AssumeIndex
    ) -> dict[str, InventoryRole]:
        if isinstance(principal, IamUser):
            account, unique, org = principal.account_id, principal.unique_id, principal.org
        else:
            account, unique, org = (
                principal.account_id,
                principal.role.unique_id,
                principal.role.org,
            )
        found: dict[str, InventoryRole] = {}
        for entry in self._account_grants(index).get(principal.arn, ()):
            found[entry.arn] = entry
        groups = [
            self.by_arn.get(principal.arn, ()),
            self.star,
            self.star_narrowed.get(("aws:principalaccount", account), ()),
            self.star_narrowed.get(("aws:principalarn", principal.arn), ()),
        ]
        if org is not None:
            groups.append(self.star_narrowed.get(("aws:principalorgid", org.org_id), ()))
        if unique:
            groups.append(self.by_unique_id.get(unique, ()))
        for group in groups:
            for entry in group:
                found[entry.arn] = entry
        return found


_REVERSE: dict[int, tuple[Inventory, _ReverseIndex]] = memo("whocan: reverse indexes", 8)


def _reverse_index(inventory: Inventory) -> _ReverseIndex:
    hit = _REVERSE.get(id(inventory))
    if hit is not None and hit[0] is inventory:
        return hit[1]
    # The index depends on the inventory object alone (held by the entry: its id stays its own).
    index = _ReverseIndex(inventory)
    remember(_REVERSE, id(inventory), (inventory, index), 8)
    return index


def reachable_from(inventory: Inventory, principal_arn: str) -> ReachResult:
    """Every role of ``inventory`` that ``principal_arn`` can reach by chaining, with the path.

    ``principal_arn`` is a user or a role of the inventory (a role starts as one of its
    sessions). The search is breadth first over who-can answers, so each path is a shortest
    chain; a hop allowed only under request-time values keeps its residual.

    Raises:
        InventoryError: the inventory has no such user or role.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> vendor_trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}}}})
    >>> ci_trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "sts:AssumeRole"}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/alice")],
    ...     roles=[Role("arn:aws:iam::111122223333:role/ci", ci_trust),
    ...            Role("arn:aws:iam::111122223333:role/vendor", vendor_trust)])
    >>> print(reachable_from(inventory, "arn:aws:iam::111122223333:user/alice").to_text())
    arn:aws:iam::111122223333:user/alice can reach 2 role(s)
      arn:aws:iam::111122223333:role/ci
        arn:aws:iam::111122223333:user/alice → arn:aws:iam::111122223333:role/ci
      arn:aws:iam::111122223333:role/vendor
        arn:aws:iam::111122223333:user/alice → arn:aws:iam::111122223333:role/ci
        arn:aws:iam::111122223333:role/ci → arn:aws:iam::111122223333:role/vendor
          if StringEquals sts:ExternalId = 'x-42'
    """
    start: IamUser | InventoryRole | None = inventory.find_user(principal_arn)
    if start is None:
        start = inventory.find_role(principal_arn)
    if start is None:
        raise InventoryError(f"the inventory has no user or role {principal_arn}")
    evaluator = _evaluator(inventory)
    evaluator.start_query()
    index = _reverse_index(inventory)
    paths: dict[str, tuple[Step, ...]] = {}
    queue: deque[tuple[IamUser | InventoryRole, tuple[Step, ...]]] = deque([(start, ())])
    while queue:
        principal, path = queue.popleft()
        for arn, entry in index.roles_for(principal, evaluator.assume_index).items():
            if arn in paths or arn == start.arn:
                continue
            answer = evaluator.pair(principal, entry)
            if answer.access in (Access.NEVER, Access.UNDETERMINED):
                continue
            step = Step(principal.arn, arn, answer.access, answer.residual)
            paths[arn] = (*path, step)
            queue.append((entry, paths[arn]))
    notes = (f"{_budget_note()}; roles past it may be missing",) if evaluator.exhausted else ()
    return ReachResult(
        principal_arn, tuple(Reached(arn, path) for arn, path in paths.items()), notes
    )


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
