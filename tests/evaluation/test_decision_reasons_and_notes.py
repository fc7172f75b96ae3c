"""Tests written for mutants of trustsim/evaluation.py and compiler.py that the suite let live.

Mutation testing (docs/testing.md, scripts/mutation_sample.py) changes one detail of the
engine at a time; each test here fails on a mutant that survived the rest of the suite, so
it pins a rule the other tests only reached indirectly.
"""

from __future__ import annotations

import attrs

import trustsim as ts
from trustsim.evaluation import decide, evaluate
from trustsim.parsing import parse_policy

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/target"


def _trust(principal: object, **extra: object) -> ts.Policy:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
    return parse_policy({"Version": "2012-10-17", "Statement": statement})


def test_root_is_refused_on_the_fast_path_even_where_a_grant_needs_nothing_more() -> None:
    """STS refuses the root user (docs/semantics.md §3.9). A same-account {"AWS": "*"} grant
    needs nothing of a caller's own policies (§4.3, reading 4), so only the refusal keeps
    root out: decide() and evaluate() must refuse before reading the trust policy."""
    role = ts.Role(ROLE_ARN, _trust({"AWS": "*"}))
    root = ts.AccountRoot(ACCOUNT)
    request = ts.build_request(root, role)
    assert decide(request) is ts.Decision.IMPLICIT_DENY
    outcome = evaluate(request)
    assert outcome.decision is ts.Decision.IMPLICIT_DENY
    assert "Roles may not be assumed by root accounts" in outcome.reason
    # An IAM user of the same account, through the same grant, is allowed: the grant is real.
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert decide(ts.build_request(alice, role)) is ts.Decision.ALLOW


def test_an_evolved_fast_path_outcome_keeps_every_field() -> None:
    """attrs.evolve on an outcome of the fast path gives a complete outcome (its __init__
    takes Outcome's fields)."""
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    outcome = evaluate(ts.build_request(alice, ts.Role(ROLE_ARN, _trust({"AWS": alice.arn}))))
    changed = attrs.evolve(outcome, reason="rewritten")
    assert changed.reason == "rewritten"
    assert changed.decision is outcome.decision is ts.Decision.ALLOW
    assert changed.determined_by == outcome.determined_by
    assert changed.errors == outcome.errors == ()
    assert changed.side == outcome.side == "trust"
    assert changed.actions == outcome.actions == ("sts:AssumeRole",)


def test_the_rcp_reading_names_its_section_exactly() -> None:
    """The note on RCPs applied to a federated caller cites docs/semantics.md, reading 12
    verbatim, so a reader can find it."""
    github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    rcp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"},
        },
        kind="rcp",
    )
    role = ts.Role(
        ROLE_ARN,
        _trust(
            {"Federated": github},
            Action="sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"
                }
            },
        ),
        org=ts.OrgMembership("o-abc1234567", rcps=[[rcp]]),
    )
    run = ts.GitHubActions("acme/app", branch="main", account_id=ACCOUNT)
    outcome = ts.assume_role(run, role)
    assert (outcome.decision, outcome.side) == (ts.Decision.EXPLICIT_DENY, "rcp")
    [note] = [d for d in outcome.errors if d.code == "UNCERTAIN_SEMANTICS"]
    assert note.message.startswith("docs/semantics.md, reading 12: RCPs of the role's account")


def test_the_invalid_policy_note_says_exactly_what_was_left_out() -> None:
    """One principal-less Allow: the note names it alone; two: it counts the other."""
    bare = ts.Statement(ts.Effect.ALLOW, action=("sts:AssumeRole",))
    again = ts.Statement(
        ts.Effect.ALLOW, action=("sts:AssumeRole",), index=1, pointer="/Statement/1"
    )
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    one = ts.assume_role(alice, ts.Role(ROLE_ARN, ts.Policy((bare,), version="2012-10-17")))
    [note] = one.errors
    assert note.message == (
        "AWS would refuse this policy: MISSING_PRINCIPAL: an Allow statement of a role trust "
        "policy must have a Principal; such Allow statements were not applied"
    )
    two = ts.assume_role(alice, ts.Role(ROLE_ARN, ts.Policy((bare, again), version="2012-10-17")))
    assert "a Principal (and 1 more problem); such Allow" in two.errors[0].message


def test_a_same_account_star_grant_says_how_it_was_read_and_notes_nothing_unlimited() -> None:
    """§3.9: {"AWS": "*"} lets a same-account caller in with no other permission. The reason
    says the grant was read as one to the caller's own ARN; with no boundary or session
    policy limiting the caller, reading 4b of docs/semantics.md does not arise, so no note."""
    role = ts.Role(ROLE_ARN, _trust({"AWS": "*"}))
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    outcome = ts.assume_role(alice, role)
    assert outcome.allowed
    assert outcome.reason.endswith(
        '(matched as all AWS principals; {"AWS": "*"} read as a user ARN grant)'
    )
    assert outcome.errors == ()


