"""IAM's tables for the AssumeRole decision, as pure functions (docs/semantics.md §4).

Each rule the decision rests on stands here once, with its source: what each side needs for a
trust grant (:func:`needs_for`: same account or cross account, the kind of principal matched),
which grant a request uses (:func:`choose_grant`), the combination table that turns the
statements that applied into a decision (:func:`combine`), how the actions of one call combine
(:func:`summary`, §4.11), and the notes for the readings an answer rests on (:func:`readings`).

Nothing here remembers and nothing here compiles: the functions take the facts that
:mod:`trustsim.evaluation.plan` compiled and :mod:`trustsim.evaluation.scan` gathered, and
answer. The speed code (:mod:`trustsim.evaluation.fast`) answers as these do, or declines.

>>> from trustsim.compiler import CallerIdentity
>>> alice = CallerIdentity(CallerKind.USER, "aws", "111122223333",
...                        "arn:aws:iam::111122223333:user/alice")
>>> needs_for(alice, False, None, MatchKind.DIRECT_USER).basis
"cross-account: the caller's account must allow too"
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import attrs

from trustsim.callers import OrgMembership, RoleSession
from trustsim.compiler import CallerKind, CompiledPolicy, CompiledStatement, MatchKind
from trustsim.decision import Decision, StatementRef
from trustsim.errors import Diagnostic

if TYPE_CHECKING:
    from trustsim.assume_request import AssumeRoleRequest
    from trustsim.compiler import CallerIdentity

__all__ = [
    "INVALID_POLICY",
    "UNCERTAIN",
    "ActionResult",
    "Grant",
    "Needs",
    "Summary",
    "call_actions",
    "chain_readings",
    "choose_grant",
    "claims_not_given",
    "combine",
    "federated_service_key",
    "first_gap",
    "located",
    "needs_for",
    "org_applies",
    "org_from_role",
    "readings",
    "refused_note",
    "summary",
    "uncertain",
    "unique",
]

UNCERTAIN = "UNCERTAIN_SEMANTICS"
#: Diagnostic code: a hand-built policy with statements AWS would refuse (parsing refuses them).
INVALID_POLICY = "INVALID_POLICY"
_PRINCIPAL_ARN_KEY = "aws:principalarn"
_SERVICE_KEY = "aws:principalisawsservice"
_T = TypeVar("_T")


def org_applies(org: OrgMembership | None) -> bool:
    """SCPs/RCPs never restrict the management account (DOC EVAL-CTX; SCP; RCP)."""
    return org is not None and not org.management_account


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


def needs_for(
    who: CallerIdentity, same_account: bool, statement: CompiledStatement, kind: MatchKind
) -> Needs:
    """The requirements of one matching trust statement, by kind of match and account.

    Same account: the table of docs/semantics.md §4.3 (DOC EVAL "Resource-based policies",
    DOC STS-API, DOC PRINCIPAL). Cross-account: every side, whatever the principal named
    (§4.4, DOC XACCT). Services and federated callers have no identity side (§3.7, §3.8, §4.9).
    """
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


#: A trust grant: the Allow statement, how its principal matched, and what it needs.
Grant = tuple[CompiledStatement, MatchKind, Needs]


def choose_grant(
    allows: Sequence[tuple[CompiledStatement, MatchKind]],
    needs_of: Callable[[CompiledStatement, MatchKind], Needs],
    *,
    identity: bool,
    boundary: bool,
    session: bool,
) -> Grant | None:
    """The trust grant: a matching Allow whose own requirements are met.

    When none is met, the least demanding one, so that the outcome can say what is missing.
    """
    grant: Grant | None = None
    best = 4
    for statement, kind in allows:
        needs = needs_of(statement, kind)
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


def uncertain(question: str, message: str, ref: StatementRef | None = None) -> Diagnostic:
    """An ``UNCERTAIN_SEMANTICS`` note: the answer rests on ``question``'s reading."""
    return Diagnostic(
        UNCERTAIN,
        f"{question}: {message}",
        pointer=ref.pointer if ref else "",
        policy=ref.policy if ref else "",
    )


def first_gap(levels: Sequence[Sequence[bool]]) -> int | None:
    """The first level of an SCP/RCP chain with no applicable Allow (each level must allow)."""
    for index, level in enumerate(levels):
        if not any(level):
            return index
    return None


def refused_note(policy: CompiledPolicy) -> Diagnostic:
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


