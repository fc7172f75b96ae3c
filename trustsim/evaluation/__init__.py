"""The AssumeRole decision: trust × identity × boundary × session × SCPs × RCPs (docs/semantics.md §4).

:func:`evaluate` decides a whole call: the assume action and every companion action the
request exercises (``sts:TagSession``, ``sts:SetSourceIdentity``, ``sts:SetContext``), each
decided separately; all must be allowed and any explicit deny denies (§4.11).
:func:`evaluate_action` decides ``request.action`` alone; :func:`decide` returns the decision
alone, without an :class:`~trustsim.decision.Outcome`.

For one action, the policies are scanned once each (principal, action, resource and
condition of every statement), then the facts are combined in a single table
(:func:`_combine`), written after cedar's ``decision()``: one ``match`` whose arms carry the
rule and its source. The same scan runs with a recorder to build explanations
(:mod:`trustsim.explain`); without one it records nothing.

Two speeds from one plan. :func:`decide`, :func:`evaluate` and :func:`evaluate_action` take
the fast path: per caller object and role object the derived facts are computed once
(principal identity, compiled caller-side policies, the role's compiled trust policy and
RCPs); per (caller, action, role) each policy's statements that can apply — principal, action
and static resource already matched, requirements of the §4.3 table already looked up — are
memoised, so a request only runs the generated condition checks of those statements, and the
same matchers, checks and table serve both paths. The answer of :func:`evaluate` is an
:class:`~trustsim.decision.Outcome` whose decision is known and whose statements, reason,
side and diagnostics are filled by the full scan above on first access.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import attrs

from trustsim._memo import SWITCH, clear_caches, memo
from trustsim._org_rules import level_names
from trustsim.arn import Arn
from trustsim.callers import (
    IamUser,
    OrgMembership,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.compiler import (
    CallerIdentity,
    CallerKind,
    CompiledPolicy,
    CompiledStatement,
    MatchKind,
    compile_policy,
)
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import Diagnostic

if TYPE_CHECKING:
    from trustsim.callers import Caller, Role
    from trustsim.model import Policy
    from trustsim.requests import AssumeRoleRequest

__all__ = ["Recorder", "decide", "evaluate", "evaluate_action", "replay"]

UNCERTAIN = "UNCERTAIN_SEMANTICS"
_PRINCIPAL_ARN_KEY = "aws:principalarn"
_SERVICE_LINKED_ROLE_PATH = "/aws-service-role/"
_SERVICE_KEY = "aws:principalisawsservice"
_T = TypeVar("_T")


class Recorder(Protocol):
    """Receives every step of an evaluation (used by :mod:`trustsim.explain`)."""

    def begin_action(self, action: str) -> None:
        """A new action is about to be decided."""

    def policy(
        self,
        policy: CompiledPolicy,
        side: str,
        scan: StaticScan,
        context: RequestContext,
        checked: Mapping[int, bool],
    ) -> None:
        """Every statement of ``policy`` was checked for the action.

        ``scan.entries`` holds each statement's parts that need no request context (the
        statement, its principal match, whether the action matched, its resource result);
        ``checked``, by position, the condition's verdict of each statement that could
        otherwise apply (principal, action and resource matched), which is whether it
        applies. The other statements cannot apply; their condition results (and resource
        results, for a resource with policy variables) are the recorder's to compute from
        ``context`` if it wants them.
        """

    def end_action(self, result: ActionResult) -> None:
        """The action was decided."""


# --------------------------------------------------------------------------- the plan


class _Plan:
    """Everything about one request that evaluation needs, read off the cached facts."""

    __slots__ = (
        "boundary",
        "context",
        "described",
        "identity",
        "rcps",
        "refused",
        "role_account",
        "role_arn",
        "role_org",
        "role_partition",
        "same_account",
        "scp_names",
        "scps",
        "scps_from_role",
        "session",
        "sig",
        "subject",
        "trust",
        "trust_alone",
        "who",
    )

    def __init__(self, caller: _CallerFacts, role: _RoleFacts, context: RequestContext) -> None:
        who = caller.who
        self.who = who
        self.sig = caller.sig
        self.described = caller.described
        self.refused = caller.refused
        self.subject = caller.subject
        self.context = context
        self.role_arn = role.arn
        self.role_partition = role.partition
        self.role_account = role.account
        self.trust = role.trust
        self.identity = caller.identity
        self.boundary = caller.boundary
        self.session = caller.session
        self.same_account = who.partition == role.partition and who.account == role.account
        self.scps, self.scp_names = _scps(caller, role, same_account=self.same_account)
        #: The caller was given no organisation: its account's SCPs come from the role's.
        self.scps_from_role = bool(self.scps) and self.scps is role.scps
        #: The role's organisation, for the notes on RCPs.
        self.role_org = role.role.org
        self.rcps = () if caller.service_linked else role.rcps
        #: No caller-side policy, SCP or RCP: the trust policy decides alone.
        self.trust_alone = not (
            self.identity or self.boundary or self.session or self.scps or self.rcps
        )


def _org_levels(
    kind: str, levels: Sequence[Sequence[Policy]], names: Sequence[str]
) -> tuple[tuple[CompiledPolicy, ...], ...]:
    return tuple(
        tuple(
            compile_policy(policy, label=f"{kind} {names[i]} level, policy {j}")
            for j, policy in enumerate(level)
        )
        for i, level in enumerate(levels)
    )


_Levels = tuple[tuple[CompiledPolicy, ...], ...]


def _scps(
    caller: _CallerFacts, role: _RoleFacts, *, same_account: bool
) -> tuple[_Levels, tuple[str, ...]]:
    """The SCP levels that restrict ``caller`` calling on ``role``, and their names.

    An account belongs to one organisation: an IAM caller given no ``org`` in the role's own
    account is under the SCPs of the role's organisation (fail closed; the outcome says so).
    """
    if caller.scps or not (same_account and caller.orgless_iam):
        return caller.scps, caller.scp_names
    return role.scps, role.scp_names


class _CallerFacts:
    """What evaluation needs of one caller, derived once per caller object.

    Callers are frozen, so everything here is a pure function of the caller: its identity
    for principal matching, ``sig`` (that identity as one string, whose hash Python caches:
    the key of the statement memo), and its compiled caller-side policies.
    """

    __slots__ = (
        "boundary",
        "caller",
        "described",
        "identity",
        "memo",
        "orgless_iam",
        "policies",
        "refused",
        "scp_names",
        "scps",
        "service_linked",
        "session",
        "sig",
        "subject",
        "trust_only",
        "who",
    )

    def __init__(self, caller: Caller) -> None:
        who = CallerIdentity.of(caller)
        self.caller = caller
        self.who = who
        self.sig = "\x1f".join(
            [
                who.kind.name,
                *(
                    part or ""
                    for part in (
                        *(who.partition, who.account, who.arn, who.role_arn),
                        *(who.unique_id, who.name),
                    )
                ),
            ]
        )
        self.refused = who.kind is CallerKind.ROOT or who.kind is CallerKind.ANONYMOUS
        #: The caller in words (CallerIdentity.describe), for reasons and explanations.
        self.described = who.describe()
        #: A federated caller's subject: (label, folded context key), for explanations.
        self.subject: tuple[str, str] | None = None
        if isinstance(caller, WebIdentity):
            self.subject = ("sub", f"{caller.issuer}:sub".lower())
        elif isinstance(caller, SamlIdentity):
            self.subject = ("saml:sub", "saml:sub")
        self.service_linked = who.is_service_linked_role_session
        self.identity: tuple[CompiledPolicy, ...] = ()
        self.boundary: CompiledPolicy | None = None
        self.session: CompiledPolicy | None = None
        self.scps: tuple[tuple[CompiledPolicy, ...], ...] = ()
        self.scp_names: tuple[str, ...] = ()
        #: An IAM caller (not of a service-linked role) given no organisation.
        self.orgless_iam = False
        if isinstance(caller, (IamUser, RoleSession)):
            self.identity = tuple(
                compile_policy(p, label=f"identity policy {i}")
                for i, p in enumerate(caller.policies)
            )
            if caller.permissions_boundary is not None:
                self.boundary = compile_policy(
                    caller.permissions_boundary, label="permissions boundary"
                )
            if isinstance(caller, RoleSession) and caller.session_policy is not None:
                self.session = compile_policy(caller.session_policy, label="session policy")
            self.orgless_iam = caller.org is None and not self.service_linked
            org = caller.org
            if org is not None and _org_applies(org) and not self.service_linked:
                self.scp_names = level_names(org.paths, len(org.scps))
                self.scps = _org_levels("SCP", org.scps, self.scp_names)
        #: Every caller-side policy, for the deny scan.
        self.policies: tuple[CompiledPolicy, ...] = (
            *self.identity,
            *(p for p in (self.boundary, self.session) if p is not None),
            *(p for level in self.scps for p in level),
        )
        #: The caller-side policies flattened per (role facts, action): see _CallerSide.
        self.memo: dict[tuple[int, str], tuple[_RoleFacts, _CallerSide]] = {}
        #: No caller-side policy at all: the trust policy (and RCPs) alone decide.
        self.trust_only = not self.policies and not self.scps and not self.refused


class _RoleFacts:
    """What evaluation needs of one role, derived once per role object.

    ``rcps`` are the RCP levels over the role (none for a service-linked role: its trust
    policy is not subject to RCPs); ``scps`` those of its organisation, which restrict only
    callers of its own account given no organisation of their own (see :func:`_scps`).
    """

    __slots__ = (
        "account",
        "arn",
        "memo",
        "partition",
        "rcp_names",
        "rcps",
        "role",
        "scp_names",
        "scps",
        "trust",
    )

    def __init__(self, role: Role) -> None:
        arn = Arn.try_parse(role.arn)
        self.role = role
        self.arn = role.arn
        self.partition = arn.partition if arn else ""
        self.account = arn.account if arn else ""
        self.trust = compile_policy(role.trust_policy, label="trust policy")
        #: The trust policy's statement selection by (caller sig, action): see _candidates.
        self.memo: dict[tuple[str, str], Any] = {}
        self.rcps: _Levels = ()
        self.scps: _Levels = ()
        self.rcp_names: tuple[str, ...] = ()
        self.scp_names: tuple[str, ...] = ()
        org = role.org
        if org is not None and _org_applies(org):
            self.scp_names = level_names(org.paths, len(org.scps))
            self.scps = _org_levels("SCP", org.scps, self.scp_names)
            # A service-linked role's trust policy is not subject to RCPs (Organizations
            # guide, RCPs: what they do not restrict); docs/organizations.md.
            if not role.path.startswith(_SERVICE_LINKED_ROLE_PATH):
                self.rcp_names = level_names(org.paths, len(org.rcps))
                self.rcps = _org_levels("RCP", org.rcps, self.rcp_names)


# Facts by object identity. Each entry holds its object, so an id is never reused while its
# entry lives; the caches are bounded and start afresh when full.
_CACHE_SIZE = 4096
_CALLERS: dict[int, tuple[Caller, _CallerFacts]] = memo("evaluation: caller facts", _CACHE_SIZE)
_ROLES: dict[int, _RoleFacts] = memo("evaluation: role facts", _CACHE_SIZE)


# Services and federated callers carry no policies: their facts depend on their name alone,
# so callers built afresh for each request (an end-to-end test) share them.
_BY_NAME: dict[tuple[type, str], _CallerFacts] = memo("evaluation: facts by name", _CACHE_SIZE)


def _caller_facts(caller: Caller) -> _CallerFacts:
    hit = _CALLERS.get(id(caller))
    if hit is not None and hit[0] is caller:
        return hit[1]
    first = _canonical(caller)
    if first is not caller:  # an equal caller was decided before: its facts are these
        return _caller_facts(first)
    facts = _shared_facts(caller)
    if len(_CALLERS) >= _CACHE_SIZE:
        _CALLERS.clear()
    _CALLERS[id(caller)] = (caller, facts)  # the entry holds the caller: its id stays its own
    return facts


#: The first caller seen of each value. Callers are frozen and compared by value, so one
#: built afresh for each request (a test's fixture, an end-to-end loop) is decided with the
#: facts and plans of the equal caller decided before; the ids of those are the cache keys.
_CANONICAL: dict[Caller, Caller] = memo("evaluation: canonical callers", _CACHE_SIZE)


def _canonical(caller: Caller) -> Caller:
    """The first caller seen equal to ``caller`` (``caller`` itself when it is the first)."""
    try:
        first = _CANONICAL.get(caller)
    except TypeError:  # a caller holding something unhashable: decided on its own
        return caller
    if first is not None:
        return first
    if len(_CANONICAL) >= _CACHE_SIZE:
        _CANONICAL.clear()
    _CANONICAL[caller] = caller
    return caller


def _shared_facts(caller: Caller) -> _CallerFacts:
    """The facts of ``caller``, shared with equal callers built before."""
    kind = type(caller)
    if kind is ServicePrincipal:
        name = caller.name  # type: ignore[union-attr]
    elif kind is WebIdentity or kind is SamlIdentity:
        name = caller.provider  # type: ignore[union-attr]
    else:
        name = None
    if name is not None:
        facts = _BY_NAME.get((kind, name))
        if facts is None:
            if len(_BY_NAME) >= _CACHE_SIZE:
                _BY_NAME.clear()
            facts = _BY_NAME[kind, name] = _CallerFacts(caller)
        return facts
    if kind is IamUser or kind is RoleSession:
        # An IAM caller's facts depend on its ARN fields and on its policy and organisation
        # objects; equal callers built afresh over the same objects share them. The entry
        # holds those objects, so their ids are not reused while it lives.
        texts, objects = _iam_parts(caller)  # type: ignore[arg-type]
        key = (texts, *map(id, objects))
        found = _BY_PARTS.get(key)
        if found is not None and all(map(operator.is_, found[0], objects)):
            return found[1]
        facts = _CallerFacts(caller)
        if len(_BY_PARTS) >= _CACHE_SIZE:
            _BY_PARTS.clear()
        _BY_PARTS[key] = (objects, facts)
        return facts
    return _CallerFacts(caller)


_BY_PARTS: dict[tuple[object, ...], tuple[tuple[object, ...], _CallerFacts]] = memo(
    "evaluation: facts by parts", _CACHE_SIZE
)


def _iam_parts(caller: IamUser | RoleSession) -> tuple[tuple[str, ...], tuple[object, ...]]:
    """What an IAM caller's facts are derived from: texts, and objects compared by identity.

    Of the organisation, only whether SCPs apply and the SCP objects count: organisations
    built afresh with the same SCP objects (or none) share the caller's facts; the ID and
    paths only reach the request context, never the facts.
    """
    org = caller.org
    levels: tuple[object, ...] = ()
    # (whether it has an organisation at all decides whether a role's SCPs may apply: _scps)
    shape = "no org" if org is None else "no SCPs"
    if _org_applies(org):
        scps = org.scps  # type: ignore[union-attr]
        shape = "SCPs " + ",".join(str(len(level)) for level in scps)
        levels = tuple(policy for level in scps for policy in level)
    if type(caller) is IamUser:
        user = ("user", caller.arn, caller.unique_id or "", str(len(caller.policies)), shape)
        return user, (*caller.policies, caller.permissions_boundary, *levels)
    session: RoleSession = caller  # type: ignore[assignment]
    texts = (
        "session",
        session.role_arn,
        session.session_name,
        session.role_unique_id or "",
        str(len(session.policies)),
        shape,
    )
    objects = (*session.policies, session.permissions_boundary, session.session_policy, *levels)
    return texts, objects


def _role_facts(role: Role) -> _RoleFacts:
    facts = _ROLES.get(id(role))
    if facts is not None and facts.role is role:
        return facts
    facts = _RoleFacts(role)
    if len(_ROLES) >= _CACHE_SIZE:
        _ROLES.clear()
    _ROLES[id(role)] = facts
    return facts


def _plan(request: AssumeRoleRequest) -> _Plan:
    hit = _PLANS.get(id(request))
    if hit is not None and hit[0] is request:
        return hit[1]
    plan = _Plan(_caller_facts(request.caller), _role_facts(request.role), request.context)
    if len(_PLANS) >= _CACHE_SIZE:
        _PLANS.clear()
    _PLANS[id(request)] = (request, plan)  # the entry holds the request: its id stays its own
    return plan


#: The plan of each request replayed lately (the reason and explain paths), by its identity.
_PLANS: dict[int, tuple[AssumeRoleRequest, _Plan]] = memo("evaluation: plans", _CACHE_SIZE)


def _org_applies(org: OrgMembership | None) -> bool:
    """SCPs/RCPs never restrict the management account (DOC EVAL-CTX; SCP; RCP)."""
    return org is not None and not org.management_account


# --------------------------------------------------------------------------- scanning


class _Scan:
    """The statements of one policy that apply to one action."""

    __slots__ = (
        "allows",
        "denies",
        "diagnostics",
        "near_misses",
        "policy",
        "side",
        "star_skipped",
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
        self.star_skipped = static.skipped
        self.near_misses = static.near_misses


_NO = MatchKind.NO
#: A resource element with policy variables: matched against each request's context.
_PER_REQUEST = object()
#: One statement's context-free results for one caller, role and action: the statement, its
#: principal match, whether its action matched, its resource result (``None`` without a
#: resource element, ``_PER_REQUEST`` when variables make it depend on the context).
_Static = tuple[CompiledStatement, MatchKind, bool, "bool | object | None"]


class StaticScan:
    """What of scanning one policy for one caller, role and action needs no request context.

    ``entries``: every statement's :data:`_Static`; ``candidates``: (statement, principal
    match, resource result, position) of those whose principal and action matched and whose
    resource is not ruled out (the only ones whose conditions can decide); ``skipped``: the
    statements ``{"AWS": "*"}`` would have matched but for the caller's kind (docs/semantics.md,
    reading 4).
    """

    __slots__ = ("candidates", "entries", "near_misses", "needs", "records", "skipped", "tables")

    def __init__(self, policy: CompiledPolicy, plan: _Plan, action: str, lower: str) -> None:
        who, role_partition, role_arn = plan.who, plan.role_partition, plan.role_arn
        entries: list[_Static] = []
        skipped: list[CompiledStatement] = []
        near: list[tuple[CompiledStatement, str]] = []
        for statement in policy.statements:
            kind = statement.principal_kind(who, role_partition)
            action_ok = statement.action.matches(action, lower)
            resource = statement.resource
            resource_ok: bool | object | None = None
            if resource is not None:
                resource_ok = (
                    _PER_REQUEST if resource.templates else resource.matches(role_arn, _EMPTY)
                )
            entries.append((statement, kind, action_ok, resource_ok))
            principal = statement.principal
            if kind is _NO and action_ok and principal is not None:
                if principal.star_skipped(who):
                    skipped.append(statement)
                reading = principal.near_miss(who)
                if reading is not None:
                    near.append((statement, reading))
        self.entries = tuple(entries)
        self.candidates: tuple[tuple[CompiledStatement, MatchKind, object, int], ...] = tuple(
            (statement, kind, resource_ok, index)
            for index, (statement, kind, action_ok, resource_ok) in enumerate(entries)
            if kind is not _NO and action_ok and resource_ok is not False
        )
        self.skipped = tuple(skipped)
        #: Statements naming the caller but for case or path, with the reading (6 or 7).
        self.near_misses = tuple(near)
        #: The requirements of each matching Allow, by the statement's id (see _choose_grant).
        self.needs: dict[int, Needs] = {}
        #: The explain path's request-independent record fields (trustsim.explain), once made.
        self.records: Any = None
        #: The decision table's answers (this scan's policy being a trust policy), by the
        #: statements that applied in each policy of the plan (see _decide).
        self.tables: dict[Hashable, Any] = {}


def _static_scan(policy: CompiledPolicy, plan: _Plan, action: str, lower: str) -> StaticScan:
    key = (plan.sig, action, plan.role_arn)
    return _kept(policy.scans, key, lambda: StaticScan(policy, plan, action, lower))  # type: ignore[no-any-return]


def _kept(memo: dict[Any, Any], key: object, make: Callable[[], object]) -> Any:
    """``memo[key]``, made by ``make`` and kept when missing (a full memo starts afresh)."""
    found = memo.get(key)
    if found is None:
        found = make()
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = found
    return found


def _scan(  # noqa: PLR0917 - positional: called once per policy on the reason path
    policy: CompiledPolicy,
    side: str,
    plan: _Plan,
    action: str,
    action_lower: str,
    recorder: Recorder | None,
) -> _Scan:
    """Check the statements of ``policy`` that can apply to the request for ``action``.

    Only the statements whose principal and action match (memoised per caller, role and
    action: :class:`StaticScan`) have their resource and condition checked; a recorder is
    told every statement's results.
    """
    memo = policy.scans  # _static_scan, inlined: this runs once per policy and action
    static: StaticScan | None = memo.get((plan.sig, action, plan.role_arn))
    if static is None:
        static = _static_scan(policy, plan, action, action_lower)
    allows: list[tuple[CompiledStatement, MatchKind]] = []
    denies: list[CompiledStatement] = []
    diagnostics: list[Diagnostic] = []
    #: For a recorder: the verdict of each statement whose principal and action matched.
    checked: dict[int, bool] | None = None if recorder is None else {}
    context = plan.context
    folded = context.folded
    for statement, kind, resource_ok, index in static.candidates:
        if resource_ok is _PER_REQUEST and not statement.resource.matches(  # type: ignore[union-attr]
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
                diagnostics += _located(statement, found)
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
        recorder.policy(policy, side, static, context, checked)  # type: ignore[arg-type]
    return _Scan(policy, side, allows, denies, diagnostics, static)


def _refused(policy: CompiledPolicy) -> Diagnostic:
    """Say that Allow statements AWS would refuse were left out of a hand-built policy."""
    first = policy.refused[0]
    more = len(policy.refused) - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return Diagnostic(
        INVALID_POLICY,
        f"AWS would refuse this policy: {first.code}: {first.message}{also}; "
        "such Allow statements were not applied",
        pointer=first.pointer,
        policy=policy.label,
    )


#: Diagnostic code: a hand-built policy with statements AWS would refuse (parsing refuses them).
INVALID_POLICY = "INVALID_POLICY"


def _located(statement: CompiledStatement, found: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The condition's diagnostics, each naming the policy (fail closed *and say so*)."""
    # (A clause's diagnostic carries the clause's pointer and no policy: the policy is added.)
    return [attrs.evolve(d, policy=statement.ref.policy) for d in found]


