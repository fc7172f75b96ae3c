"""Everything that exists only for speed: the decision alone, from remembered selections.

Speed code may remember, never decide. Per policy and (caller, action, role) the statements
that can apply are selected once and kept as their remaining checks (condition, and resource
where policy variables make it depend on the request); per caller and role the caller-side
and organisation policies are flattened once. A request then only runs those checks, with the
requirements of :func:`trustsim.evaluation.rules.needs_for`, combined as
:func:`trustsim.evaluation.rules.combine` combines them. An :class:`~trustsim.decision.Outcome`
of this path knows its decision; its statements, reason and diagnostics come from the full
scan (:mod:`trustsim.evaluation.scan`) on first access, which also checks the decision.

Turning this module off changes no answer: ``trustsim._memo.SWITCH.slow`` (set by
:func:`trustsim._memo.without_fast_path`) sends every call to the full scan, and the property
tests compare both ways.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trustsim._memo import memo, remember
from trustsim.compiler import CallerIdentity, CompiledPolicy, CompiledStatement, MatchKind
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import Diagnostic
from trustsim.evaluation.plan import (
    EMPTY,
    CallerFacts,
    RoleFacts,
    caller_facts,
    canonical,
    role_facts,
    scps_for,
)
from trustsim.evaluation.rules import needs_for
from trustsim.evaluation.scan import replay_actions

if TYPE_CHECKING:
    from trustsim.callers import Caller, Role
    from trustsim.requests import AssumeRoleRequest

__all__ = [
    "BY_REQUEST",
    "PairPlan",
    "decide_with",
    "fast_decision",
    "fast_outcome",
    "lazy_outcome",
    "new_lazy_outcome",
    "request_plan",
    "set_lazy_core",
]

_CACHE_SIZE = 4096

_Check = Callable[[Mapping[str, tuple[str, ...]], "RequestContext"], bool] | None
#: (checks of the Deny statements, (check, requirements) of the Allow statements); a check is
#: ``None`` when nothing is left to test, requirements ``None`` when nothing else is needed.
_Candidates = tuple[tuple[_Check, ...], tuple[tuple[_Check, "tuple[bool, bool, bool] | None"], ...]]
_NEVER = object()
_MEMO_SIZE = 4096


def _statement_check(statement: CompiledStatement, role_arn: str) -> _Check | object:
    """What is left to test of a statement once principal and action matched, or ``_NEVER``."""
    condition = statement.condition.check
    resource = statement.resource
    if resource is None:
        return condition
    if not resource.templates:
        return condition if resource.matches(role_arn, EMPTY) else _NEVER

    def with_resource(values: Mapping[str, tuple[str, ...]], context: RequestContext) -> bool:
        if not resource.matches(role_arn, context):
            return False
        return condition is None or condition(values, context)

    return with_resource


def _build_candidates(
    policy: CompiledPolicy, caller: CallerFacts, role: RoleFacts, action: str
) -> _Candidates:
    who = caller.who
    same_account = (who.partition, who.account) == (role.partition, role.account)
    index = policy.index
    if index is None:
        return _select(policy.statements, who, same_account, role, action)
    # A long policy: only the statements that may match the caller, and those of
    # {"AWS": "*"} alone through a memo keyed by what their contribution depends on.
    denies, allows = _select(index.candidates(who), who, same_account, role, action)
    if not who.is_iam_principal or not index.aws_star_only:
        return denies, allows
    # The {"AWS": "*"}-only statements' contribution depends on the caller's kind, whether it
    # is in the role's account, the action and the role's ARN and partition.
    key = (who.kind, same_account, action, role.arn, role.partition)
    star: _Candidates | None = index.star_memo.get(key)
    if star is None:
        made = _select(index.aws_star_only, who, same_account, role, action)
        star = remember(index.star_memo, key, made, _MEMO_SIZE)
    # (Checks are alternatives, tried until one holds: their order changes no answer.)
    return denies + star[0], allows + star[1]


def _select(
    statements: Iterable[CompiledStatement],
    who: CallerIdentity,
    same_account: bool,
    role: RoleFacts,
    action: str,
) -> _Candidates:
    """The Deny checks and Allow (check, requirements) of ``statements`` for one caller."""
    lower = action.casefold()
    denies: list[_Check] = []
    allows: list[tuple[_Check, tuple[bool, bool, bool] | None]] = []
    for statement in statements:
        kind = statement.principal_kind(who, role.partition)
        if kind is MatchKind.NO or not statement.action.matches(action, lower):
            continue
        check = _statement_check(statement, role.arn)
        if check is _NEVER:
            continue
        if statement.is_deny:
            denies.append(check)  # type: ignore[arg-type]
        else:
            needs = needs_for(who, same_account, statement, kind)
            wanted = (needs.identity, needs.boundary, needs.session)
            allows.append((check, wanted if any(wanted) else None))  # type: ignore[arg-type]
    return tuple(denies), tuple(allows)


def _candidates(
    policy: CompiledPolicy, caller: CallerFacts, role: RoleFacts, action: str
) -> _Candidates:
    # The selection depends on the caller (its identity, as ``sig``), the action and the
    # role's ARN (principal partition, resource match); the policy owns the memo.
    key = (caller.sig, action, role.arn)
    found: _Candidates | None = policy.memo.get(key)
    if found is None:
        made = _build_candidates(policy, caller, role, action)
        found = remember(policy.memo, key, made, _MEMO_SIZE)
    return found


#: A trust memo entry: the Deny checks, the Allow (check, requirements), and the checks of
#: the Allows that need nothing a caller without caller-side policies lacks (no identity
#: requirement: a missing boundary or session policy allows).
_TrustEntry = tuple[tuple[_Check, ...], tuple[tuple[_Check, Any], ...], tuple[_Check, ...]]


def _trust_entry(caller: CallerFacts, role: RoleFacts, action: str) -> _TrustEntry:
    # The trust selection depends on the caller (its identity, as ``sig``) and the action;
    # the role (its trust policy, partition and ARN) owns the memo.
    key = (caller.sig, action)
    found: _TrustEntry | None = role.memo.get(key)
    if found is None:
        denies, allows = _build_candidates(role.trust, caller, role, action)
        alone = tuple(check for check, needs in allows if needs is None or not needs[0])
        found = remember(role.memo, key, (denies, allows, alone), _MEMO_SIZE)
    return found


def _holds(
    checks: tuple[_Check, ...], values: Mapping[str, tuple[str, ...]], context: RequestContext
) -> bool:
    """Whether some check holds (an applicable statement exists)."""
    for check in checks:  # noqa: SIM110 - a loop beats any(<genexpr>) on the hot path
        if check is None or check(values, context):
            return True
    return False


#: The checks of a side where some statement always applies (stands for "true").
_ALWAYS: tuple[_Check, ...] = (None,)


class _CallerSide:
    """The caller-side and organisation policies for one caller, role and action, flattened.

    ``denies`` gathers the Deny checks of every caller-side policy, SCP and RCP; ``levels``
    the Allow checks of each SCP level (each must allow; RCP levels always let everything
    through, so only their Deny statements count); ``identity`` the Allow
    checks of all identity policies; ``boundary`` / ``session`` those of the boundary and the
    session policy, ``None`` when there is none (which allows).
    """

    __slots__ = ("boundary", "denies", "identity", "levels", "session")

    def __init__(self, caller: CallerFacts, role: RoleFacts, action: str) -> None:
        rcps = () if caller.service_linked else role.rcps
        same_account = (caller.who.partition, caller.who.account) == (role.partition, role.account)
        scps = scps_for(caller, role, same_account=same_account)[0]

        def allows(policy: CompiledPolicy) -> tuple[_Check, ...]:
            return tuple(check for check, _ in _candidates(policy, caller, role, action)[1])

        def settled(checks: tuple[_Check, ...]) -> tuple[_Check, ...]:
            # A statement with nothing left to test always applies: no need to run the rest.
            return _ALWAYS if None in checks else checks

        self.denies = tuple(
            check
            for policy in (
                *(p for level in rcps for p in level),
                *caller.policies,
                *(p for level in scps if scps is not caller.scps for p in level),
            )
            for check in _candidates(policy, caller, role, action)[0]
        )
        self.levels = tuple(
            settled(tuple(check for policy in level for check in allows(policy))) for level in scps
        )
        self.identity = settled(
            tuple(check for policy in caller.identity for check in allows(policy))
        )
        self.boundary = None if caller.boundary is None else settled(allows(caller.boundary))
        self.session = None if caller.session is None else settled(allows(caller.session))


def _fast_action(
    caller: CallerFacts,
    role: RoleFacts,
    action: str,
    values: Mapping[str, tuple[str, ...]],
    context: RequestContext,
) -> Decision:
    denies, allows, _ = _trust_entry(caller, role, action)
    return decide_with(denies, allows, _caller_side(caller, role, action), values, context)


def _caller_side(caller: CallerFacts, role: RoleFacts, action: str) -> _CallerSide:
    # The flattened caller side depends on the role (its RCPs and SCPs, partition and ARN:
    # by identity, the entry holds it) and the action; the caller's facts own the memo.
    key = (id(role), action)
    found = caller.memo.get(key)
    if found is not None and found[0] is role:
        held: _CallerSide = found[1]
        return held
    side = _CallerSide(caller, role, action)
    remember(caller.memo, key, (role, side), _MEMO_SIZE)
    return side


def decide_with(
    denies: tuple[_Check, ...],
    allows: tuple[tuple[_Check, Any], ...],
    side: _CallerSide,
    values: Mapping[str, tuple[str, ...]],
    context: RequestContext,
) -> Decision:
    """One action's decision from the trust selection and the caller-side selection.

    The decision column of :func:`trustsim.evaluation.rules.combine`, on remembered checks:
    an applicable Deny anywhere; else an SCP level with no applicable Allow; else the first
    applicable trust Allow whose requirements (:func:`~trustsim.evaluation.rules.needs_for`)
    the caller side meets, each side's checks run only when a grant needs them. It must answer
    as the full scan does: a lazy Outcome's details come from the full scan, which checks the
    decision, and the property tests decide with this module switched off and compare.
    """
    for check in denies:
        if check is None or check(values, context):
            return _EXPLICIT
    if side.denies and _holds(side.denies, values, context):
        return _EXPLICIT
    for level in side.levels:
        if level is not _ALWAYS and not _holds(level, values, context):
            return _IMPLICIT
    identity = boundary = session = None
    for check, needs in allows:
        if check is not None and not check(values, context):
            continue
        if needs is None:
            return _ALLOW
        if needs[0]:
            if identity is None:
                checks = side.identity
                identity = checks is _ALWAYS or _holds(checks, values, context)
            if not identity:
                continue
        if needs[1] and side.boundary is not None:
            if boundary is None:
                checks = side.boundary
                boundary = checks is _ALWAYS or _holds(checks, values, context)
            if not boundary:
                continue
        if needs[2] and side.session is not None:
            if session is None:
                checks = side.session
                session = checks is _ALWAYS or _holds(checks, values, context)
            if not session:
                continue
        return _ALLOW
    return _IMPLICIT


def fast_outcome(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Outcome:
    """Decide ``actions`` (deny wins across them, §4.11) recording nothing; a lazy Outcome."""
    return lazy_outcome(fast_decision(request, actions), request, actions)


def lazy_outcome(
    decision: Decision, request: AssumeRoleRequest, actions: tuple[str, ...] | None
) -> Outcome:
    """An Outcome that knows ``decision``; the rest comes from the full scan when asked.

    ``actions`` ``None`` stands for ``(request.action,)``.
    """
    outcome = _new(_LazyOutcome)
    _set_core(outcome, (decision, request, actions))
    return outcome


def fast_decision(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Decision:
    """The decision on ``actions`` of ``request``: deny wins across them (§4.11)."""
    facts = caller_facts(request.caller)
    role = role_facts(request.role)
    context = request.context
    if facts.refused:
        return _IMPLICIT  # STS refuses root and anonymous callers before reading policies
    decision = _ALLOW
    for action in actions:
        answer = _fast_action(facts, role, action, context.folded, context)
        if answer is _EXPLICIT:
            return answer
        if answer is _IMPLICIT:
            decision = answer
    return decision


_ALLOW, _EXPLICIT, _IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY


class _LazyOutcome(Outcome):
    """An :class:`Outcome` whose decision came from the fast path.

    The statements, reason, side and diagnostics are computed on first access, by the full
    evaluation of the same request (:func:`replay`), and kept.
    """

    __slots__ = ("_core", "_detail")
    _core: tuple[Decision, AssumeRoleRequest, tuple[str, ...] | None]
    _detail: tuple[tuple[StatementRef, ...], tuple[Diagnostic, ...], str, str]

    def __init__(  # the signature of Outcome, so that attrs.evolve works
        self,
        decision: Decision,
        determined_by: tuple[StatementRef, ...],
        errors: tuple[Diagnostic, ...],
        request: AssumeRoleRequest,
        *,
        side: str = "trust",
        reason: str = "",
        actions: tuple[str, ...] = (),
    ) -> None:
        _set_core(self, (decision, request, actions))
        _set_detail(self, (determined_by, errors, side, reason))

    def _details(self) -> tuple[tuple[StatementRef, ...], tuple[Diagnostic, ...], str, str]:
        try:
            return self._detail
        except AttributeError:  # the fast path leaves the slot empty until asked
            decision, request = self._core[0], self._core[1]
            full, refs, errors, side, reason = replay_actions(request, self.actions, None)
            if full is not decision:  # pragma: no cover - a bug, never an answer
                raise RuntimeError(
                    f"trustsim internal error: the fast path decided {decision}, the full "
                    f"evaluation {full}, for {request!r}"
                ) from None
            detail = (refs, errors, side, reason)
            _set_detail(self, detail)
        return detail

    @property
    def decision(self) -> Decision:
        return self._core[0]

    @property
    def request(self) -> AssumeRoleRequest:
        return self._core[1]

    @property
    def actions(self) -> tuple[str, ...]:
        actions = self._core[2]
        return (self._core[1].action,) if actions is None else actions  # None: the one action

    @property
    def determined_by(self) -> tuple[StatementRef, ...]:
        return self._details()[0]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return self._details()[1]

    @property
    def side(self) -> str:
        return self._details()[2]

    @property
    def reason(self) -> str:
        return self._details()[3]

    @property
    def allowed(self) -> bool:
        """True when the decision is :attr:`Decision.ALLOW`."""
        return self._core[0] is _ALLOW

    @property
    def denied(self) -> bool:
        """True for an explicit or an implicit deny."""
        return self._core[0] is not _ALLOW

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle as a plain Outcome with every field resolved.
        return (_plain_outcome, (self.decision, self.determined_by, self.errors, self.request,
                                 self.side, self.reason, self.actions))  # fmt: skip


def _plain_outcome(  # noqa: PLR0917 - the fields of Outcome, for pickle
    decision: Decision,
    determined_by: tuple[StatementRef, ...],
    errors: tuple[Diagnostic, ...],
    request: AssumeRoleRequest,
    side: str,
    reason: str,
    actions: tuple[str, ...],
) -> Outcome:
    return Outcome(
        decision, determined_by, errors, request, side=side, reason=reason, actions=actions
    )


_new = object.__new__
_set_core = _LazyOutcome.__dict__["_core"].__set__
_set_detail = _LazyOutcome.__dict__["_detail"].__set__
#: :func:`lazy_outcome` in two C calls, for the one-action door (``trustsim.evaluation``):
#: ``set_lazy_core(new_lazy_outcome(), (decision, request, None))``.
new_lazy_outcome = functools.partial(_new, _LazyOutcome)
set_lazy_core = _set_core


#: What deciding one action of a (caller, role) pair needs, kept per pair and action:
#: ``(caller, role, denies, allows, side)``, a plain tuple (unpacked on the hot path; a tuple
#: subclass would unpack slower). ``side`` is ``None`` when the trust policy alone decides;
#: ``allows`` are then the checks of the Allows that need nothing more, otherwise (check,
#: requirements) pairs. The plan holds its caller and role, so their ids are not reused while
#: it lives.
PairPlan = tuple[Any, Any, tuple[_Check, ...], tuple[Any, ...], "_CallerSide | None"]


#: The plans by (id(caller), id(role), action).
_PAIRS: dict[tuple[int, int, str], PairPlan] = memo("evaluation: pair plans", _CACHE_SIZE)


#: The plan of each one-action request decided lately, by the request's identity (each entry
#: holds its request, so the id is not reused while the entry lives).
BY_REQUEST: dict[int, tuple[AssumeRoleRequest, PairPlan]] = memo(
    "evaluation: plans by request", _CACHE_SIZE
)


#: Requests whose caller is equal to one decided before, decided once lately, held weakly:
#: seen a second time, such a request is kept like any other (see request_plan).
_SEEN_ONCE: dict[int, weakref.ref[AssumeRoleRequest]] = memo(
    "evaluation: requests seen once", _CACHE_SIZE
)


def request_plan(request: AssumeRoleRequest) -> PairPlan:
    """The plan of a one-action request, kept for the next decision on the same request.

    A request is kept only once it is known to be decided again: its caller, role and action
    were decided before, or (for a caller equal to one decided before, whose plan it shares)
    the request itself was. A request built afresh for each call (``assume_role``) is decided
    once, and keeping it would only hold it in memory.
    """
    caller, role, action = request.caller, request.role, request.action
    plan = _PAIRS.get((id(caller), id(role), action))
    if plan is not None and plan[0] is caller and plan[1] is role:
        _keep(request, plan)
        return plan
    first = canonical(caller)
    if first is caller:
        return _pair_plan(caller, role, action)
    plan = _PAIRS.get((id(first), id(role), action))
    if plan is None or plan[0] is not first or plan[1] is not role:
        plan = _pair_plan(first, role, action)
    seen = _SEEN_ONCE.get(id(request))
    if seen is not None and seen() is request:
        _keep(request, plan)
    else:
        # (a dead ref never matches a new id)
        remember(_SEEN_ONCE, id(request), weakref.ref(request), _CACHE_SIZE)
    return plan


def _keep(request: AssumeRoleRequest, plan: PairPlan) -> None:
    remember(BY_REQUEST, id(request), (request, plan), _CACHE_SIZE)


def _pair_plan(caller: Caller, role: Role, action: str) -> PairPlan:
    facts = caller_facts(caller)
    role_side = role_facts(role)
    plan: PairPlan
    if facts.refused:  # STS refuses root and anonymous callers before reading any policy
        plan = (caller, role, (), (), None)
    else:
        denies, allows, alone = _trust_entry(facts, role_side, action)
        inherits = role_side.scps and facts.orgless_iam
        if facts.trust_only and not role_side.rcps and not inherits:
            plan = (caller, role, denies, alone, None)
        else:
            plan = (caller, role, denies, allows, _caller_side(facts, role_side, action))
    # The pair's plan depends on the caller and role objects (held by the entry, so their
    # ids stay theirs) and the action.
    return remember(_PAIRS, (id(caller), id(role), action), plan, _CACHE_SIZE)
