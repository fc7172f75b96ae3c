"""The full evaluation: every policy scanned for one action, the facts put to the rules.

:func:`decide_action` scans each policy of a :class:`~trustsim.evaluation.plan.Plan` once
(principal, action, resource and condition of every statement), then hands the statements
that applied to the combination table (:func:`trustsim.evaluation.rules.combine`). With a
:class:`Recorder` it reports every step: :mod:`trustsim.evaluation.explaining` replays an
outcome this way, and an :class:`~trustsim.decision.Outcome` of the fast path fills its reason from here.

The context-free part of a scan (:class:`StaticScan`: which statements can apply to a caller,
role and action) and the table's answer for a set of applied statements are remembered in the
compiled policy and the static scan, whose keys say what the answer depends on.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from trustsim._memo import kept_for, memo, remember
from trustsim.compiler import (
    CallerIdentity,
    CallerKind,
    CompiledPolicy,
    CompiledStatement,
    MatchKind,
)
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import Diagnostic
from trustsim.evaluation.plan import EMPTY, Plan, plan_of
from trustsim.evaluation.rules import (
    GITHUB_PREFIX,
    ActionResult,
    Grant,
    Needs,
    Summary,
    chain_readings,
    choose_grant,
    claims_not_given,
    combine,
    effect_case_readings,
    federated_service_key,
    first_gap,
    located,
    needs_for,
    org_from_role,
    readings,
    refused_note,
    summary,
    unique,
)

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest

__all__ = [
    "Recorder",
    "StaticScan",
    "decide_action",
    "decision_of",
    "replay",
    "replay_actions",
    "static_scan",
]

#: The bound of every per-value memo kept here (scans per policy, answers per static scan).
_MEMO_SIZE = 4096


class Recorder(Protocol):
    """Receives every step of an evaluation (:mod:`trustsim.evaluation.explaining` uses it)."""

    def begin_action(self, action: str) -> None:
        """A new action is about to be decided."""

    def policy(self, side: str, scan: StaticScan, checked: Mapping[int, bool]) -> None:
        """Every statement of ``scan.policy``, a policy of ``side``, was checked for the action.

        ``scan.entries`` holds each statement's parts that need no request context (the
        statement, its principal match, whether the action matched, its resource result);
        ``checked``, by position, the condition's verdict of each statement that could
        otherwise apply (principal, action and resource matched), which is whether it
        applies. The other statements cannot apply; their condition results (and resource
        results, for a resource with policy variables) are the recorder's to compute from
        the request's context if it wants them.
        """

    def end_action(self, result: ActionResult) -> None:
        """The action was decided."""


class _Scan:
    """The statements of one policy that apply to one action."""

    __slots__ = (
        "allows",
        "denies",
        "diagnostics",
        "policy",
        "side",
        "static",
    )

    def __init__(  # noqa: PLR0917 - an internal record, built in one place
        self,
        policy: CompiledPolicy,
        side: str,
        allows: list[tuple[CompiledStatement, MatchKind]],
        denies: list[CompiledStatement],
        diagnostics: list[Diagnostic],
        static: StaticScan,
    ) -> None:
        self.static = static
        self.policy = policy
        self.side = side
        self.allows = allows
        self.denies = denies
        self.diagnostics = diagnostics


_NO = MatchKind.NO
#: A resource element with policy variables: matched against each request's context.
PER_REQUEST = object()
#: One statement's context-free results for one caller, role and action: the statement, its
#: principal match, whether its action matched, its resource result (``None`` without a
#: resource element, ``PER_REQUEST`` when variables make it depend on the context).
_Static = tuple[CompiledStatement, MatchKind, bool, "bool | object | None"]


class StaticScan:
    """What of scanning one policy for one caller, role and action needs no request context.

    ``candidates``: (statement, principal match, resource result, position) of the statements
    whose principal and action matched and whose resource is not ruled out (the only ones
    whose conditions can decide); a long policy's :class:`~trustsim.compiler.PrincipalIndex`
    finds them without meeting the others. Made on first use, for the reason and explain
    paths: ``entries``, every statement's :data:`_Static`; ``skipped``, the statements
    ``{"AWS": "*"}`` would have matched but for the caller's kind (docs/semantics.md, reading
    4); ``near_misses``, those naming the caller but for case or path, with the reading (6 or 7).
    """

    __slots__ = (
        "_whole",
        "action",
        "candidates",
        "lower",
        "needs",
        "policy",
        "records",
        "role_arn",
        "role_partition",
        "tables",
        "who",
    )

    def __init__(self, policy: CompiledPolicy, plan: Plan, action: str, lower: str) -> None:
        who, role_partition, role_arn = plan.who, plan.role_partition, plan.role_arn
        self.policy, self.who, self.action, self.lower = policy, who, action, lower
        self.role_partition, self.role_arn = role_partition, role_arn
        candidates = _candidates(policy, who, role_partition, role_arn, action, lower)
        self.candidates = tuple(candidates)
        self._whole: tuple[tuple[_Static, ...], tuple[CompiledStatement, ...], Any] | None = None
        #: The requirements of each matching Allow, by the statement's id (see _table).
        self.needs: dict[int, Needs] = {}
        #: The explain path's request-independent record fields (evaluation.explaining), once made.
        self.records: Any = None
        #: The decision table's answers (this scan's policy being a trust policy), by the
        #: statements that applied in each policy of the plan (see decide_action).
        self.tables: dict[Hashable, Any] = {}

    def _every_statement(
        self,
    ) -> tuple[tuple[_Static, ...], tuple[CompiledStatement, ...], Any]:
        whole = self._whole
        if whole is not None:
            return whole
        who, action, lower = self.who, self.action, self.lower
        entries: list[_Static] = []
        skipped: list[CompiledStatement] = []
        near: list[tuple[CompiledStatement, str]] = []
        for statement in self.policy.statements:
            kind = statement.principal_kind(who, self.role_partition)
            action_ok = statement.action.matches(action, lower)
            entries.append((statement, kind, action_ok, _resource_result(statement, self.role_arn)))
            principal = statement.principal
            if kind is _NO and action_ok and principal is not None:
                if principal.star_skipped(who):
                    skipped.append(statement)
                reading = principal.near_miss(who)
                if reading is not None:
                    near.append((statement, reading))
        whole = self._whole = (tuple(entries), tuple(skipped), tuple(near))
        return whole

    @property
    def entries(self) -> tuple[_Static, ...]:
        """Every statement's context-free results, in document order."""
        return self._every_statement()[0]

    @property
    def skipped(self) -> tuple[CompiledStatement, ...]:
        """The statements ``{"AWS": "*"}`` would have matched but for the caller's kind."""
        return self._every_statement()[1]

    @property
    def near_misses(self) -> tuple[tuple[CompiledStatement, str], ...]:
        """The statements naming the caller but for case or path, with the reading."""
        found: tuple[tuple[CompiledStatement, str], ...] = self._every_statement()[2]
        return found


