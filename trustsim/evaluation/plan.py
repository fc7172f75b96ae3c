"""Compiled facts about callers and roles: what a decision looks up, derived once.

A :class:`CallerFacts` holds what evaluation needs of one caller (its identity for principal
matching, its compiled identity policies, boundary, session policy and SCP levels), a
:class:`RoleFacts` what it needs of one role (its compiled trust policy, its RCP and SCP
levels); both are pure functions of frozen values, derived on first sight and kept. A
:class:`Plan` joins the two for one request. Compiling happens here, never while deciding.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

from trustsim._memo import kept_for, memo, remember
from trustsim._org_rules import level_names
from trustsim.arn import Arn
from trustsim.callers import IamUser, RoleSession, SamlIdentity, ServicePrincipal, WebIdentity
from trustsim.compiler import CallerIdentity, CallerKind, CompiledPolicy, compile_policy
from trustsim.context import RequestContext
from trustsim.evaluation.rules import org_applies

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.callers import Caller, Role
    from trustsim.model import Policy

__all__ = [
    "EMPTY",
    "CallerFacts",
    "Levels",
    "Plan",
    "RoleFacts",
    "caller_facts",
    "canonical",
    "plan_of",
    "role_facts",
    "scps_for",
]

_SERVICE_LINKED_ROLE_PATH = "/aws-service-role/"
#: The empty request context (a resource without policy variables is matched against it).
EMPTY = RequestContext.of()


class Plan:
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

    def __init__(self, caller: CallerFacts, role: RoleFacts, context: RequestContext) -> None:
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
        self.scps, self.scp_names = scps_for(caller, role, same_account=self.same_account)
        #: The caller was given no organisation: its account's SCPs come from the role's.
        self.scps_from_role = bool(self.scps) and self.scps is role.scps
        #: The role's organisation, for the notes on RCPs.
        self.role_org = role.role.org
        self.rcps = () if caller.service_linked else role.rcps
        #: No caller-side policy, SCP or RCP: the trust policy decides alone.
        self.trust_alone = not (
            self.identity or self.boundary or self.session or self.scps or self.rcps
        )

    def policies(self) -> tuple[CompiledPolicy, ...]:
        """Every policy the full scan reads, in its order.

        The trust policy, then (unless it decides alone) identity policies, boundary,
        session policy, SCP and RCP levels.
        """
        if self.trust_alone:
            return (self.trust,)
        return (
            self.trust,
            *self.identity,
            *(p for p in (self.boundary, self.session) if p is not None),
            *(p for level in self.scps for p in level),
            *(p for level in self.rcps for p in level),
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


Levels = tuple[tuple[CompiledPolicy, ...], ...]


def scps_for(
    caller: CallerFacts, role: RoleFacts, *, same_account: bool
) -> tuple[Levels, tuple[str, ...]]:
    """The SCP levels that restrict ``caller`` calling on ``role``, and their names.

    An account belongs to one organisation: an IAM caller given no ``org`` in the role's own
    account is under the SCPs of the role's organisation (fail closed; the outcome says so).
    """
    if caller.scps or not (same_account and caller.orgless_iam):
        return caller.scps, caller.scp_names
    return role.scps, role.scp_names


class CallerFacts:
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
        "orgless_iam",
        "policies",
        "refused",
        "scp_names",
        "scps",
        "service_linked",
        "session",
        "sig",
        "subject",
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
            if org is not None and org_applies(org) and not self.service_linked:
                self.scp_names = level_names(org.paths, len(org.scps))
                self.scps = _org_levels("SCP", org.scps, self.scp_names)
        #: Every caller-side policy, for the deny scan.
        self.policies: tuple[CompiledPolicy, ...] = (
            *self.identity,
            *(p for p in (self.boundary, self.session) if p is not None),
            *(p for level in self.scps for p in level),
        )


class RoleFacts:
    """What evaluation needs of one role, derived once per role object.

    ``rcps`` are the RCP levels over the role (none for a service-linked role: its trust
    policy is not subject to RCPs); ``scps`` those of its organisation, which restrict only
    callers of its own account given no organisation of their own (see :func:`scps_for`).
    """

    __slots__ = (
        "account",
        "arn",
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
        self.rcps: Levels = ()
        self.scps: Levels = ()
        self.rcp_names: tuple[str, ...] = ()
        self.scp_names: tuple[str, ...] = ()
        org = role.org
        if org is not None and org_applies(org):
            self.scp_names = level_names(org.paths, len(org.scps))
            self.scps = _org_levels("SCP", org.scps, self.scp_names)
            # A service-linked role's trust policy is not subject to RCPs (Organizations
            # guide, RCPs: what they do not restrict); docs/organizations.md.
            if not role.path.startswith(_SERVICE_LINKED_ROLE_PATH):
                self.rcp_names = level_names(org.paths, len(org.rcps))
                self.rcps = _org_levels("RCP", org.rcps, self.rcp_names)


# Facts by object identity. Each entry holds its object, so an id is never reused while its
# entry lives; the caches are bounded and start afresh when full, and hold as many as the
# fast path keeps plans (trustsim.evaluation.fast): a loop over more roles or callers than
# a memo holds finds none of them again.
_CACHE_SIZE = 8192
_CALLERS: dict[int, tuple[Caller, CallerFacts]] = memo("evaluation: caller facts", _CACHE_SIZE)
_ROLES: dict[int, RoleFacts] = memo("evaluation: role facts", _CACHE_SIZE)


# Services and federated callers carry no policies: their facts depend on their name alone,
# so callers built afresh for each request (an end-to-end test) share them.
_BY_NAME: dict[tuple[type, str], CallerFacts] = memo("evaluation: facts by name", _CACHE_SIZE)


def caller_facts(caller: Caller) -> CallerFacts:
    """The facts of ``caller``, derived once per caller value."""
    hit = _CALLERS.get(id(caller))
    if hit is not None and hit[0] is caller:
        return hit[1]
    first = canonical(caller)
    if first is not caller:  # an equal caller was decided before: its facts are these
        return caller_facts(first)
    facts = _shared_facts(caller)
    remember(_CALLERS, id(caller), (caller, facts), _CACHE_SIZE)
    return facts


#: The first caller seen of each value. Callers are frozen and compared by value, so one
#: built afresh for each request (a test's fixture, an end-to-end loop) is decided with the
#: facts and plans of the equal caller decided before; the ids of those are the cache keys.
_CANONICAL: dict[Caller, Caller] = memo("evaluation: canonical callers", _CACHE_SIZE)


def canonical(caller: Caller) -> Caller:
    """The first caller seen equal to ``caller`` (``caller`` itself when it is the first)."""
    try:
        first = _CANONICAL.get(caller)
    except TypeError:  # a caller holding something unhashable: decided on its own
        return caller
    if first is not None:
        return first
    return remember(_CANONICAL, caller, caller, _CACHE_SIZE)


def _shared_facts(caller: Caller) -> CallerFacts:
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
            facts = remember(_BY_NAME, (kind, name), CallerFacts(caller), _CACHE_SIZE)
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
        facts = CallerFacts(caller)
        remember(_BY_PARTS, key, (objects, facts), _CACHE_SIZE)
        return facts
    return CallerFacts(caller)


_BY_PARTS: dict[tuple[object, ...], tuple[tuple[object, ...], CallerFacts]] = memo(
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
    # (whether it has an organisation at all decides whether a role's SCPs may apply: scps_for)
    shape = "no org" if org is None else "no SCPs"
    if org_applies(org):
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


def role_facts(role: Role) -> RoleFacts:
    """The facts of ``role`` (derived on first sight of this role object)."""
    facts = _ROLES.get(id(role))
    if facts is not None and facts.role is role:
        return facts
    return remember(_ROLES, id(role), RoleFacts(role), _CACHE_SIZE)


def plan_of(request: AssumeRoleRequest, *, keep: bool = True) -> Plan:
    """The plan of ``request`` (the reason and explain paths replay it).

    ``keep``: remember it for the next replay of the same request (a request decided once,
    by the evaluator, is not kept: it would only be held in memory).
    """
    if not keep:
        return Plan(caller_facts(request.caller), role_facts(request.role), request.context)
    # A request is frozen: its plan depends on the request object alone.
    return kept_for(_PLANS, request, lambda: plan_of(request, keep=False), _CACHE_SIZE)


#: The plan of each request replayed lately (the reason and explain paths), by its identity.
_PLANS: dict[int, tuple[AssumeRoleRequest, Plan]] = memo("evaluation: plans", _CACHE_SIZE)