def located(statement: CompiledStatement, found: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The condition's diagnostics, each naming the policy (fail closed *and say so*)."""
    # (A clause's diagnostic carries the clause's pointer and no policy: the policy is added.)
    return [attrs.evolve(d, policy=statement.ref.policy) for d in found]


# --------------------------------------------------------------------------- the table


def combine(
    action: str,
    role: str,
    described: str,
    scp_names: Sequence[str],
    *,
    denies: Sequence[tuple[str, StatementRef]],
    scp_gap: int | None,
    grant: Grant | None,
    identity_missing: bool,
    boundary_missing: bool,
    session_missing: bool,
) -> tuple[Decision, str, str]:
    """The decision table for one action (docs/semantics.md §4.1, §4.3, §4.4, §4.13).

    ``role`` is the role's ARN, ``described`` the caller in words, ``scp_names`` the names of
    the caller's SCP levels. Each arm: the facts, the answer, and the rule with its source.
    """
    if denies:
        # An applicable Deny in any policy wins over every Allow [DOC EVAL step 1; XACCT].
        side, ref = denies[0]
        more = f" (and {len(denies) - 1} more)" if len(denies) > 1 else ""
        return Decision.EXPLICIT_DENY, side, f"{action} is explicitly denied by {ref}{more}"
    if scp_gap is not None:
        # Every SCP level of the caller's account must allow [DOC EVAL step 3; SCP]. (RCP
        # levels always allow: only their Deny statements, above, restrict.)
        level = scp_names[scp_gap]
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
            f"no statement of the trust policy allows {action} for {described}",
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
        f"{action} is allowed: {statement.ref} trusts {described} "
        f"(matched as {kind.value}; {needs.basis})",
    )


def readings(
    who: CallerIdentity,
    described: str,
    decision: Decision,
    side: str,
    *,
    same_account: bool,
    grant: Grant | None,
    boundary_allows: bool,
    session_allows: bool,
    has_boundary: bool,
    has_session: bool,
    skipped: Sequence[CompiledStatement],
    near_misses: Sequence[tuple[CompiledStatement, str]],
) -> list[Diagnostic]:
    """``UNCERTAIN_SEMANTICS`` notes for the readings (docs/semantics.md) this outcome rests on.

    ``skipped``: the statements ``{"AWS": "*"}`` would have matched but for the caller's kind
    (reading 4); ``near_misses``: those naming the caller but for case or path, with the
    reading (6 or 7).
    """
    notes: list[Diagnostic] = []
    if grant is not None and decision is not Decision.EXPLICIT_DENY:
        statement, kind, needs = grant
        limited = (has_boundary and not boundary_allows) or (has_session and not session_allows)
        if limited and needs.readings:
            notes += [
                uncertain("docs/semantics.md §4.3, reading 4b", r, statement.ref)
                for r in needs.readings
            ]
        if (
            same_account
            and has_boundary
            and not boundary_allows
            and not needs.boundary
            and (kind is MatchKind.DIRECT_USER or needs.readings)
            and who.kind is CallerKind.USER
        ):
            notes.append(
                uncertain(
                    "docs/semantics.md, reading 1 (disputed)",
                    "the trust policy names the user, whose permissions boundary does not allow "
                    "the action; following the evaluation-logic pages the boundary does not block "
                    "(UPDATE-TRUST suggests it would)",
                    statement.ref,
                )
            )
    for statement in skipped:
        if statement.is_deny == (decision is Decision.ALLOW):
            notes.append(
                uncertain(
                    "docs/semantics.md, reading 4",
                    f'{{"AWS": "*"}} is read as not matching {described} '
                    "(services and federated callers match only through Service / Federated)",
                    statement.ref,
                )
            )
    for statement, reading in near_misses:
        if statement.is_deny == (decision is Decision.ALLOW):
            what = "service name" if reading == "7" else "ARN"
            notes.append(
                uncertain(
                    f"docs/semantics.md, reading {reading}",
                    f"the statement names {described} but for the letter case"
                    f"{' or IAM path' if reading == '6' else ''} of the {what}; trustsim "
                    "compares principals exactly, so it does not apply",
                    statement.ref,
                )
            )
    if side == "rcp" and decision is not Decision.ALLOW and not who.is_iam_principal:
        notes.append(
            uncertain(
                "docs/semantics.md, reading 12",
                f"RCPs of the role's account are applied to {described}",
            )
        )
    return notes