def _resource_result(statement: CompiledStatement, role_arn: str) -> bool | object | None:
    """A statement's resource result with no request context (see :data:`_Static`)."""
    resource = statement.resource
    if resource is None:
        return None
    return PER_REQUEST if resource.templates else resource.matches(role_arn, EMPTY)


_Candidate = tuple[CompiledStatement, MatchKind, object, int]


def _candidates(  # noqa: PLR0917 - positional: the facts of one static scan
    policy: CompiledPolicy,
    who: CallerIdentity,
    role_partition: str,
    role_arn: str,
    action: str,
    lower: str,
) -> list[_Candidate]:
    """The candidates of a static scan, in document order.

    A long policy's :class:`~trustsim.compiler.PrincipalIndex` skips only statements that
    match nothing; its statements of ``{"AWS": "*"}`` alone match every IAM caller of a kind
    alike, so what they contribute is remembered by what it depends on.
    """

    def classify(found: Iterable[tuple[int, CompiledStatement]]) -> list[_Candidate]:
        # (position, statement) of those whose principal and action match and resource may
        candidates: list[_Candidate] = []
        for position, statement in found:
            kind = statement.principal_kind(who, role_partition)
            if kind is _NO or not statement.action.matches(action, lower):
                continue
            resource_ok = _resource_result(statement, role_arn)
            if resource_ok is not False:
                candidates.append((statement, kind, resource_ok, position))
        return candidates

    index = policy.index
    if index is None:
        return classify(enumerate(policy.statements))
    positions = kept_for(
        _POSITIONS,
        policy,
        lambda: {id(statement): i for i, statement in enumerate(policy.statements)},
        _MEMO_SIZE,
    )

    def located(statements: Iterable[CompiledStatement]) -> list[tuple[int, CompiledStatement]]:
        return [(positions[id(statement)], statement) for statement in statements]

    found = classify(located(index.candidates(who)))
    if index.aws_star_only and who.is_iam_principal:
        # ({"AWS": "*"} never matches a service or federated caller: docs/semantics.md,
        # reading 4.) For an IAM caller they depend on its kind, the action and the role's
        # ARN and partition.
        key = ("static scan", who.kind, action, role_arn, role_partition)
        star: list[_Candidate] | None = index.star_memo.get(key)
        if star is None:
            star = remember(
                index.star_memo, key, classify(located(index.aws_star_only)), _MEMO_SIZE
            )
        found = sorted([*found, *star], key=operator.itemgetter(3))
    return found


