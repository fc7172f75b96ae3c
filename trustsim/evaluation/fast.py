"""Everything that exists only for speed: the rules' own answers, remembered.

Speed code may remember, never decide. For one call (a caller, a role and the actions the
call exercises) the statements that can apply are selected once, from facts the compiled
policies define (principal match, action match, resource match without variables), and
kept as their remaining checks (condition, and resource where policy variables make it
depend on the request): a :class:`CallPlan`. A request then runs those checks, which says
which statements apply, and looks up the answer the rules (:mod:`trustsim.evaluation.scan`,
:mod:`trustsim.evaluation.rules`) gave before for exactly that: the decision is a pure
function of the call and of which statements apply. When the rules have not answered that
yet, this module declines (``None``) and the evaluator asks them, then hands their answer
here to be remembered (:func:`learn`). Nothing here combines statements into a decision.

An :class:`~trustsim.decision.Outcome` of this path knows its decision; its statements,
reason and diagnostics come from the full scan on first access.

Turning this module off changes no answer: ``trustsim._memo.SWITCH.slow`` (set by
:func:`trustsim._memo.without_fast_path`) sends every call to the full scan, and
tests/speed compares both ways.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from trustsim._memo import memo, remember
from trustsim.compiler import CompiledStatement
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import Diagnostic
from trustsim.evaluation.plan import (
    EMPTY,
    Plan,
    caller_facts,
    canonical,
    role_facts,
)
from trustsim.evaluation.rules import call_actions
from trustsim.evaluation.scan import PER_REQUEST, replay_actions, static_scan

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.callers import Caller, Role

__all__ = [
    "DECIDED",
    "CallPlan",
    "applied_test",
    "keep_decided",
    "known",
    "known_call",
    "lazy_outcome",
    "learn",
    "new_lazy_outcome",
    "set_lazy_core",
]

#: How many calls' plans and requests the fast path keeps: twice the working set of a loop
#: over the benchmarks' corpus (benchmarks/run.py decides 4,000 prepared requests again and
#: again), as many as the compiled policies kept (trustsim.compiler). The memos start afresh
#: when full, so a loop over more requests than this finds none of its plans and rebuilds
#: every one on every pass (at 4,096, a loop over 8,000 requests took 7x as long per request
#: as one over 4,000). Each entry holds a request and its call's plan: a few kilobytes.
_CACHE_SIZE = 8192
#: How many answers one call plan keeps (one per set of statements that applied).
_ANSWERS_SIZE = 256

_Check = Callable[[Mapping[str, tuple[str, ...]], RequestContext], bool]
#: A request kept by :data:`BY_REQUEST`: the request, its plan's checks and answers, its
#: context and the context's folded values.
_Kept = tuple[
    "AssumeRoleRequest",
    tuple[_Check, ...],
    dict[int, Decision],
    RequestContext,
    Mapping[str, tuple[str, ...]],
]


def _check_of(statement: CompiledStatement, resource: object, role_arn: str) -> _Check | None:
    """What is left to test of a candidate statement (``None``: it always applies).

    ``resource`` is the static scan's resource result: ``PER_REQUEST`` when policy variables
    make the resource depend on the request.
    """
    condition = statement.condition.check
    if resource is not PER_REQUEST:
        return condition
    matcher = statement.resource

    def with_resource(values: Mapping[str, tuple[str, ...]], context: RequestContext) -> bool:
        if not matcher.matches(role_arn, context):  # type: ignore[union-attr]
            return False
        return condition is None or condition(values, context)

    return with_resource


def _checks(plan: Plan, action: str) -> list[_Check]:
    """The checks of the statements whose applying varies, of every policy the scan reads.

    The candidates are the full scan's own (:func:`~trustsim.evaluation.scan.static_scan`); a
    candidate with nothing left to test always applies, so it needs no check (the call plan
    is the key of what is constant).
    """
    lower = action.casefold()
    checks: list[_Check] = []
    for policy in plan.policies():
        for statement, _, resource, _ in static_scan(policy, plan, action, lower).candidates:
            check = _check_of(statement, resource, plan.role_arn)
            if check is not None:
                checks.append(check)
    return checks


class CallPlan:
    """What deciding one call of a (caller, role) pair needs: its checks, and the answers.

    ``checks``: every statement of every policy the full scan reads
    (:meth:`~trustsim.evaluation.plan.Plan.policies`) whose applying varies, for each action
    of the call; ``answers``: the rules' decision on the call, by which of those checks held
    (bit ``i`` for ``checks[i]``). The plan holds its caller and role, so their ids are not
    reused while it lives.
    """

    __slots__ = ("actions", "answers", "caller", "checks", "role")

    def __init__(self, caller: Caller, role: Role, actions: tuple[str, ...]) -> None:
        self.caller = caller
        self.role = role
        self.actions = actions
        plan = Plan(caller_facts(caller), role_facts(role), EMPTY)
        self.checks = tuple(check for action in actions for check in _checks(plan, action))
        #: The rules' answers, by which checks held: a memo of their own answers.
        self.answers: dict[int, Decision] = {}


def _applied(checks: tuple[_Check, ...], context: RequestContext) -> int:
    """Which ``checks`` hold in ``context``, as bits (the key of a plan's answers)."""
    return _bits(checks, context.folded, context)


def _bits(
    checks: tuple[_Check, ...], values: Mapping[str, tuple[str, ...]], context: RequestContext
) -> int:
    """Which ``checks`` hold in ``context`` (``values``: its folded entries), as bits."""
    bits = 0
    bit = 1
    for check in checks:
        if check(values, context):
            bits |= bit
        bit <<= 1
    return bits


def applied_test(
    checks: tuple[_Check, ...],
) -> Callable[[Mapping[str, tuple[str, ...]], RequestContext], int]:
    """One call giving :func:`_applied`'s bits for ``checks``, from (``context.folded``, context).

    A single check is its own test: it returns ``True`` or ``False``, which are the bits
    ``1`` and ``0`` as dict keys (equal, with equal hashes).
    """
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:  # (an Allow and a Deny guard, say: common enough to spell out)
        first, second = checks

        def two(values: Mapping[str, tuple[str, ...]], context: RequestContext) -> int:
            return (1 if first(values, context) else 0) | (2 if second(values, context) else 0)

        return two

    def several(values: Mapping[str, tuple[str, ...]], context: RequestContext) -> int:
        return _bits(checks, values, context)

    return several


def known_call(request: AssumeRoleRequest) -> Decision | None:
    """The rules' decision on the whole call of ``request``, if they gave it before; else ``None``."""
    hit = BY_REQUEST.get(id(request))
    if hit is not None and hit[0] is request:
        # (the entry holds what a decision reads, so the request, its context and the plan
        # objects themselves are not read again: fewer places in memory per call)
        _, checks, answers, context, values = hit
    else:
        plan = request_plan(request)
        checks, answers, context = plan.checks, plan.answers, request.context
        values = context.folded
    # _applied(checks, context), inlined (the hot path)
    bits = 0
    bit = 1
    for check in checks:
        if check(values, context):
            bits |= bit
        bit <<= 1
    return answers.get(bits)


def known(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Decision | None:
    """The rules' decision on ``actions`` of ``request``, if they gave it before; else ``None``."""
    plan = _plan(request.caller, request.role, actions)
    return plan.answers.get(_applied(plan.checks, request.context))


def learn(request: AssumeRoleRequest, actions: tuple[str, ...], decision: Decision) -> None:
    """Remember the rules' ``decision`` on ``actions`` of ``request``, for the same facts."""
    plan = _plan(request.caller, request.role, actions)
    remember(plan.answers, _applied(plan.checks, request.context), decision, _ANSWERS_SIZE)


def lazy_outcome(
    decision: Decision, request: AssumeRoleRequest, actions: tuple[str, ...] | None
) -> Outcome:
    """An Outcome that knows ``decision``; the rest comes from the full scan when asked.

    ``actions`` ``None`` stands for the whole call of ``request``.
    """
    outcome = _new(_LazyOutcome)
    _set_core(outcome, (decision, request, actions))
    return outcome


_ALLOW = Decision.ALLOW


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
            if full is not decision:  # pragma: no cover - a memo keyed too coarsely
                raise RuntimeError(
                    f"trustsim internal error: a remembered decision ({decision}) is not the "
                    f"rules' answer ({full}) for {request!r}"
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
        return call_actions(self._core[1]) if actions is None else actions  # None: the call

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
#: :func:`lazy_outcome` in two C calls, for the evaluator's doors:
#: ``set_lazy_core(new_lazy_outcome(), (decision, request, None))``.
new_lazy_outcome = functools.partial(_new, _LazyOutcome)
set_lazy_core = _set_core


#: The plans by (id(caller), id(role), actions); each holds its caller and role.
_PLANS: dict[tuple[int, int, tuple[str, ...]], CallPlan] = memo(
    "evaluation: call plans", _CACHE_SIZE
)


#: The plan of each whole call decided lately, by the request's identity: the request (so
#: the id is not reused while the entry lives), then what :func:`known_call` reads of the
#: plan and the request — the plan's checks and answers (the plan's own tuple and dict, so
#: answers it learns later are found), the request's context and its folded values.
BY_REQUEST: dict[int, _Kept] = memo("evaluation: plans by request", _CACHE_SIZE)


#: Requests whose caller is equal to one decided before, decided once lately, held weakly:
#: seen a second time, such a request is kept like any other (see request_plan).
_SEEN_ONCE: dict[int, weakref.ref[AssumeRoleRequest]] = memo(
    "evaluation: requests seen once", _CACHE_SIZE
)


def _kept(caller: Caller, role: Role, actions: tuple[str, ...]) -> CallPlan | None:
    """The plan kept for exactly these caller and role objects and these actions."""
    plan = _PLANS.get((id(caller), id(role), actions))
    return plan if plan is not None and plan.caller is caller and plan.role is role else None


def _plan(caller: Caller, role: Role, actions: tuple[str, ...]) -> CallPlan:
    """The plan of ``actions`` for ``caller`` (or the equal caller seen first) and ``role``."""
    plan = _kept(caller, role, actions)
    if plan is not None:
        return plan
    caller = canonical(caller)  # (an equal caller seen first: its plan is this one's)
    plan = _kept(caller, role, actions)
    if plan is not None:
        return plan
    # The plan depends on the caller and role objects (it holds them, so their ids stay
    # theirs) and the actions.
    return remember(
        _PLANS, (id(caller), id(role), actions), CallPlan(caller, role, actions), _CACHE_SIZE
    )


def request_plan(request: AssumeRoleRequest) -> CallPlan:
    """The plan of a request's whole call, kept for the next decision on the same request.

    A request is kept only once it is known to be decided again: its caller, role and
    actions were decided before, or (for a caller equal to one decided before, whose plan it
    shares) the request itself was. A request built afresh for each call (``assume_role``)
    is decided once, and keeping it would only hold it in memory.
    """
    caller, role, actions = request.caller, request.role, call_actions(request)
    plan = _kept(caller, role, actions)
    if plan is not None:
        _keep(request, plan)
        return plan
    plan = _plan(caller, role, actions)
    if plan.caller is caller:
        return plan
    seen = _SEEN_ONCE.get(id(request))
    if seen is not None and seen() is request:
        _keep(request, plan)
    else:
        # (a dead ref never matches a new id)
        remember(_SEEN_ONCE, id(request), weakref.ref(request), _CACHE_SIZE)
    return plan


def _keep(request: AssumeRoleRequest, plan: CallPlan) -> None:
    context = request.context
    kept = (request, plan.checks, plan.answers, context, context.folded)
    remember(BY_REQUEST, id(request), kept, _CACHE_SIZE)


#: What deciding again a request decided lately needs, by the request's identity:
#: ``(request, test, applied, decision, outcome)`` — the request (held, so its id is not
#: reused while the entry lives), one test giving which of its plan's checks hold
#: (:func:`applied_test`), what it gave when the rules' answer was taken (``applied``: the
#: key of the plan's answers), that answer, and the :class:`~trustsim.decision.Outcome`
#: handed out with it (``None`` when only :func:`~trustsim.evaluation.decide` asked). The
#: doors run the test again on every call: when the same statements apply, the rules' answer
#: is the one they gave for exactly those statements of this call (a pure function of
#: them), and the outcome is the one handed out with it. An outcome is immutable and holds
#: nothing but its decision and its request (its reason and statements, made when first
#: read, are the full scan's on that request), so it equals the outcome a fresh evaluation
#: would build. Anything else declines to the plan's memo (:func:`known_call`).
DECIDED: dict[
    int,
    tuple[
        AssumeRoleRequest,
        Callable[[Mapping[str, tuple[str, ...]], RequestContext], int],
        int,
        Decision,
        Outcome | None,
    ],
] = memo("evaluation: requests decided again", _CACHE_SIZE)


def keep_decided(request: AssumeRoleRequest, decision: Decision, outcome: Outcome | None) -> None:
    """Keep what deciding ``request`` again needs, if the request itself is kept.

    ``decision`` is the rules' answer on the request (known_call's or the full scan's).
    Only a request whose plan is kept by request (:func:`request_plan`: it is decided again)
    is kept here; a request built afresh for each call is decided once.
    """
    hit = BY_REQUEST.get(id(request))
    if hit is not None and hit[0] is request:
        test = applied_test(_plan(request.caller, request.role, call_actions(request)).checks)
        context = request.context
        entry = (request, test, test(context.folded, context), decision, outcome)
        remember(DECIDED, id(request), entry, _CACHE_SIZE)