# --------------------------------------------------------------------------- requirements


@attrs.frozen
class Needs:
    """Which caller-side policies must allow, for one trust grant (docs/semantics.md §4.3/§4.4)."""

    identity: bool
    boundary: bool
    session: bool
    basis: str
    #: §9 questions this requirement rests on, with the reading applied.
    readings: tuple[str, ...] = ()


_NOTHING = Needs(False, False, False, "the trust policy alone decides")


def _needs(plan: _Plan, statement: CompiledStatement, kind: MatchKind) -> Needs:
    """The requirements of one matching trust statement, by kind of match and account.

    Same account: the table of docs/semantics.md §4.3 (DOC EVAL "Resource-based policies",
    DOC STS-API, DOC PRINCIPAL). Cross-account: every side, whatever the principal named
    (§4.4, DOC XACCT). Services and federated callers have no identity side (§3.7, §3.8, §4.9).
    """
    return _needs_for(plan.who, plan.same_account, statement, kind)


def _needs_for(
    who: CallerIdentity, same_account: bool, statement: CompiledStatement, kind: MatchKind
) -> Needs:
    """:func:`_needs` from its inputs alone (the fast path memoises it per caller and role)."""
    if not who.is_iam_principal:
        return _NOTHING
    if not same_account:
        return Needs(True, True, True, "cross-account: the caller's account must allow too")
    if kind is MatchKind.DIRECT_STAR:
        if _PRINCIPAL_ARN_KEY in statement.condition.keys:
            return Needs(False, False, False, '{"AWS": "*"} restricted by aws:PrincipalArn')
        # §4.3 "{"AWS":"*"} without aws:PrincipalArn": read as the row of the actual caller.
        reading = (
            'a same-account grant through {"AWS": "*"} without an '
            "aws:PrincipalArn condition is read like a grant to the caller's own ARN"
        )
        kind = MatchKind.DIRECT_USER if who.kind is CallerKind.USER else MatchKind.DIRECT_ROLE
        base = _same_account_needs(kind)
        return attrs.evolve(
            base, basis=f'{{"AWS": "*"}} read as a {kind.value} grant', readings=(reading,)
        )
    return _same_account_needs(kind)