def _identity(action: str = "sts:AssumeRole") -> ts.Policy:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return parse_policy({"Version": "2012-10-17", "Statement": statement}, kind="identity")


def test_the_disputed_boundary_reading_explains_itself() -> None:
    """reading 1: a same-account trust naming the user lets the user in although the
    user's permissions boundary does not allow sts:AssumeRole; the note says why."""
    alice_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    boundary = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        },
        kind="permissions-boundary",
    )
    alice = ts.IamUser(alice_arn, permissions_boundary=boundary)
    outcome = ts.assume_role(alice, ts.Role(ROLE_ARN, _trust({"AWS": alice_arn})))
    assert outcome.allowed
    [note] = outcome.errors
    assert note.message == (
        "docs/semantics.md, reading 1 (disputed): the trust policy names the user, whose "
        "permissions boundary does not allow the action; following the evaluation-logic pages "
        "the boundary does not block (UPDATE-TRUST suggests it would)"
    )


def test_a_policy_variable_in_a_trust_deny_is_filled_when_the_caller_side_counts() -> None:
    """A Deny whose condition compares with ${aws:username} is decided on the request, also
    when the caller's own policies take part in the decision (a cross-account caller)."""
    bob_arn = "arn:aws:iam::444455556666:user/bob"
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": bob_arn}, "Action": "sts:AssumeRole"},
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": bob_arn},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}},
                },
            ],
        }
    )
    role = ts.Role(ROLE_ARN, trust)
    bob = ts.IamUser(bob_arn, policies=[_identity()])
    named_after_bob = ts.build_request(bob, role, session_name="bob")
    assert decide(named_after_bob) is ts.Decision.EXPLICIT_DENY
    assert evaluate(named_after_bob).decision is ts.Decision.EXPLICIT_DENY
    assert decide(ts.build_request(bob, role, session_name="nightly")) is ts.Decision.ALLOW


def test_an_allowed_call_names_every_statement_that_allowed_each_action() -> None:
    """§4.11: a call passing session tags needs sts:TagSession too; the allowed outcome names
    the statements that granted each action."""
    alice_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Assume", "Effect": "Allow", "Principal": {"AWS": alice_arn},
                 "Action": "sts:AssumeRole"},
                {"Sid": "Tag", "Effect": "Allow", "Principal": {"AWS": alice_arn},
                 "Action": "sts:TagSession"},
            ],
        }
    )  # fmt: skip
    outcome = ts.assume_role(ts.IamUser(alice_arn), ts.Role(ROLE_ARN, trust), tags={"team": "a"})
    assert outcome.allowed
    assert outcome.actions == ("sts:AssumeRole", "sts:TagSession")
    assert [ref.sid for ref in outcome.determined_by] == ["Assume", "Tag"]


def test_the_invalid_policy_note_counts_further_problems_in_the_plural() -> None:
    statements = tuple(
        ts.Statement(
            ts.Effect.ALLOW, action=("sts:AssumeRole",), index=i, pointer=f"/Statement/{i}"
        )
        for i in range(3)
    )
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    outcome = ts.assume_role(alice, ts.Role(ROLE_ARN, ts.Policy(statements, version="2012-10-17")))
    assert "a Principal (and 2 more problems); such Allow" in outcome.errors[0].message


def test_a_session_arn_grant_gives_its_basis_in_the_reason() -> None:
    """§4.3: a same-account trust naming the session ARN needs nothing more; the reason says
    the basis of the grant."""
    session = ts.RoleSession(f"arn:aws:iam::{ACCOUNT}:role/ci/builder", "nightly")
    role = ts.Role(ROLE_ARN, _trust({"AWS": session.session_arn}))
    outcome = ts.assume_role(session, role)
    assert outcome.allowed
    assert outcome.reason.endswith("(matched as session ARN; same account, the session ARN)")


def test_an_rcp_deny_names_its_level() -> None:
    """§4.6: RCP levels never lack an Allow (RCPFullAWSAccess cannot be detached); a Deny
    names the level it sits at, by the IDs of the account's path."""
    deny = parse_policy(
        {"Version": "2012-10-17",
         "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"}},
        kind="rcp",
    )  # fmt: skip
    full = ts.RCP_FULL_AWS_ACCESS
    path = "o-abc1234567/r-ab12/ou-ab12-11111111/"
    alice = ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice")
    cases = (
        ([[deny], [full], [full]], "RCP root r-ab12 level"),
        ([[full], [deny], [full]], "RCP OU ou-ab12-11111111 level"),
        ([[full], [full], [deny]], "RCP account level"),
    )
    for levels, label in cases:
        org = ts.OrgMembership("o-abc1234567", paths=[path], rcps=levels)
        role = ts.Role(ROLE_ARN, _trust({"AWS": alice.arn}), org=org)
        outcome = ts.assume_role(alice, role)
        assert (outcome.decision, outcome.side) == (ts.Decision.EXPLICIT_DENY, "rcp")
        assert outcome.determined_by[0].policy == f"{label}, policy 0", outcome.determined_by