#: Each indexed policy's statement positions, by the statement's id (the entry holds the
#: policy, whose statements the ids are).
_POSITIONS: dict[int, tuple[CompiledPolicy, dict[int, int]]] = memo(
    "evaluation: statement positions", _MEMO_SIZE
)


def static_scan(policy: CompiledPolicy, plan: Plan, action: str, lower: str) -> StaticScan:
    """The context-free part of scanning ``policy`` for ``plan``'s caller and role and ``action``."""
    # A static scan depends on the caller (its identity, as ``plan.sig``), the action and the
    # role's ARN (principal partition, resource match); the policy is the memo's owner.
    key = (plan.sig, action, plan.role_arn)
    found: StaticScan | None = policy.scans.get(key)
    if found is None:
        found = remember(policy.scans, key, StaticScan(policy, plan, action, lower), _MEMO_SIZE)
    return found


def _scan(  # noqa: PLR0917 - positional: called once per policy on the reason path
    policy: CompiledPolicy,
    side: str,
    plan: Plan,
    action: str,
    action_lower: str,
    recorder: Recorder | None,
) -> _Scan:
    """Check the statements of ``policy`` that can apply to the request for ``action``.

    Only the statements whose principal and action match (memoised per caller, role and
    action: :class:`StaticScan`) have their resource and condition checked; a recorder is
    told every statement's results.
    """
    memo = policy.scans  # static_scan, inlined: this runs once per policy and action
    static: StaticScan | None = memo.get((plan.sig, action, plan.role_arn))
    if static is None:
        static = static_scan(policy, plan, action, action_lower)
    allows: list[tuple[CompiledStatement, MatchKind]] = []
    denies: list[CompiledStatement] = []
    diagnostics: list[Diagnostic] = []
    #: For a recorder: the verdict of each statement whose principal and action matched.
    checked: dict[int, bool] | None = None if recorder is None else {}
    context = plan.context
    folded = context.folded
    for statement, kind, resource_ok, index in static.candidates:
        if resource_ok is PER_REQUEST and not statement.resource.matches(  # type: ignore[union-attr]
            plan.role_arn, context
        ):
            continue
        condition = statement.condition
        check = condition.check
        if check is None:  # no condition block
            applies = True
        else:
            # A clause that could not be read, or that rests on a §9 reading, is noted
            # whether the statement then applies (the outcome rests on the reading) or not
            # (fail closed).
            found = condition.diagnostics(context)
            if found:
                diagnostics += located(statement, found)
            applies = check(folded, context)
        if checked is not None:
            checked[index] = applies
        if not applies:
            continue
        if statement.is_deny:
            denies.append(statement)
        else:
            allows.append((statement, kind))
    if recorder is not None:
        recorder.policy(side, static, checked)  # type: ignore[arg-type]
    return _Scan(policy, side, allows, denies, diagnostics, static)