def effect_case_readings(deciding: Sequence[CompiledStatement]) -> list[Diagnostic]:
    """Reading 13: a deciding trust statement whose ``Effect`` was written in another case."""
    notes: list[Diagnostic] = []
    for compiled in deciding:
        written = compiled.statement.effect_written
        if written is not None:
            notes.append(
                uncertain(
                    "docs/semantics.md, reading 13",
                    f'"Effect": "{written}" is read as "{compiled.statement.effect.value}" in a '
                    "trust policy (AWS documents Effect as case-sensitive)",
                    compiled.ref,
                )
            )
    return notes


def org_from_role(described: str) -> Diagnostic:
    """The note for an IAM caller given no organisation, put under the role's SCPs."""
    return Diagnostic(
        "ORG_FROM_ROLE",
        f"{described} was given no organisation; it is in the role's account, so the SCPs "
        "of the role's organisation were applied to it (an account belongs to one "
        "organisation: give callers org=Organization.member(account))",
    )


#: GitHub claims every real Actions token carries (enterprise_id: every token of a repository
#: owned by an enterprise), which a GitHubActions caller holds only when given.
GITHUB_PREFIX = "token.actions.githubusercontent.com:"
_GITHUB_ALWAYS = {
    f"{GITHUB_PREFIX}repository_owner_id": "owner_id=",
    f"{GITHUB_PREFIX}repository_id": "repository_id=",
    f"{GITHUB_PREFIX}enterprise_id": "enterprise_id= (for a repository owned by an enterprise)",
}


def claims_not_given(
    given: Collection[str], statements: Sequence[CompiledStatement]
) -> list[Diagnostic]:
    """A note for each statement that can apply and tests a GitHub ID claim the run lacks.

    Real tokens always carry the repository and owner IDs; a :func:`GitHubActions` caller
    carries them only when given, so a ``…IfExists`` / negated condition on them decides
    differently than it would in AWS. ``given``: the request's folded context keys;
    ``statements``: those of the trust policy and RCPs that can apply.
    """
    missing = [key for key in _GITHUB_ALWAYS if key not in given]
    if not missing:
        return []
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


def federated_service_key(
    described: str, statements: Sequence[CompiledStatement]
) -> list[Diagnostic]:
    """Reading 12 (docs/semantics.md) for a federated caller and an RCP that reads aws:PrincipalIsAWSService.

    An AssumeRoleWithWebIdentity / AssumeRoleWithSAML call is unsigned: trustsim derives no
    ``aws:PrincipalIsAWSService`` for it, and the documentation does not say whether AWS does.
    Wherever an RCP statement that can apply to the call (``statements``) tests the key, the
    outcome may rest on that reading.
    """
    return [
        uncertain(
            "docs/semantics.md, reading 12",
            f"{described} makes an unsigned call: aws:PrincipalIsAWSService "
            "is read as absent from its request (the documentation does not say), "
            "and this RCP statement tests it",
            statement.ref,
        )
        for statement in statements
        if statement.is_deny and _SERVICE_KEY in statement.condition.keys
    ]


# --------------------------------------------------------------------------- the whole call


#: What a replay answers: decision, statements, diagnostics, side, reason.
Summary = tuple[Decision, tuple[StatementRef, ...], tuple[Diagnostic, ...], str, str]


def unique(items: Sequence[_T]) -> tuple[_T, ...]:
    """``items`` without repeats, in order (hashing is skipped when there is nothing to drop)."""
    return tuple(items) if len(items) < 2 else tuple(dict.fromkeys(items))


def call_actions(request: AssumeRoleRequest) -> tuple[str, ...]:
    """The actions a whole call exercises: its action, then its companions (§4.11)."""
    action, companions = request.action, request.companion_actions
    if not companions:  # the commonest call: no genexpr on the hot path
        return (action,)
    return (action, *(a for a in companions if a != action))


def summary(results: Sequence[ActionResult]) -> Summary:
    """Combine the decisions on each action of one call (docs/semantics.md §4.11)."""
    if len(results) == 1:
        # One action: its result is the call's (its diagnostics are already unique).
        only = results[0]
        refs = only.determined_by
        if only.decision is Decision.ALLOW and len(refs) > 1:
            refs = unique(refs)
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


def chain_readings(
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
        return (*errors, CARRIED_SOURCE_IDENTITY)
    return errors


CARRIED_SOURCE_IDENTITY = uncertain(
    "docs/semantics.md, reading 11",
    "the calling session carries a source identity into the chain, which trustsim reads as "
    "setting it again: the trust policy must allow sts:SetSourceIdentity",
)