def _same_account_needs(kind: MatchKind) -> Needs:
    match kind:
        case MatchKind.ACCOUNT:
            # account principal: a delegation; the identity side must allow [DOC STS-API, EVAL]
            return Needs(True, True, True, "same account, account principal: a delegation")
        case MatchKind.DIRECT_USER:
            # user ARN: no identity policy needed; boundary does not block [DOC EVAL "IAM user"]
            # — disputed by UPDATE-TRUST; docs/semantics.md, reading 1
            return Needs(False, False, False, "same account, the user's ARN")
        case MatchKind.DIRECT_ROLE:
            # role ARN: no identity policy, but boundary and session policy limit [DOC EVAL "IAM role"]
            return Needs(False, True, True, "same account, the caller's role ARN")
        case _:
            # session ARN (and federated-user ARN): nothing else needed [DOC EVAL "IAM role session"]
            return Needs(False, False, False, f"same account, the {kind.value}")


# --------------------------------------------------------------------------- one action


class ActionResult(NamedTuple):
    """The decision on one action, with what it rests on (a named tuple: cheap to build).

    The first five fields are those of ``explain.ActionRecord``, in its order.
    """

    action: str
    decision: Decision
    side: str
    reason: str
    determined_by: tuple[StatementRef, ...]
    errors: tuple[Diagnostic, ...]
    grant: StatementRef | None = None
    kind: MatchKind = MatchKind.NO
    needs: Needs | None = None