def _refs(scans: Sequence[_Scan]) -> list[StatementRef]:
    return [statement.ref for scan in scans for statement, _ in scan.allows]


class _Scans:
    """Every policy of the plan scanned for one action (``every``: all of them, in order)."""

    __slots__ = ("boundary", "every", "identity", "rcps", "scps", "session", "trust")

    def __init__(
        self, plan: Plan, trust: _Scan, action: str, lower: str, recorder: Recorder | None
    ) -> None:
        self.trust = trust
        self.identity: list[_Scan] = []
        self.boundary: _Scan | None = None
        self.session: _Scan | None = None
        self.scps: list[list[_Scan]] = []
        self.rcps: list[list[_Scan]] = []
        self.every = [trust]
        if not plan.trust_alone:
            self._caller_side(plan, action, lower, recorder)

    def _caller_side(self, plan: Plan, action: str, lower: str, recorder: Recorder | None) -> None:
        def scan(policy: CompiledPolicy, side: str) -> _Scan:
            return _scan(policy, side, plan, action, lower, recorder)

        every = self.every
        self.identity = [scan(p, "identity") for p in plan.identity]
        every += self.identity
        self.boundary = None if plan.boundary is None else scan(plan.boundary, "boundary")
        if self.boundary is not None:
            every.append(self.boundary)
        self.session = None if plan.session is None else scan(plan.session, "session")
        if self.session is not None:
            every.append(self.session)
        for level in plan.scps:
            self.scps.append([scan(p, "scp") for p in level])
            every += self.scps[-1]
        for level in plan.rcps:
            self.rcps.append([scan(p, "rcp") for p in level])
            every += self.rcps[-1]


def decide_action(
    plan: Plan, action: str, recorder: Recorder | None, *, notes: bool = True
) -> ActionResult:
    """Decide one action of ``plan``'s request by the full scan, telling ``recorder`` each step.

    ``notes``: gather the diagnostics the answer rests on (off when only the decision is
    wanted: the statements that cannot apply are then never met).
    """
    who = plan.who
    if recorder is not None:
        recorder.begin_action(action)
    if plan.refused:
        # STS refuses these callers before any policy is read [DOC STS-API; EXP ROOT-ASSUME; §3.9]
        why = (
            "the root user of an account cannot assume a role (STS: Roles may not be assumed by root accounts)"
            if who.kind is CallerKind.ROOT
            else f"an anonymous caller cannot call {action}: STS requires signed requests"
        )
        result = ActionResult(action, Decision.IMPLICIT_DENY, "caller", why, (), ())
        if recorder is not None:
            recorder.end_action(result)
        return result

    lower = action.casefold()
    trust = _scan(plan.trust, "trust", plan, action, lower, recorder)
    # The table's answer depends only on which statements applied in which policy and on the
    # trust scan's key (caller, role, action): it is memoised with the trust policy's scan.
    tables = trust.static.tables
    if plan.trust_alone:  # no caller-side policy, SCP or RCP
        diagnostics = trust.diagnostics
        key: Hashable = (tuple(trust.denies), tuple([statement for statement, _ in trust.allows]))
        table = tables.get(key)
        if table is None:
            table = _answer(
                tables, key, plan, action, _Scans(plan, trust, action, lower, None), notes
            )
    else:
        scans = _Scans(plan, trust, action, lower, recorder)
        diagnostics = [d for scan in scans.every for d in scan.diagnostics]
        key = _applied(scans)
        table = tables.get(key)
        if table is None:
            table = _answer(tables, key, plan, action, scans, notes)
    if not notes:
        return ActionResult(action, table[0], table[1], table[2], table[3], ())
    decision, side, reason, determined, grant, refused, readings_ = table
    errors = unique([*refused, *diagnostics, *readings_]) if diagnostics or readings_ else refused
    # Notes that depend on more than the decision table's key (the caller's organisation, the
    # token's claims) are made per call, never memoised with the table.
    if plan.scps_from_role:
        errors = unique([*errors, org_from_role(plan.described)])
    if plan.subject is not None and plan.subject[1].startswith(GITHUB_PREFIX):
        errors = unique([*errors, *_claims_not_given(plan, action, lower)])
    if grant is None:
        result = ActionResult(action, decision, side, reason, determined, errors)
    else:
        statement, kind, needs = grant
        result = ActionResult(
            action, decision, side, reason, determined, errors, statement.ref, kind, needs
        )
    if recorder is not None:
        recorder.end_action(result)
    return result


