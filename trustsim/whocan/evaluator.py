"""Partial evaluation of (caller, role) pairs: clauses on request-time keys become atoms.

Every truth assignment of the atoms is decided by the same engine: the rules' full scan that
:func:`trustsim.evaluation.evaluate` falls back on (each assignment is decided once, so the
fast path's per-call plans would be built for nothing). The assignments that allow are summed
up as a minimal formula (:func:`trustsim.whocan.answers.minimise`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from trustsim._memo import kept_for, memo
from trustsim.callers import Caller, IamUser, OrgMembership, Role, RoleSession
from trustsim.conditions import compile_condition
from trustsim.decision import Decision, Outcome
from trustsim.evaluation.rules import call_actions
from trustsim.evaluation.scan import decision_of
from trustsim.inventory import Inventory, InventoryRole
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Statement,
    parse_operator_name,
)
from trustsim.requests import ASSUME_ROLE, AssumeRoleRequest, assume_action_for, build_request
from trustsim.whocan.answers import Access, Answer, Literal, Residual, minimise
from trustsim.whocan.answers import decided as decided_by_rules
from trustsim.whocan.index import AssumeIndex

_T = TypeVar("_T")

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
PRINCIPAL_DETAIL_KEYS = frozenset(
    {"aws:userid", "aws:principalorgid", "aws:principalorgpaths", "aws:sourceidentity"}
)
PRINCIPAL_DETAIL_PREFIXES = ("aws:principaltag/",)
ANY_PRINCIPAL_KEYS = PRINCIPAL_DETAIL_KEYS | {
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:federatedprovider",
}
SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)
_ATOM_PREFIX = "trustsim:atom/"
DEFAULT_SESSION = "trustsim"
ASSUME = ASSUME_ROLE
#: The most request-time conditions a single answer may involve (2**n evaluations).
MAX_ATOMS = 10
#: The most statement evaluations one query (:func:`who_can_assume`, :func:`reachable_from`)
#: may spend enumerating; past it, the answers left are :attr:`Access.UNDETERMINED`. A pair
#: costs its evaluations (2**atoms) times the statements involved, charged whether or not the
#: answer was remembered from an earlier query, so the limit never depends on what was cached.
MAX_ENUMERATION = 2_000_000


def budget_note() -> str:
    """The note on an answer left undetermined by the query's budget."""
    return (
        f"not enumerated: the query reached its limit of {MAX_ENUMERATION:,} statement evaluations"
    )


OUTSIDE_ACCOUNT = "000000000000"
REPRESENTATIVE = "trustsim-any-principal"


# --------------------------------------------------------------------------- atoms


_BOOL = parse_operator_name("Bool")
assert _BOOL is not None  # noqa: S101 - a base operator


class _Atoms:
    """Rewrites policies so that each clause on unknown keys becomes a boolean atom.

    An atom is ``Bool trustsim:atom/<n> = true``: the engine then evaluates everything else
    as usual, and the atom's truth is set in the context. Equal clauses share one atom; the
    key is the clause as written (its key's case too), so the literal an atom prints never
    depends on which policy was rewritten first. Atom numbers are only names: a pair orders
    its atoms by first use in its own policies (:func:`_in_order`), never by number.
    """

    def __init__(self, unknown: Callable[[str], bool]) -> None:
        self.unknown = unknown
        self.index: dict[tuple[str, str, tuple[str, ...], bool], int] = {}
        self.literals: list[Literal] = []
        self.policies: dict[int, tuple[Policy, Policy, tuple[int, ...]]] = {}

    def _atom(self, clause: ConditionClause, expands: bool) -> int:
        key = (clause.operator.name, clause.key, clause.values, expands)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.literals)
            self.literals.append(Literal(clause, True, expands))
        return found

    def rewrite(self, policy: Policy) -> tuple[Policy, tuple[int, ...]]:
        """The policy with its unknown clauses turned into atoms, and the atoms it uses in order."""
        hit = self.policies.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1], hit[2]
        expands = policy.expands_variables
        used: dict[int, None] = {}
        statements: list[Statement] = []
        changed = False
        for statement in policy.statements:
            clauses: list[ConditionClause] = []
            for clause in statement.condition:
                keys = compile_condition((clause,), expand_variables=expands).keys
                if any(self.unknown(key) for key in keys):
                    atom = self._atom(clause, expands)
                    used[atom] = None
                    clauses.append(ConditionClause(_BOOL, f"{_ATOM_PREFIX}{atom}", ("true",)))  # type: ignore[arg-type]
                else:
                    clauses.append(clause)
            if tuple(clauses) != statement.condition:
                changed = True
                statement = attrs.evolve(statement, condition=tuple(clauses))  # noqa: PLW2901
            statements.append(statement)
        rewritten = attrs.evolve(policy, statements=tuple(statements)) if changed else policy
        atoms = tuple(used)
        self.policies[id(policy)] = (policy, rewritten, atoms)
        return rewritten, atoms