def _uncertain(question: str, message: str, ref: StatementRef | None = None) -> Diagnostic:
    return Diagnostic(
        UNCERTAIN,
        f"{question}: {message}",
        pointer=ref.pointer if ref else "",
        policy=ref.policy if ref else "",
    )


def _first_gap(levels: Sequence[Sequence[_Scan]]) -> int | None:
    """The first level of an SCP/RCP chain with no applicable Allow (each level must allow)."""
    for index, level in enumerate(levels):
        if not any(scan.allows for scan in level):
            return index
    return None


def _refs(scans: Sequence[_Scan]) -> list[StatementRef]:
    return [statement.ref for scan in scans for statement, _ in scan.allows]


class _Scans:
    """Every policy of the plan scanned for one action (``every``: all of them, in order)."""

    __slots__ = ("boundary", "every", "identity", "rcps", "scps", "session", "trust")

    def __init__(
        self, plan: _Plan, trust: _Scan, action: str, lower: str, recorder: Recorder | None
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

    def _caller_side(self, plan: _Plan, action: str, lower: str, recorder: Recorder | None) -> None:
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


def _choose_grant(
    plan: _Plan, trust: _Scan, *, identity: bool, boundary: bool, session: bool
) -> tuple[CompiledStatement, MatchKind, Needs] | None:
    """The trust grant: a matching Allow whose own requirements are met.

    When none is met, the least demanding one, so that the outcome can say what is missing.
    """
    grant: tuple[CompiledStatement, MatchKind, Needs] | None = None
    best = 4
    known = trust.static.needs  # a pure function of the scan's key (caller, role, action)
    for statement, kind in trust.allows:
        needs = known.get(id(statement))
        if needs is None:
            needs = known[id(statement)] = _needs(plan, statement, kind)
        if (
            (not needs.identity or identity)
            and (not needs.boundary or boundary)
            and (not needs.session or session)
        ):
            return statement, kind, needs
        weight = needs.identity + needs.boundary + needs.session
        if weight < best:
            grant, best = (statement, kind, needs), weight
    return grant


def _decide(plan: _Plan, action: str, recorder: Recorder | None) -> ActionResult:
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
            scans = _Scans(plan, trust, action, lower, None)
            table = _remembered(tables, key, _table(plan, action, scans))
    else:
        scans = _Scans(plan, trust, action, lower, recorder)
        diagnostics = [d for scan in scans.every for d in scan.diagnostics]
        key = _applied(scans)
        table = tables.get(key)
        if table is None:
            table = _remembered(tables, key, _table(plan, action, scans))
    decision, side, reason, determined, grant, refused, notes = table
    errors = _unique([*refused, *diagnostics, *notes]) if diagnostics or notes else refused
    # Notes that depend on more than the decision table's key (the caller's organisation, the
    # token's claims) are made per call, never memoised with the table.
    if plan.scps_from_role:
        errors = _unique([*errors, _org_from_role(plan)])
    if plan.subject is not None and plan.subject[1].startswith(_GITHUB_PREFIX):
        errors = _unique([*errors, *_claims_not_given(plan, action, lower)])
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


def _remembered(tables: dict[Hashable, _Table], key: Hashable, table: _Table) -> _Table:
    if len(tables) >= _TABLES_SIZE:
        tables.clear()
    tables[key] = table
    return table


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


def _table(plan: _Plan, action: str, scans: _Scans) -> _Table:
    """Decide one action from the statements that applied in each policy (docs/semantics.md §4)."""
    every = scans.every
    trust = scans.trust
    denies = [(scan.side, statement.ref) for scan in every for statement in scan.denies]
    refused = tuple([_refused(scan.policy) for scan in every if scan.policy.refused])
    # RCP levels need no Allow: RCPFullAWSAccess is on every level and cannot be detached, so
    # only their Deny statements (gathered above) restrict [Organizations guide, RCP evaluation].
    scp_gap = _first_gap(scans.scps) if scans.scps else None
    boundary, session = scans.boundary, scans.session
    # (an absent boundary or session policy allows)
    identity_allows = any(s.allows for s in scans.identity)
    boundary_allows = boundary is None or bool(boundary.allows)
    session_allows = session is None or bool(session.allows)
    if trust.allows:
        grant = _choose_grant(
            plan, trust, identity=identity_allows, boundary=boundary_allows, session=session_allows
        )
        assert grant is not None  # noqa: S101 - some Allow is the least demanding
        needs = grant[2]
        identity_missing = needs.identity and not identity_allows
        boundary_missing = needs.boundary and not boundary_allows
        session_missing = needs.session and not session_allows
    else:
        grant = None
        identity_missing = boundary_missing = session_missing = False

    decision, side, reason = _combine(
        plan,
        action,
        denies=denies,
        scp_gap=scp_gap,
        grant=grant,
        identity_missing=identity_missing,
        boundary_missing=boundary_missing,
        session_missing=session_missing,
    )
    notes = _readings(
        plan,
        decision,
        side,
        grant=grant,
        boundary_allows=boundary_allows,
        session_allows=session_allows,
        has_boundary=boundary is not None,
        has_session=session is not None,
        every=every,
    )
    determined = _determined(decision, scans, denies, grant)
    return decision, side, reason, determined, grant, refused, tuple(notes)


def _determined(
    decision: Decision,
    scans: _Scans,
    denies: Sequence[tuple[str, StatementRef]],
    grant: tuple[CompiledStatement, MatchKind, Needs] | None,
) -> tuple[StatementRef, ...]:
    """The statements that decided: every applicable Deny, or every required Allow."""
    if decision is _EXPLICIT:
        return tuple([ref for _, ref in denies])
    if decision is not _ALLOW or grant is None:
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


def _combine(
    plan: _Plan,
    action: str,
    *,
    denies: Sequence[tuple[str, StatementRef]],
    scp_gap: int | None,
    grant: tuple[CompiledStatement, MatchKind, Needs] | None,
    identity_missing: bool,
    boundary_missing: bool,
    session_missing: bool,
) -> tuple[Decision, str, str]:
    """The decision table for one action (docs/semantics.md §4.1, §4.3, §4.4, §4.13).

    Each arm: the facts, the answer, and the rule with its source.
    """
    role = plan.role_arn
    if denies:
        # An applicable Deny in any policy wins over every Allow [DOC EVAL step 1; XACCT].
        side, ref = denies[0]
        more = f" (and {len(denies) - 1} more)" if len(denies) > 1 else ""
        return Decision.EXPLICIT_DENY, side, f"{action} is explicitly denied by {ref}{more}"
    if scp_gap is not None:
        # Every SCP level of the caller's account must allow [DOC EVAL step 3; SCP]. (RCP
        # levels always allow: only their Deny statements, above, restrict.)
        level = plan.scp_names[scp_gap]
        return (
            Decision.IMPLICIT_DENY,
            "scp",
            f"no SCP at the {level} level of the caller's organisation allows {action} on {role}",
        )
    if grant is None:
        # The trust policy must always allow: an identity-policy allow alone never lets a
        # caller assume a role [DOC EVAL "role trust policies"; §4.2].
        return (
            Decision.IMPLICIT_DENY,
            "trust",
            f"no statement of the trust policy allows {action} for {plan.described}",
        )
    statement, kind, needs = grant
    if identity_missing:
        # Account principal or cross-account: the identity side must allow too
        # [DOC STS-API; XACCT; §4.3 account row, §4.4].
        return (
            Decision.IMPLICIT_DENY,
            "identity",
            f"the caller's identity policies do not allow {action} on {role}, and they must "
            f"({needs.basis}; trust granted by {statement.ref})",
        )
    if boundary_missing:
        # A permissions boundary's implicit deny limits account, cross-account and role-ARN
        # grants [DOC EVAL "IAM role"; BOUNDARY; §4.7].
        return (
            Decision.IMPLICIT_DENY,
            "boundary",
            f"the caller's permissions boundary does not allow {action} on {role}, and it "
            f"limits this grant ({needs.basis})",
        )
    if session_missing:
        # A session policy's implicit deny limits the same grants [DOC EVAL; §4.8].
        return (
            Decision.IMPLICIT_DENY,
            "session",
            f"the caller's session policy does not allow {action} on {role}, and it limits "
            f"this grant ({needs.basis})",
        )
    # Nothing denies and every required policy allows [DOC EVAL; §4.13 Allow].
    return (
        Decision.ALLOW,
        "trust",
        f"{action} is allowed: {statement.ref} trusts {plan.described} "
        f"(matched as {kind.value}; {needs.basis})",
    )


def _readings(
    plan: _Plan,
    decision: Decision,
    side: str,
    *,
    grant: tuple[CompiledStatement, MatchKind, Needs] | None,
    boundary_allows: bool,
    session_allows: bool,
    has_boundary: bool,
    has_session: bool,
    every: Sequence[_Scan],
) -> list[Diagnostic]:
    """``UNCERTAIN_SEMANTICS`` notes for the readings (docs/semantics.md) this outcome rests on."""
    notes: list[Diagnostic] = []
    who = plan.who
    if grant is not None and decision is not Decision.EXPLICIT_DENY:
        statement, kind, needs = grant
        limited = (has_boundary and not boundary_allows) or (has_session and not session_allows)
        if limited and needs.readings:
            notes += [
                _uncertain("docs/semantics.md §4.3, reading 4b", r, statement.ref)
                for r in needs.readings
            ]
        if (
            plan.same_account
            and has_boundary
            and not boundary_allows
            and not needs.boundary
            and (kind is MatchKind.DIRECT_USER or needs.readings)
            and who.kind is CallerKind.USER
        ):
            notes.append(
                _uncertain(
                    "docs/semantics.md, reading 1 (disputed)",
                    "the trust policy names the user, whose permissions boundary does not allow "
                    "the action; following the evaluation-logic pages the boundary does not block "
                    "(UPDATE-TRUST suggests it would)",
                    statement.ref,
                )
            )
    skipped = [s for scan in every for s in scan.star_skipped]
    for statement in skipped:
        if statement.is_deny == (decision is Decision.ALLOW):
            notes.append(
                _uncertain(
                    "docs/semantics.md, reading 4",
                    f'{{"AWS": "*"}} is read as not matching {plan.described} '
                    "(services and federated callers match only through Service / Federated)",
                    statement.ref,
                )
            )
    for statement, reading in [n for scan in every for n in scan.near_misses]:
        if statement.is_deny == (decision is Decision.ALLOW):
            what = "service name" if reading == "7" else "ARN"
            notes.append(
                _uncertain(
                    f"docs/semantics.md, reading {reading}",
                    f"the statement names {plan.described} but for the letter case"
                    f"{' or IAM path' if reading == '6' else ''} of the {what}; trustsim "
                    "compares principals exactly, so it does not apply",
                    statement.ref,
                )
            )
    if side == "rcp" and decision is not Decision.ALLOW and not who.is_iam_principal:
        notes.append(
            _uncertain(
                "docs/semantics.md, reading 12",
                f"RCPs of the role's account are applied to {plan.described}",
            )
        )
    if plan.subject is not None and plan.rcps:
        notes += _federated_service_key(plan, every)
    return notes


def _org_from_role(plan: _Plan) -> Diagnostic:
    return Diagnostic(
        "ORG_FROM_ROLE",
        f"{plan.described} was given no organisation; it is in the role's account, so the SCPs "
        "of the role's organisation were applied to it (an account belongs to one "
        "organisation: give callers org=Organization.member(account))",
    )


#: GitHub claims every real Actions token carries (enterprise_id: every token of a repository
#: owned by an enterprise), which a GitHubActions caller holds only when given.
_GITHUB_PREFIX = "token.actions.githubusercontent.com:"
_GITHUB_ALWAYS = {
    f"{_GITHUB_PREFIX}repository_owner_id": "owner_id=",
    f"{_GITHUB_PREFIX}repository_id": "repository_id=",
    f"{_GITHUB_PREFIX}enterprise_id": "enterprise_id= (for a repository owned by an enterprise)",
}


def _claims_not_given(plan: _Plan, action: str, lower: str) -> list[Diagnostic]:
    """A note for each statement that can apply and tests a GitHub ID claim the run lacks.

    Real tokens always carry the repository and owner IDs; a :func:`GitHubActions` caller
    carries them only when given, so a ``…IfExists`` / negated condition on them decides
    differently than it would in AWS. The note depends on the request, so it is not memoised.
    """
    missing = [key for key in _GITHUB_ALWAYS if key not in plan.context.folded]
    if not missing:
        return []
    statements = [
        statement
        for policy in (plan.trust, *(p for level in plan.rcps for p in level))
        for statement, _, _, _ in _static_scan(policy, plan, action, lower).candidates
    ]
    return [
        Diagnostic(
            "CLAIM_NOT_GIVEN",
            f"{key} is absent from this token: real GitHub Actions tokens carry it, a "
            f"GitHubActions caller only when given {_GITHUB_ALWAYS[key]}; this statement "
            "tests it",
            statement.ref.pointer,
            statement.ref.policy,
        )
        for statement in statements
        for key in missing
        if key in statement.condition.keys
    ]


def _federated_service_key(plan: _Plan, every: Sequence[_Scan]) -> list[Diagnostic]:
    """Reading 12 (docs/semantics.md) for a federated caller and an RCP that reads aws:PrincipalIsAWSService.

    An AssumeRoleWithWebIdentity / AssumeRoleWithSAML call is unsigned: trustsim derives no
    ``aws:PrincipalIsAWSService`` for it, and the documentation does not say whether AWS does.
    Wherever an RCP statement that can apply to the call tests the key, the outcome may rest
    on that reading.
    """
    notes: list[Diagnostic] = []
    for scan in every:
        if scan.side != "rcp":
            continue
        for statement, _, _, _ in scan.static.candidates:
            if statement.is_deny and _SERVICE_KEY in statement.condition.keys:
                notes.append(
                    _uncertain(
                        "docs/semantics.md, reading 12",
                        f"{plan.described} makes an unsigned call: aws:PrincipalIsAWSService "
                        "is read as absent from its request (the documentation does not say), "
                        "and this RCP statement tests it",
                        statement.ref,
                    )
                )
    return notes


# --------------------------------------------------------------------------- the fast path
#
# The decision alone, from the same compiled plan: the same principal, action and resource
# matchers and the same compiled conditions, with the same requirements table (_needs_for),
# combined as _combine does (any applicable Deny; else every RCP and SCP level must allow and
# some trust grant's requirements must be met). Statement selection is memoised per policy
# for (caller, action, role), so a request touches only the statements that can apply to it,
# and nothing is recorded: reasons, references and diagnostics are built by the full path
# (`_decide`) when an Outcome is asked for them.

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
        return condition if resource.matches(role_arn, _EMPTY) else _NEVER

    def with_resource(values: Mapping[str, tuple[str, ...]], context: RequestContext) -> bool:
        if not resource.matches(role_arn, context):
            return False
        return condition is None or condition(values, context)

    return with_resource


def _build_candidates(
    policy: CompiledPolicy, caller: _CallerFacts, role: _RoleFacts, action: str
) -> _Candidates:
    who = caller.who
    lower = action.casefold()
    same_account = (who.partition, who.account) == (role.partition, role.account)
    denies: list[_Check] = []
    allows: list[tuple[_Check, tuple[bool, bool, bool] | None]] = []
    for statement in policy.statements:
        kind = statement.principal_kind(who, role.partition)
        if kind is MatchKind.NO or not statement.action.matches(action, lower):
            continue
        check = _statement_check(statement, role.arn)
        if check is _NEVER:
            continue
        if statement.is_deny:
            denies.append(check)  # type: ignore[arg-type]
        else:
            needs = _needs_for(who, same_account, statement, kind)
            wanted = (needs.identity, needs.boundary, needs.session)
            allows.append((check, wanted if any(wanted) else None))  # type: ignore[arg-type]
    return tuple(denies), tuple(allows)


def _candidates(
    policy: CompiledPolicy, caller: _CallerFacts, role: _RoleFacts, action: str
) -> _Candidates:
    key = (caller.sig, action, role.arn)
    return _kept(policy.memo, key, lambda: _build_candidates(policy, caller, role, action))  # type: ignore[no-any-return]


#: A trust memo entry: the Deny checks, the Allow (check, requirements), and the checks of
#: the Allows that need nothing a caller without caller-side policies lacks (no identity
#: requirement: a missing boundary or session policy allows).
_TrustEntry = tuple[tuple[_Check, ...], tuple[tuple[_Check, Any], ...], tuple[_Check, ...]]


def _trust_entry(caller: _CallerFacts, role: _RoleFacts, action: str) -> _TrustEntry:
    key = (caller.sig, action)
    found: _TrustEntry | None = role.memo.get(key)
    if found is None:
        denies, allows = _build_candidates(role.trust, caller, role, action)
        alone = tuple(check for check, needs in allows if needs is None or not needs[0])
        found = (denies, allows, alone)
        if len(role.memo) >= _MEMO_SIZE:
            role.memo.clear()
        role.memo[key] = found
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

    def __init__(self, caller: _CallerFacts, role: _RoleFacts, action: str) -> None:
        rcps = () if caller.service_linked else role.rcps
        same_account = (caller.who.partition, caller.who.account) == (role.partition, role.account)
        scps = _scps(caller, role, same_account=same_account)[0]

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
    caller: _CallerFacts,
    role: _RoleFacts,
    action: str,
    values: Mapping[str, tuple[str, ...]],
    context: RequestContext,
) -> Decision:
    denies, allows, _ = _trust_entry(caller, role, action)
    return _decide_with(denies, allows, _caller_side(caller, role, action), values, context)