def _applied(scans: _Scans) -> Hashable:
    """Which statements applied in which policy of every side: the decision table's input.

    The SCP and RCP level sizes are part of it, since a gap is named by its level (the
    compiled policies' labels already name their level; the key does not rest on labels). The
    marker keeps it apart from the trust-alone keys kept in the same memo.
    """
    return (
        _EVERY_SIDE,
        tuple([
            (scan.side, scan.policy, tuple(scan.denies), tuple([s for s, _ in scan.allows]))
            for scan in scans.every
        ]),
        tuple([len(level) for level in scans.scps]),
        tuple([len(level) for level in scans.rcps]),
    )  # fmt: skip


_EVERY_SIDE = object()


def _answer(  # noqa: PLR0917 - positional: called in two places of decide_action
    tables: dict[Hashable, _Table],
    key: Hashable,
    plan: Plan,
    action: str,
    scans: _Scans,
    notes: bool,
) -> _Table:
    """The decision table's answer; remembered only whole (with its notes)."""
    table = _table(plan, action, scans, notes=notes)
    return remember(tables, key, table, _TABLES_SIZE) if notes else table


#: How many answers of the decision table one static scan keeps (one per set of
#: statements that applied).
_TABLES_SIZE = 64

#: The decision table's answer for one action: decision, side, reason, the statements that
#: decided, the trust grant, the ``INVALID_POLICY`` notes of refused statements, and the §9
#: notes the answer rests on.
_Table = tuple[
    Decision,
    str,
    str,
    tuple[StatementRef, ...],
    "tuple[CompiledStatement, MatchKind, Needs] | None",
    tuple[Diagnostic, ...],
    tuple[Diagnostic, ...],
]


