"""The decision engine through its public API: refused callers, chained sessions, caches.

Every test goes through ``trustsim.requests.assume_role`` / ``build_request`` / ``check_action``
and ``trustsim.evaluation.evaluate`` / ``decide``, asserting decisions, deciding sides,
reasons and explanation texts, so it stays valid whatever the engine's internals become.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    Role,
    RoleSession,
    ServicePrincipal,
)
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import decide, evaluate
from trustsim.model import Effect, Policy, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, assume_role, build_request, check_action

A = "111111111111"
B = "222222222222"
ROLE_ARN = f"arn:aws:iam::{A}:role/Target"
BUILDER_ARN = f"arn:aws:iam::{A}:role/ci/Builder"
ALLOW, DENY, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY


def trust(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def caller_policy(kind: str, *statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind=kind)


def allow_assume(resource: str = "*", action: str | list[str] = "sts:AssumeRole") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


OPEN_TO_EVERY_AWS_PRINCIPAL = Role(
    ROLE_ARN,
    trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    ),
)


class PrettyPrinter:
    """The part of IPython's pretty printer that ``_repr_pretty_`` uses."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def text(self, value: str) -> None:
        self.written.append(value)


# --- callers STS refuses before reading any policy (docs/semantics.md §3.9) -------------------------


def test_an_anonymous_caller_is_refused_even_by_a_trust_policy_open_to_every_aws_principal() -> (
    None
):
    """§3.9: STS requires signed requests, so an anonymous caller never assumes a role,
    whatever ``{"AWS": "*"}`` says; the caller side decides."""
    outcome = assume_role(Anonymous(), OPEN_TO_EVERY_AWS_PRINCIPAL)
    assert outcome.decision is IMPLICIT
    assert outcome.denied
    assert not outcome.allowed
    assert outcome.side == "caller"
    assert outcome.reason == (
        "an anonymous caller cannot call sts:AssumeRole: STS requires signed requests"
    )
    assert outcome.determined_by == ()
    text = outcome.explain().to_text()
    assert text.splitlines()[:4] == [
        f"ImplicitDeny: {outcome.reason}",
        "  caller: an anonymous caller",
        f"  role: {ROLE_ARN}",
        "  decided by: caller",
    ]


def test_the_root_user_is_refused_for_the_whole_call_even_with_session_tags() -> None:
    """§3.9 and §4.11: STS refuses the root user ("Roles may not be assumed by root accounts")
    before any policy is read; a call with tags (which exercises sts:TagSession too) is refused
    all the same, on the fast path and the full path alike."""
    root = AccountRoot(A)
    trusting_the_account = Role(
        ROLE_ARN,
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": A},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ),
    )
    request = build_request(root, trusting_the_account, tags={"team": "blue"})
    assert request.companion_actions == ("sts:TagSession",)
    assert decide(request) is IMPLICIT
    outcome = evaluate(request)
    assert outcome.decision is IMPLICIT
    assert outcome.actions == ("sts:AssumeRole", "sts:TagSession")
    assert outcome.side == "caller"
    assert "root user of an account cannot assume a role" in outcome.reason
    assert check_action(root, trusting_the_account, "sts:TagSession", tags={"t": "v"}).denied


# --- outcomes as values ---------------------------------------------------------------------------