def _in_order(*groups: tuple[int, ...]) -> tuple[int, ...]:
    """The atoms of ``groups`` in order of first use, each once.

    A pair's residual lists its literals in this order, which depends on the pair's own
    policies alone: an evaluator shared by many queries answers each as a fresh one would.
    """
    return tuple(dict.fromkeys(atom for group in groups for atom in group))


def _evolve(value: _T, **changes: Any) -> _T:
    # attrs.evolve through Any: mypy's attrs plugin cannot type fields with converter=tuple.
    return attrs.evolve(value, **changes)  # type: ignore[misc]


def _request_key(key: str) -> bool:
    return key in REQUEST_KEYS or key.startswith(_REQUEST_PREFIXES) or key.startswith(_ATOM_PREFIX)


# --------------------------------------------------------------------------- evaluation


ANY_ASSUME = Policy(
    (Statement(Effect.ALLOW, action=("sts:*",), resource=("*",)),),
    version="2012-10-17",
    kind=PolicyKind.IDENTITY,
    origin="trustsim: a principal outside the inventory, assumed to allow itself sts:*",
)
IDENTITY_NOTE = "if their own identity policies allow it too"


class Evaluator:
    """Decides (caller, role) pairs by partial evaluation; memoised per inventory."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.known_atoms = _Atoms(_request_key)
        self.class_atoms: dict[frozenset[str] | tuple[str, ...], _Atoms] = {}
        self.sessions: dict[str, RoleSession] = {}
        self.rewritten_callers: dict[tuple[int, int], tuple[Caller, Caller, tuple[int, ...]]] = {}
        self.rewritten_roles: dict[tuple[int, int], tuple[Role, Role, tuple[int, ...]]] = {}
        self.rewritten_orgs: dict[
            tuple[int, int], tuple[OrgMembership, OrgMembership, tuple[int, ...]]
        ] = {}
        #: For role sessions, ``aws:userid`` (``AROA…:<session name>``) depends on the name the
        #: session was given, which the role does not fix: it stays unknown too.
        self.session_atoms = _Atoms(lambda key: _request_key(key) or key == "aws:userid")
        self.pairs: dict[tuple[str, str], tuple[Answer, int]] = {}
        self.assume_index = AssumeIndex(inventory)
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
        """A session of ``entry``'s role, one per role (the inventory role as a caller)."""
        found = self.sessions.get(entry.arn)
        if found is None:
            found = self.sessions[entry.arn] = entry.session()
        return found

    def _rewrite_caller(self, caller: Caller, atoms: _Atoms) -> tuple[Caller, tuple[int, ...]]:
        key = (id(caller), id(atoms))
        hit = self.rewritten_callers.get(key)
        if hit is not None and hit[0] is caller:
            return hit[1], hit[2]
        used: list[tuple[int, ...]] = []

        def rw(policy: Policy) -> Policy:
            new, found = atoms.rewrite(policy)
            used.append(found)
            return new

        result: Caller = caller
        if isinstance(caller, (IamUser, RoleSession)):
            changes: dict[str, Any] = {"policies": tuple(rw(p) for p in caller.policies)}
            if caller.permissions_boundary is not None:
                changes["permissions_boundary"] = rw(caller.permissions_boundary)
            if isinstance(caller, RoleSession) and caller.session_policy is not None:
                changes["session_policy"] = rw(caller.session_policy)
            if caller.org is not None:
                org, found = self._rewrite_org(caller.org, atoms)
                used.append(found)
                changes["org"] = org
            if any(used):
                result = attrs.evolve(caller, **changes)
        ordered = _in_order(*used)
        self.rewritten_callers[key] = (caller, result, ordered)
        return result, ordered

    def _rewrite_org(
        self, org: OrgMembership, atoms: _Atoms
    ) -> tuple[OrgMembership, tuple[int, ...]]:
        """``org`` with its SCPs' unknown clauses as atoms, and the atoms in order.

        Kept per membership: an account's principals share theirs.
        """
        key = (id(org), id(atoms))
        hit = self.rewritten_orgs.get(key)
        if hit is not None and hit[0] is org:
            return hit[1], hit[2]
        used: list[tuple[int, ...]] = []
        levels: list[tuple[Policy, ...]] = []
        for level in org.scps:
            rewritten: list[Policy] = []
            for policy in level:
                new, found = atoms.rewrite(policy)
                used.append(found)
                rewritten.append(new)
            levels.append(tuple(rewritten))
        ordered = _in_order(*used)
        result = _evolve(org, scps=tuple(levels)) if ordered else org
        self.rewritten_orgs[key] = (org, result, ordered)
        return result, ordered

    def _rewrite_role(self, role: Role, atoms: _Atoms) -> tuple[Role, tuple[int, ...]]:
        hit = self.rewritten_roles.get((id(role), id(atoms)))
        if hit is not None and hit[0] is role:
            return hit[1], hit[2]
        trust, used = atoms.rewrite(role.trust_policy)
        all_used = [used]
        result = role
        org = role.org
        if org is not None and org.rcps:
            levels = []
            for level in org.rcps:
                rewritten = []
                for policy in level:
                    new, found = atoms.rewrite(policy)
                    all_used.append(found)
                    rewritten.append(new)
                levels.append(tuple(rewritten))
            org = _evolve(org, rcps=tuple(levels))
        ordered = _in_order(*all_used)
        if ordered:
            result = attrs.evolve(role, trust_policy=trust, org=org)
        self.rewritten_roles[id(role), id(atoms)] = (role, result, ordered)
        return result, ordered

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
        involved = _in_order(caller_atoms, role_atoms)
        self.last_cost, self.last_refused = 0, False
        if len(involved) > MAX_ATOMS:
            return Access.UNDETERMINED, None, outcome
        self.last_cost = weight(rw_caller, rw_role) << len(involved)
        if not self.charge(self.last_cost):
            self.last_refused = True
            return Access.UNDETERMINED, None, outcome
        if not involved:
            decided = decided_by_rules(outcome)
            return (Access.ALWAYS if decided.allowed else Access.NEVER), None, decided
        base = plain.context
        satisfying: set[int] = set()
        names = [f"{_ATOM_PREFIX}{atom}" for atom in involved]
        for bits in range(1 << len(involved)):
            values = {name: bool(bits >> i & 1) for i, name in enumerate(names)}
            request = AssumeRoleRequest(rw_caller, rw_role, action, base.merged(values))
            if decision_of(request, call_actions(request)) is Decision.ALLOW:
                satisfying.add(bits)
        if not satisfying:
            return Access.NEVER, None, outcome
        if len(satisfying) == 1 << len(involved):
            return Access.ALWAYS, None, outcome
        terms = minimise(satisfying, len(involved))
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
        """The atoms of a class of outside principals, by the keys it leaves unknown."""
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
                notes=(*found.notes, budget_note()),
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
            return Answer(caller.arn, kind, access, outcome, None, (*notes, budget_note()), who)
        found = Answer(caller.arn, kind, access, outcome, residual, notes, who)
        self.pairs[key] = (found, self.last_cost)
        return found


# --------------------------------------------------------------------------- candidates


def weight(caller: Caller, role: Role) -> int:
    """How many statements one evaluation of ``caller`` against ``role`` reads, at least 1."""
    policies: list[Policy | None] = [role.trust_policy]
    policies += list(getattr(caller, "policies", ()))
    policies += [getattr(caller, "permissions_boundary", None)]
    policies += [getattr(caller, "session_policy", None)]
    for org in (getattr(caller, "org", None), role.org):
        for level in getattr(org, "scps", ()) + getattr(org, "rcps", ()):
            policies += list(level)
    return max(1, sum(len(p.statements) for p in policies if p is not None))


# --------------------------------------------------------------------------- who can


def evaluator_for(inventory: Inventory) -> Evaluator:
    """The evaluator of ``inventory`` (kept: its answers are reused across queries)."""
    # An evaluator depends on the inventory object alone.
    return kept_for(_EVALUATORS, inventory, lambda: Evaluator(inventory), 8)


_EVALUATORS: dict[int, tuple[Inventory, Evaluator]] = memo("whocan: evaluators", 8)