def _table(plan: Plan, action: str, scans: _Scans, *, notes: bool = True) -> _Table:
    """Decide one action from the statements that applied in each policy (docs/semantics.md §4).

    ``notes``: gather the notes of the readings the answer rests on (else none).
    """
    every = scans.every
    trust = scans.trust
    denies = [(scan.side, statement.ref) for scan in every for statement in scan.denies]
    refused = tuple([refused_note(scan.policy) for scan in every if scan.policy.refused])
    # RCP levels need no Allow: RCPFullAWSAccess is on every level and cannot be detached, so
    # only their Deny statements (gathered above) restrict [Organizations guide, RCP evaluation].
    scp_gap = first_gap([[bool(scan.allows) for scan in level] for level in scans.scps])
    boundary, session = scans.boundary, scans.session
    # (an absent boundary or session policy allows)
    identity_allows = any(s.allows for s in scans.identity)
    boundary_allows = boundary is None or bool(boundary.allows)
    session_allows = session is None or bool(session.allows)
    if trust.allows:
        known = trust.static.needs  # a pure function of the scan's key (caller, role, action)

        def needs_of(statement: CompiledStatement, kind: MatchKind) -> Needs:
            found = known.get(id(statement))
            if found is None:
                found = known[id(statement)] = needs_for(
                    plan.who, plan.same_account, statement, kind
                )
            return found

        grant = choose_grant(
            trust.allows,
            needs_of,
            identity=identity_allows,
            boundary=boundary_allows,
            session=session_allows,
        )
        assert grant is not None  # noqa: S101 - some Allow is the least demanding
        needs = grant[2]
        identity_missing = needs.identity and not identity_allows
        boundary_missing = needs.boundary and not boundary_allows
        session_missing = needs.session and not session_allows
    else:
        grant = None
        identity_missing = boundary_missing = session_missing = False

    decision, side, reason = combine(
        action,
        plan.role_arn,
        plan.described,
        plan.scp_names,
        denies=denies,
        scp_gap=scp_gap,
        grant=grant,
        identity_missing=identity_missing,
        boundary_missing=boundary_missing,
        session_missing=session_missing,
    )
    determined = _determined(decision, scans, denies, grant)
    if not notes:
        return decision, side, reason, determined, grant, refused, ()
    found = readings(
        plan.who,
        plan.described,
        decision,
        side,
        same_account=plan.same_account,
        grant=grant,
        boundary_allows=boundary_allows,
        session_allows=session_allows,
        has_boundary=boundary is not None,
        has_session=session is not None,
        skipped=[s for scan in every for s in scan.static.skipped],
        near_misses=[n for scan in every for n in scan.static.near_misses],
    )
    deciding = (
        [s for scan in every for s in scan.denies] if decision is Decision.EXPLICIT_DENY else []
    )
    if grant is not None and decision is not Decision.EXPLICIT_DENY:
        deciding.append(grant[0])
    found += effect_case_readings(deciding)
    if plan.subject is not None and plan.rcps:
        # A federated caller's unsigned call under RCPs that test aws:PrincipalIsAWSService.
        rcp_candidates = [
            c[0] for scan in every if scan.side == "rcp" for c in scan.static.candidates
        ]
        found += federated_service_key(plan.described, rcp_candidates)
    return decision, side, reason, determined, grant, refused, tuple(found)


def _determined(
    decision: Decision,
    scans: _Scans,
    denies: Sequence[tuple[str, StatementRef]],
    grant: Grant | None,
) -> tuple[StatementRef, ...]:
    """The statements that decided: every applicable Deny, or every required Allow."""
    if decision is Decision.EXPLICIT_DENY:
        return tuple([ref for _, ref in denies])
    if decision is not Decision.ALLOW or grant is None:
        return ()
    needs = grant[2]
    determined = [grant[0].ref]
    if needs.identity:
        determined += _refs(scans.identity)
    if needs.boundary and scans.boundary is not None:
        determined += _refs([scans.boundary])
    if needs.session and scans.session is not None:
        determined += _refs([scans.session])
    if scans.scps:
        determined += _refs([s for level in scans.scps for s in level])
    return tuple(determined)


def replay_actions(
    request: AssumeRoleRequest, actions: tuple[str, ...], recorder: Recorder | None
) -> Summary:
    """Decide ``actions`` of ``request`` by the full scan (deny wins across them, §4.11)."""
    plan = plan_of(request)
    decision, refs, errors, side, reason = summary(
        [decide_action(plan, action, recorder) for action in actions]
    )
    return decision, refs, chain_readings(request, actions, errors), side, reason


def decision_of(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Decision:
    """The decision alone on ``actions`` of ``request`` by the full scan (no notes gathered).

    What the evaluator asks when the fast path has no remembered answer.
    """
    plan = plan_of(request, keep=False)
    return summary([decide_action(plan, action, None, notes=False) for action in actions])[0]


def replay(
    request: AssumeRoleRequest, actions: tuple[str, ...], recorder: Recorder | None
) -> Outcome:
    """Decide ``actions`` for ``request``, reporting every step to ``recorder``."""
    decision, refs, errors, side, reason = replay_actions(request, actions, recorder)
    return Outcome(decision, refs, errors, request, side=side, reason=reason, actions=actions)


def _claims_not_given(plan: Plan, action: str, lower: str) -> list[Diagnostic]:
    """The GitHub claims notes for the statements of the trust policy and RCPs that can apply."""
    statements = [
        statement
        for policy in (plan.trust, *(p for level in plan.rcps for p in level))
        for statement, _, _, _ in static_scan(policy, plan, action, lower).candidates
    ]
    return claims_not_given(plan.context.folded, statements)