def _caller_side(caller: _CallerFacts, role: _RoleFacts, action: str) -> _CallerSide:
    key = (id(role), action)
    found = caller.memo.get(key)
    if found is not None and found[0] is role:
        return found[1]
    # (the role facts are kept in the entry, so their id is not reused meanwhile)
    if len(caller.memo) >= _MEMO_SIZE:
        caller.memo.clear()
    side = _CallerSide(caller, role, action)
    caller.memo[key] = (role, side)
    return side


def _decide_with(
    denies: tuple[_Check, ...],
    allows: tuple[tuple[_Check, Any], ...],
    side: _CallerSide,
    values: Mapping[str, tuple[str, ...]],
    context: RequestContext,
) -> Decision:
    """One action's decision from the trust selection and the caller-side selection."""
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


def _fast_outcome(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Outcome:
    """Decide ``actions`` (deny wins across them, §4.11) recording nothing; a lazy Outcome."""
    outcome = _new(_LazyOutcome)
    _set_core(outcome, (_fast_decision(request, actions), request, actions))
    return outcome


def _fast_decision(request: AssumeRoleRequest, actions: tuple[str, ...]) -> Decision:
    caller = request.caller
    hit = _CALLERS.get(id(caller))
    facts = hit[1] if hit is not None and hit[0] is caller else _caller_facts(caller)
    role = request.role
    role_facts = _ROLES.get(id(role))
    if role_facts is None or role_facts.role is not role:
        role_facts = _role_facts(role)
    context = request.context
    if facts.refused:
        return _IMPLICIT  # STS refuses root and anonymous callers before reading policies
    decision = _ALLOW
    for action in actions:
        answer = _fast_action(facts, role_facts, action, context.folded, context)
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
            full, refs, errors, side, reason = _replay(request, self.actions, None)
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
_EMPTY = RequestContext.of()


# --------------------------------------------------------------------------- the whole call


#: What a replay answers: decision, statements, diagnostics, side, reason.
_Summary = tuple[Decision, tuple[StatementRef, ...], tuple[Diagnostic, ...], str, str]


def _unique(items: Sequence[_T]) -> tuple[_T, ...]:
    """``items`` without repeats, in order (hashing is skipped when there is nothing to drop)."""
    return tuple(items) if len(items) < 2 else tuple(dict.fromkeys(items))


def _summary(results: Sequence[ActionResult]) -> _Summary:
    """Combine the decisions on each action of one call (docs/semantics.md §4.11)."""
    if len(results) == 1:
        # One action: its result is the call's (its diagnostics are already unique).
        only = results[0]
        refs = only.determined_by
        if only.decision is Decision.ALLOW and len(refs) > 1:
            refs = _unique(refs)
        return only.decision, refs, only.errors, only.side, only.reason
    errors = tuple(dict.fromkeys(d for r in results for d in r.errors))
    explicit = [r for r in results if r.decision is Decision.EXPLICIT_DENY]
    implicit = [r for r in results if r.decision is Decision.IMPLICIT_DENY]
    match (bool(explicit), bool(implicit)):
        case (True, _):
            # Any explicit deny in any action denies the call [§4.11; DOC TAGS, SRCID].
            decider = explicit[0]
            refs = decider.determined_by
        case (False, True):
            # Every exercised action must be allowed [§4.11].
            decider = implicit[0]
            refs = decider.determined_by
        case _:
            decider = results[0]
            refs = tuple(dict.fromkeys(ref for r in results for ref in r.determined_by))
    reason = decider.reason
    if decider.decision is Decision.ALLOW:
        reason += f"; so are {', '.join(r.action for r in results[1:])}"
    return decider.decision, refs, errors, decider.side, reason


def _replay(
    request: AssumeRoleRequest, actions: tuple[str, ...], recorder: Recorder | None
) -> _Summary:
    plan = _plan(request)
    decision, refs, errors, side, reason = _summary(
        [_decide(plan, action, recorder) for action in actions]
    )
    return decision, refs, _chain_readings(request, actions, errors), side, reason


def _chain_readings(
    request: AssumeRoleRequest, actions: Sequence[str], errors: tuple[Diagnostic, ...]
) -> tuple[Diagnostic, ...]:
    """``errors`` with the readings that rest on the call, not on one statement (reading 11)."""
    caller = request.caller
    if (
        "sts:SetSourceIdentity" in actions
        and isinstance(caller, RoleSession)
        and caller.source_identity is not None
    ):
        # The call exercises sts:SetSourceIdentity because the session carries a source
        # identity into the chain: a reading, not a documented rule.
        return (*errors, _CARRIED_SOURCE_IDENTITY)
    return errors


_CARRIED_SOURCE_IDENTITY = _uncertain(
    "docs/semantics.md, reading 11",
    "the calling session carries a source identity into the chain, which trustsim reads as "
    "setting it again: the trust policy must allow sts:SetSourceIdentity",
)


def replay(
    request: AssumeRoleRequest, actions: tuple[str, ...], recorder: Recorder | None
) -> Outcome:
    """Decide ``actions`` for ``request``, reporting every step to ``recorder``."""
    decision, refs, errors, side, reason = _replay(request, actions, recorder)
    return Outcome(decision, refs, errors, request, side=side, reason=reason, actions=actions)


def evaluate(request: AssumeRoleRequest) -> Outcome:
    """Decide a whole call: ``request.action`` and every companion action it exercises.

    Each action is decided separately; the call is allowed only if all are, and an explicit
    deny in any of them is an explicit deny (docs/semantics.md §4.11).

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> from trustsim.requests import AssumeRoleRequest
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(
    ...     aws=("arn:aws:iam::111122223333:user/alice",)), action=("sts:AssumeRole",)),),
    ...     version="2012-10-17")
    >>> role = Role("arn:aws:iam::111122223333:role/deploy", trust)
    >>> alice = IamUser("arn:aws:iam::111122223333:user/alice")
    >>> outcome = evaluate(AssumeRoleRequest(alice, role, "sts:AssumeRole", RequestContext.of()))
    >>> outcome.decision
    <Decision.ALLOW: 'Allow'>
    >>> print(outcome.reason)  # doctest: +ELLIPSIS
    sts:AssumeRole is allowed: trust policy statement 0 trusts IAM user ...:user/alice (matched as user ARN; ...)
    >>> bob = IamUser("arn:aws:iam::111122223333:user/bob")
    >>> print(evaluate(AssumeRoleRequest(bob, role, "sts:AssumeRole", RequestContext.of())))
    ImplicitDeny: no statement of the trust policy allows sts:AssumeRole for IAM user arn:aws:iam::111122223333:user/bob
    """
    if SWITCH.fresh:  # the test switch: every call starts cold (trustsim._memo)
        clear_caches()
    # One action: _fast_outcome inlined. A request decided before finds its plan by its own
    # identity, another by its (caller, role, action) triple; in the commonest case (no
    # caller-side policy, no RCP) the plan is the trust policy's memoised Deny and Allow
    # checks, run right here.
    hit = _BY_REQUEST.get(id(request))
    if hit is not None and hit[0] is request:
        plan = hit[1]
    else:
        action, companions = request.action, request.companion_actions
        if companions:
            return _fast_outcome(request, (action, *(a for a in companions if a != action)))
        plan = _request_plan(request)
    context = request.context
    values = context.folded
    side = plan[4]
    if side is None:
        decision = _IMPLICIT
        for check in plan[2]:
            if check is None or check(values, context):
                decision = _EXPLICIT
                break
        else:
            for check in plan[3]:
                if check is None or check(values, context):
                    decision = _ALLOW
                    break
    else:
        decision = _decide_with(plan[2], plan[3], side, values, context)
    outcome = _new(_LazyOutcome)
    _set_core(outcome, (decision, request, None))
    return outcome


#: (caller, role, trust Deny checks, trust Allows, caller side) by (id(caller), id(role),
#: action). When the trust policy alone decides, the caller side is ``None`` and the Allows
#: are the checks of those that need nothing more; otherwise they are (check, requirements).
#: Each entry holds its caller and role, so their ids are not reused while it lives.
_Pair = tuple[Any, Any, tuple[_Check, ...], tuple[Any, ...], "_CallerSide | None"]
_PAIRS: dict[tuple[int, int, str], _Pair] = memo("evaluation: pair plans", _CACHE_SIZE)


#: The plan of each one-action request decided lately, by the request's identity (each entry
#: holds its request, so the id is not reused while the entry lives).
_BY_REQUEST: dict[int, tuple[AssumeRoleRequest, _Pair]] = memo(
    "evaluation: plans by request", _CACHE_SIZE
)


#: Requests whose caller is equal to one decided before, decided once lately, held weakly:
#: seen a second time, such a request is kept like any other (see _request_plan).
_SEEN_ONCE: dict[int, weakref.ref[AssumeRoleRequest]] = memo(
    "evaluation: requests seen once", _CACHE_SIZE
)


def _request_plan(request: AssumeRoleRequest) -> _Pair:
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
    first = _canonical(caller)
    if first is caller:
        return _pair_plan(caller, role, action)
    plan = _PAIRS.get((id(first), id(role), action))
    if plan is None or plan[0] is not first or plan[1] is not role:
        plan = _pair_plan(first, role, action)
    seen = _SEEN_ONCE.get(id(request))
    if seen is not None and seen() is request:
        _keep(request, plan)
    else:
        if len(_SEEN_ONCE) >= _CACHE_SIZE:
            _SEEN_ONCE.clear()
        _SEEN_ONCE[id(request)] = weakref.ref(request)  # a dead ref never matches a new id
    return plan


def _keep(request: AssumeRoleRequest, plan: _Pair) -> None:
    if len(_BY_REQUEST) >= _CACHE_SIZE:
        _BY_REQUEST.clear()
    _BY_REQUEST[id(request)] = (request, plan)


def _pair_plan(caller: Caller, role: Role, action: str) -> _Pair:
    facts = _caller_facts(caller)
    role_facts = _role_facts(role)
    plan: _Pair
    if facts.refused:  # STS refuses root and anonymous callers before reading any policy
        plan = (caller, role, (), (), None)
    else:
        denies, allows, alone = _trust_entry(facts, role_facts, action)
        inherits = role_facts.scps and facts.orgless_iam
        if facts.trust_only and not role_facts.rcps and not inherits:
            plan = (caller, role, denies, alone, None)
        else:
            plan = (caller, role, denies, allows, _caller_side(facts, role_facts, action))
    if len(_PAIRS) >= _CACHE_SIZE:
        _PAIRS.clear()
    _PAIRS[id(caller), id(role), action] = plan
    return plan


def decide(request: AssumeRoleRequest) -> Decision:
    """The decision alone on a whole call: what :func:`evaluate` decides, without an Outcome.

    For loops over many requests that need only the answer (CI over every role, who-can
    searches); :func:`evaluate` when the reason, the statements or an explanation may be
    wanted.

    >>> from trustsim.callers import ServicePrincipal, Role
    >>> from trustsim.context import RequestContext
    >>> from trustsim.model import Effect, Policy, Principal, Statement
    >>> from trustsim.requests import AssumeRoleRequest
    >>> trust = Policy((Statement(Effect.ALLOW, principal=Principal(
    ...     service=("lambda.amazonaws.com",)), action=("sts:AssumeRole",)),))
    >>> role = Role("arn:aws:iam::111122223333:role/fn", trust)
    >>> decide(AssumeRoleRequest(ServicePrincipal("lambda.amazonaws.com"), role,
    ...                          "sts:AssumeRole", RequestContext.of()))
    <Decision.ALLOW: 'Allow'>
    """
    if SWITCH.fresh:  # the test switch: every call starts cold (trustsim._memo)
        clear_caches()
    # The one-action plan, found and run inline exactly as in evaluate (in both: speed).
    hit = _BY_REQUEST.get(id(request))
    if hit is not None and hit[0] is request:
        plan = hit[1]
    else:
        action, companions = request.action, request.companion_actions
        if companions:
            return _fast_decision(request, (action, *(a for a in companions if a != action)))
        plan = _request_plan(request)
    context = request.context
    values = context.folded
    side = plan[4]
    if side is not None:
        return _decide_with(plan[2], plan[3], side, values, context)
    for check in plan[2]:
        if check is None or check(values, context):
            return _EXPLICIT
    for check in plan[3]:
        if check is None or check(values, context):
            return _ALLOW
    return _IMPLICIT


def evaluate_action(request: AssumeRoleRequest) -> Outcome:
    """Decide ``request.action`` alone (companion actions are not added).

    Used to ask "is this one permission allowed in this context?", e.g. ``sts:TagSession``
    with a given ``aws:TagKeys``.

    >>> from trustsim.callers import Role, ServicePrincipal
    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.requests import build_request
    >>> role = Role("arn:aws:iam::111122223333:role/fn", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    ...     "Action": "sts:AssumeRole"}}))
    >>> request = build_request(ServicePrincipal("lambda.amazonaws.com"), role,
    ...                         action="sts:TagSession")
    >>> evaluate_action(request).decision
    <Decision.IMPLICIT_DENY: 'ImplicitDeny'>
    """
    if SWITCH.fresh:  # the test switch: every call starts cold (trustsim._memo)
        clear_caches()
    actions = (request.action,)
    return _fast_outcome(request, actions)