class _Results:
    """A recorder keeping each action's result (evaluation.Recorder)."""

    def __init__(self) -> None:
        self.results: list[object] = []

    def begin_action(self, action: str) -> None:
        pass

    def policy(self, *args: object) -> None:
        pass

    def end_action(self, result: object) -> None:
        self.results.append(result)


def test_a_recorder_is_told_which_grant_decided_how_it_matched_and_what_it_needed() -> None:
    from trustsim.compiler import MatchKind  # noqa: PLC0415
    from trustsim.evaluation import replay  # noqa: PLC0415

    bob_arn = "arn:aws:iam::444455556666:user/bob"
    bob = ts.IamUser(bob_arn, policies=[_identity()])
    request = ts.build_request(bob, ts.Role(ROLE_ARN, _trust({"AWS": bob_arn}, Sid="Bob")))
    recorder = _Results()
    assert replay(request, ("sts:AssumeRole",), recorder).allowed
    [result] = recorder.results
    assert result.grant.sid == "Bob"  # type: ignore[attr-defined]
    assert result.kind is MatchKind.DIRECT_USER  # type: ignore[attr-defined]
    assert (result.needs.identity, result.needs.boundary, result.needs.session) == (  # type: ignore[attr-defined]
        True, True, True
    )  # fmt: skip


def test_policy_variables_in_caller_side_and_trust_allows_are_filled_per_request() -> None:
    """The fast path fills ${aws:username} in a trust Allow and in a permissions boundary
    when the caller's own policies take part (a cross-account caller)."""
    bob_arn = "arn:aws:iam::444455556666:user/bob"
    same_name = {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}
    trust = _trust({"AWS": bob_arn}, Condition=same_name)
    boundary = parse_policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Resource": "*", "Condition": same_name}},
        kind="permissions-boundary",
    )  # fmt: skip
    role = ts.Role(ROLE_ARN, trust)
    plain = ts.IamUser(bob_arn, policies=[_identity()])
    bounded = ts.IamUser(bob_arn, policies=[_identity()], permissions_boundary=boundary)
    for bob in (plain, bounded):
        assert decide(ts.build_request(bob, role, session_name="bob")) is ts.Decision.ALLOW
        assert (
            decide(ts.build_request(bob, role, session_name="other")) is ts.Decision.IMPLICIT_DENY
        )
    only_boundary = _trust({"AWS": bob_arn})
    role = ts.Role(ROLE_ARN, only_boundary)
    assert decide(ts.build_request(bounded, role, session_name="bob")) is ts.Decision.ALLOW
    assert decide(ts.build_request(bounded, role, session_name="x1")) is ts.Decision.IMPLICIT_DENY


def test_the_service_reading_names_its_section_exactly() -> None:
    """reading 4: {"AWS": "*"} does not match a service; the note cites the decision."""
    role = ts.Role(ROLE_ARN, _trust({"AWS": "*"}))
    outcome = ts.assume_role(ts.ServicePrincipal("lambda.amazonaws.com"), role)
    assert outcome.decision is ts.Decision.IMPLICIT_DENY
    [note] = [d for d in outcome.errors if d.code == "UNCERTAIN_SEMANTICS"]
    assert note.message.startswith(
        'docs/semantics.md, reading 4: {"AWS": "*"} is read as not matching'
    )


def test_the_first_grant_whose_needs_are_met_decides() -> None:
    """Of two matching trust statements, the first whose requirements are met is the grant
    named (a role-ARN grant needs the boundary and session policy, which a session without
    them meets, §4.3)."""
    session = ts.RoleSession(f"arn:aws:iam::{ACCOUNT}:role/ci/builder", "nightly")
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "RoleGrant", "Effect": "Allow", "Principal": {"AWS": session.role_arn},
                 "Action": "sts:AssumeRole"},
                {"Sid": "SessionGrant", "Effect": "Allow",
                 "Principal": {"AWS": session.session_arn}, "Action": "sts:AssumeRole"},
            ],
        }
    )  # fmt: skip
    outcome = ts.assume_role(session, ts.Role(ROLE_ARN, trust))
    assert outcome.allowed
    assert [ref.sid for ref in outcome.determined_by] == ["RoleGrant"]


def test_a_cross_account_session_matches_its_account_by_root_arn_and_by_id() -> None:
    """An account principal (root ARN or bare ID) covers the sessions of that account's roles,
    in the same partition (§3.2); the session still needs its identity-side allow (§4.4)."""
    session = ts.RoleSession(
        "arn:aws:iam::444455556666:role/ci/builder", "nightly", policies=[_identity()]
    )
    for principal in ("arn:aws:iam::444455556666:root", "444455556666"):
        outcome = ts.assume_role(session, ts.Role(ROLE_ARN, _trust({"AWS": principal})))
        assert outcome.allowed, principal
    china = ts.RoleSession(
        "arn:aws-cn:iam::444455556666:role/ci/builder", "nightly", policies=[_identity()]
    )
    assert not ts.assume_role(china, ts.Role(ROLE_ARN, _trust({"AWS": "444455556666"}))).allowed