def test_a_pickled_outcome_keeps_its_decision_reason_and_statements_and_still_explains() -> None:
    """An Outcome is a value: pickling keeps every field, and the copy explains itself."""
    lambda_role = Role(
        f"arn:aws:iam::{A}:role/Fn",
        trust(
            {
                "Sid": "Lambda",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    outcome = assume_role(ServicePrincipal("lambda.amazonaws.com"), lambda_role)
    copy = pickle.loads(pickle.dumps(outcome))  # noqa: S301 - our own data
    assert isinstance(copy, Outcome)
    assert copy.decision is ALLOW
    assert copy.allowed
    assert not copy.denied
    assert (copy.reason, copy.side, copy.actions, copy.errors) == (
        outcome.reason,
        outcome.side,
        outcome.actions,
        outcome.errors,
    )
    assert [str(ref) for ref in copy.determined_by] == ['trust policy statement 0 (Sid "Lambda")']
    assert str(copy) == str(outcome)
    assert repr(copy) == repr(outcome)
    assert copy.explain().to_text() == outcome.explain().to_text()


def test_a_pretty_printed_outcome_shows_its_explanation_and_its_repr_inside_a_cycle() -> None:
    """IPython shows the readable explanation of an outcome; a cycle falls back to the repr."""
    role = Role(
        f"arn:aws:iam::{A}:role/Fn",
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    outcome = pickle.loads(  # noqa: S301 - our own data
        pickle.dumps(assume_role(ServicePrincipal("lambda.amazonaws.com"), role))
    )
    printer = PrettyPrinter()
    outcome._repr_pretty_(printer, False)
    outcome._repr_pretty_(printer, True)
    assert printer.written == [outcome.explain().to_text(), repr(outcome)]
    assert printer.written[0].startswith("ImplicitDeny: no statement of the trust policy allows")
    assert printer.written[1].startswith("<Outcome ImplicitDeny (trust): ")


# --- same-account role ARN grants: boundary and session policy limit (§4.3, §4.7, §4.8) ----------

ROLE_ARN_GRANTS = Role(
    ROLE_ARN,
    trust(
        {
            "Sid": "BuilderWithTicket",
            "Effect": "Allow",
            "Principal": {"AWS": BUILDER_ARN},
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"sts:RoleSessionName": "ticket-*"}},
        },
        {
            "Sid": "Builder",
            "Effect": "Allow",
            "Principal": {"AWS": BUILDER_ARN},
            "Action": "sts:AssumeRole",
        },
    ),
)
BOUNDARY = caller_policy("permissions-boundary", allow_assume())
SESSION_ALLOWS = caller_policy("session", allow_assume(ROLE_ARN))
SESSION_ELSEWHERE = caller_policy("session", allow_assume(f"arn:aws:iam::{A}:role/Other"))


def builder_session(session_policy: Policy) -> RoleSession:
    return RoleSession(
        BUILDER_ARN, "run-1", permissions_boundary=BOUNDARY, session_policy=session_policy
    )


def test_a_same_account_role_arn_grant_names_the_boundary_and_session_policy_that_allowed() -> None:
    """§4.3 row "role ARN": no identity policy is needed, but the session's permissions boundary
    (§4.7) and session policy (§4.8) must allow; an allow lists every statement it needed."""
    outcome = assume_role(builder_session(SESSION_ALLOWS), ROLE_ARN_GRANTS, session_name="ticket-9")
    assert outcome.decision is ALLOW
    assert [str(ref) for ref in outcome.determined_by] == [
        'trust policy statement 0 (Sid "BuilderWithTicket")',
        "permissions boundary statement 0",
        "session policy statement 0",
    ]


def test_a_session_policy_that_does_not_allow_blocks_every_role_arn_grant() -> None:
    """§4.8: the session policy limits the session whichever trust statement grants; with two
    trust statements naming the role, neither gets through, on both paths."""
    session = builder_session(SESSION_ELSEWHERE)
    request = build_request(session, ROLE_ARN_GRANTS, session_name="ticket-9")
    assert decide(request) is IMPLICIT
    outcome = evaluate(request)
    assert outcome.decision is IMPLICIT
    assert outcome.side == "session"
    assert outcome.determined_by == ()
    assert "session policy" in outcome.reason


# --- {"AWS": "*"} and service callers (§3.9, reading 4) ----------------------------------------


def test_an_aws_star_statement_skipped_for_a_service_is_not_noted_when_the_service_is_allowed() -> (
    None
):
    """reading 4: {"AWS": "*"} is read as not matching a service; the note says so only
    when that reading mattered, i.e. not when a Service statement allows anyway."""
    role = Role(
        ROLE_ARN,
        trust(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        ),
    )
    allowed = assume_role(ServicePrincipal("ecs-tasks.amazonaws.com"), role)
    assert allowed.decision is ALLOW
    assert not any("docs/semantics.md, reading 4" in error.message for error in allowed.errors)
    refused = assume_role(ServicePrincipal("lambda.amazonaws.com"), role)
    assert refused.decision is IMPLICIT
    assert [error.code for error in refused.errors] == ["UNCERTAIN_SEMANTICS"]
    assert "docs/semantics.md, reading 4" in refused.errors[0].message


# --- identity policies whose Resource holds a policy variable (§5.14) ----------------------------


def test_an_identity_policy_resource_with_a_principal_tag_variable_picks_the_role_per_caller() -> (
    None
):
    """§4.4 cross-account: the caller's identity policy must allow too; its Resource
    ``…:role/${aws:PrincipalTag/team}-*`` is expanded per request [DOC VARS]."""
    identity = caller_policy(
        "identity", allow_assume(f"arn:aws:iam::{A}:role/${{aws:PrincipalTag/team}}-*")
    )
    blue_role = Role(
        f"arn:aws:iam::{A}:role/blue-deploy",
        trust({"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"}),
    )
    red_role = Role(f"arn:aws:iam::{A}:role/red-deploy", blue_role.trust_policy)
    blue = IamUser(f"arn:aws:iam::{B}:user/ann", policies=identity, tags={"team": "blue"})
    untagged = IamUser(f"arn:aws:iam::{B}:user/bo", policies=identity)
    assert assume_role(blue, blue_role).decision is ALLOW
    assert decide(build_request(blue, blue_role)) is ALLOW
    refused = assume_role(blue, red_role)
    assert refused.decision is IMPLICIT
    assert refused.side == "identity"
    assert decide(build_request(blue, red_role)) is IMPLICIT
    # No tag: the variable has no value, so the Resource matches nothing (§5.14).
    assert assume_role(untagged, blue_role).decision is IMPLICIT
    assert decide(build_request(untagged, blue_role)) is IMPLICIT


# --- many callers and roles: each decision stays its own -----------------------------------------

MANY = 4200  # more than the engine keeps of any one kind of entry


def test_thousands_of_cross_account_users_each_get_their_own_decision() -> None:
    """§4.4: a role trusting another account, narrowed by the caller's tag; each of thousands
    of users sharing one identity policy is decided on its own tags, first ones included."""
    identity = caller_policy("identity", allow_assume())
    role = Role(
        ROLE_ARN,
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": B},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            }
        ),
    )
    users = [
        IamUser(
            f"arn:aws:iam::{B}:user/u{index}",
            policies=identity,
            tags={"team": "blue" if index % 2 == 0 else "red"},
        )
        for index in range(MANY)
    ]
    decisions = [decide(build_request(user, role)) for user in users]
    assert decisions == [ALLOW if index % 2 == 0 else IMPLICIT for index in range(MANY)]
    # The first users again, after thousands of others.
    assert [evaluate(build_request(user, role)).decision for user in users[:4]] == [
        ALLOW,
        IMPLICIT,
        ALLOW,
        IMPLICIT,
    ]


def test_one_caller_asking_for_thousands_of_roles_gets_each_role_s_own_answer() -> None:
    """§4.4: the trust policy of each role decides for it; one caller, thousands of roles."""
    identity = caller_policy("identity", allow_assume())
    user = IamUser(f"arn:aws:iam::{B}:user/ops", policies=identity)
    trusts_b = trust({"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"})
    trusts_other = trust(
        {"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "sts:AssumeRole"}
    )
    roles = [
        Role(f"arn:aws:iam::{A}:role/r{index}", trusts_b if index % 3 else trusts_other)
        for index in range(MANY)
    ]
    decisions = [decide(build_request(user, role)) for role in roles]
    assert decisions == [ALLOW if index % 3 else IMPLICIT for index in range(MANY)]
    assert assume_role(user, roles[0]).decision is IMPLICIT
    assert assume_role(user, roles[1]).decision is ALLOW


def test_thousands_of_services_are_each_matched_by_name() -> None:
    """§3.7: a Service principal matches the service it names and no other."""
    role = Role(
        ROLE_ARN,
        trust(
            {
                "Effect": "Allow",
                "Principal": {"Service": "s0.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    services = [ServicePrincipal(f"s{index}.amazonaws.com") for index in range(MANY)]
    decisions = [decide(build_request(service, role)) for service in services]
    assert decisions[0] is ALLOW
    assert set(decisions[1:]) == {IMPLICIT}
    # A service built afresh under a name seen before is still the one trusted.
    assert decide(build_request(ServicePrincipal("s0.amazonaws.com"), role)) is ALLOW


@pytest.mark.parametrize(
    ("tags", "expected"),
    [({"team": "blue"}, ALLOW), ({"team": "red"}, IMPLICIT)],
)
def test_a_chained_session_passes_its_transitive_tags_into_the_next_trust_policy(
    tags: dict[str, str], expected: Decision
) -> None:
    """§4.12: transitive session tags of the calling session are in the next call's context
    (``aws:PrincipalTag``) and the trust policy can require them. The new session inherits
    them as session tags, so the trust policy allows ``sts:TagSession`` too (§9 decision 16;
    before issue 17 this test allowed ``sts:AssumeRole`` alone, which AWS refuses)."""
    role = Role(
        ROLE_ARN,
        trust(
            {
                "Effect": "Allow",
                "Principal": {"AWS": BUILDER_ARN},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            }
        ),
    )
    session = RoleSession(BUILDER_ARN, "run-1", session_tags=tags, transitive_tag_keys=["team"])
    outcome = assume_role(session, role)
    assert outcome.decision is expected
    assert decide(build_request(session, role)) is expected


# --- hand-built policies AWS would refuse: never an accidental allow (§3.10, fail closed) ----------


def test_a_hand_built_not_principal_deny_denies_every_principal_but_those_it_names() -> None:
    """§3.10: a Deny with NotPrincipal applies to every principal except those named. IAM
    refuses NotPrincipal in a trust policy; a hand-built one still denies the others."""
    alice = f"arn:aws:iam::{A}:user/alice"
    bob = f"arn:aws:iam::{A}:user/bob"
    hand_built = Policy(
        (
            Statement(
                Effect.ALLOW, principal=Principal(aws=(alice, bob)), action=("sts:AssumeRole",)
            ),
            Statement(
                Effect.DENY,
                not_principal=Principal(aws=(alice,)),
                action=("sts:AssumeRole",),
                index=1,
                pointer="/Statement/1",
            ),
        ),
        version="2012-10-17",
    )
    role = Role(ROLE_ARN, hand_built)
    denied = assume_role(IamUser(bob), role)
    assert denied.decision is DENY
    assert decide(build_request(IamUser(bob), role)) is DENY
    assert [str(ref) for ref in denied.determined_by] == ["trust policy statement 1"]
    spared = assume_role(IamUser(alice), role)
    assert spared.decision is not DENY
    assert decide(build_request(IamUser(alice), role)) is spared.decision
    explained = denied.explain().to_text("all")
    assert "trust policy statement 1 [Deny] — applies" in explained


def test_a_hand_built_deny_with_not_principal_star_denies_no_one() -> None:
    """§3.10: NotPrincipal names the principals a statement does not apply to; naming every
    principal (``*``) leaves no one for the Deny, and the explanation says why it missed."""
    alice = f"arn:aws:iam::{A}:user/alice"
    hand_built = Policy(
        (
            Statement(Effect.ALLOW, principal=Principal(aws=(alice,)), action=("sts:AssumeRole",)),
            Statement(
                Effect.DENY,
                not_principal=Principal(star=True),
                action=("sts:AssumeRole",),
                index=1,
                pointer="/Statement/1",
            ),
        ),
        version="2012-10-17",
    )
    role = Role(ROLE_ARN, hand_built)
    outcome = assume_role(IamUser(alice), role)
    assert outcome.decision is not DENY
    assert decide(build_request(IamUser(alice), role)) is outcome.decision
    text = outcome.explain().to_text("all")
    assert "trust policy statement 1 [Deny] — does not apply" in text
    assert f"✗ principal: IAM user {alice} is not among: NotPrincipal *" in text


def test_a_hand_built_principal_naming_a_non_iam_arn_trusts_nobody() -> None:
    """§2.5: principal ARNs belong to iam or sts (IAM: "Invalid principal in policy"); a
    hand-built trust policy naming an S3 ARN grants nothing."""
    hand_built = Policy(
        (
            Statement(
                Effect.ALLOW,
                principal=Principal(aws=("arn:aws:s3:::bucket",)),
                action=("sts:AssumeRole",),
            ),
        ),
        version="2012-10-17",
    )
    role = Role(ROLE_ARN, hand_built)
    user = IamUser(f"arn:aws:iam::{A}:user/u")
    assert assume_role(user, role).decision is IMPLICIT
    assert decide(build_request(user, role)) is IMPLICIT


@pytest.mark.parametrize("decider", [evaluate, decide])
def test_a_request_whose_caller_is_not_a_caller_is_refused(decider: Any) -> None:
    """Fail closed: only the caller kinds of trustsim.callers can be decided."""
    stranger: Any = object()
    request = AssumeRoleRequest(
        stranger, OPEN_TO_EVERY_AWS_PRINCIPAL, "sts:AssumeRole", RequestContext.of()
    )
    with pytest.raises(TypeError, match=r"^not a caller: "):
        decider(request)
