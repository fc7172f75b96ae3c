"""Who-can and reach: every kind of candidate, every policy level, and the fail-closed answers.

Complements tests/inventory/test_whocan.py (brute-force properties, realistic dumps). Each answer here
is checked against the evaluator itself (``check_action`` with concrete request values): the
residual must say exactly which requests pass (docs/who-can.md, "Residual conditions").
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from trustsim.callers import IamUser, Role, RoleSession
from trustsim.context import RequestContext
from trustsim.decision import Decision
from trustsim.inventory import (
    RCP_FULL_AWS_ACCESS,
    Inventory,
    InventoryRole,
    Organization,
    OrgUnit,
)
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import build_request, check_action
from trustsim.whocan import (
    MAX_ATOMS,
    Access,
    Answer,
    WhoCanResult,
    reachable_from,
    who_can_assume,
)
from trustsim.whocan.evaluator import Evaluator as _Evaluator

A, B, C = "111111111111", "222222222222", "333333333333"
ORG, ROOT, OU = "o-a1b2c3d4e5", "r-ab12", "ou-ab12-11111111"
ASSUME = "sts:AssumeRole"
CI_ARN = f"arn:aws:iam::{A}:role/ci"


def _policy(statements: list[dict[str, Any]], kind: PolicyKind = PolicyKind.TRUST) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": statements}, kind=kind)


def _allow(principal: Any, condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": ASSUME}
    statement.update(extra)
    if condition:
        statement["Condition"] = condition
    return statement


def _identity(*statements: dict[str, Any]) -> Policy:
    return _policy(list(statements), PolicyKind.IDENTITY)


ASSUME_ANY = _identity({"Effect": "Allow", "Action": ASSUME, "Resource": "*"})


def _user(name: str, account: str = A, **fields: Any) -> IamUser:
    return IamUser(f"arn:aws:iam::{account}:user/{name}", **fields)


def _role(name: str, trust: Policy, account: str = A, **fields: Any) -> Role:
    return Role(f"arn:aws:iam::{account}:role/{name}", trust, **fields)


def _answers(result: WhoCanResult) -> dict[str, Answer]:
    return {answer.principal: answer for answer in (*result.principals, *result.classes)}


def _agrees(answer: Answer | None, caller: Any, role: Role, variants: list[dict[str, Any]]) -> None:
    """The answer allows a request exactly when the evaluator does (a missing answer: never)."""
    for variant in variants:
        expected = check_action(caller, role, ASSUME, **variant).allowed
        context = build_request(caller, role, **variant).context
        assert (answer is not None and answer.allows(context)) is expected, variant


IP_VARIANTS: list[dict[str, Any]] = [{}, {"source_ip": "10.1.2.3"}, {"source_ip": "192.0.2.7"}]
MFA_VARIANTS: list[dict[str, Any]] = [{}, {"mfa": True}, {"mfa": False}]


# --------------------------------------------------------------------------- rendering, limits


def test_more_request_conditions_than_max_atoms_is_undetermined_never_guessed() -> None:
    """Past MAX_ATOMS clauses (2**n evaluations) who-can says so rather than guess (docs/who-can.md)."""
    tags = {f"aws:RequestTag/k{i}": "v" for i in range(MAX_ATOMS + 1)}
    alice = _user("alice")
    target = _role("target", _policy([_allow({"AWS": alice.arn}, {"StringEquals": tags})]))
    inventory = Inventory.build(users=[alice], roles=[target])
    result = who_can_assume(inventory, target.arn)
    (answer,) = result.principals
    assert (answer.principal, answer.access, answer.residual) == (
        alice.arn,
        Access.UNDETERMINED,
        None,
    )
    assert answer.summary() == "undetermined"
    assert result.to_text().splitlines()[1] == f"  user {alice.arn}: undetermined"
    assert answer.to_dict()["access"] == "undetermined"
    every_tag = build_request(alice, target, tags={f"k{i}": "v" for i in range(MAX_ATOMS + 1)})
    assert check_action(alice, target, ASSUME, tags={f"k{i}": "v" for i in range(11)}).allowed
    assert not answer.allows(every_tag.context)  # fail closed: undetermined allows nothing
    assert answer.outcome.decision is Decision.IMPLICIT_DENY  # the plain call carries no tags
    assert reachable_from(inventory, alice.arn).reached == ()  # reach follows no unknown hop


def test_an_always_allowed_answer_renders_allowed_with_its_notes() -> None:
    """A role given as a bare Role has unknown identity policies: its answer says so."""
    ci = _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})]))
    target = _role("target", _policy([_allow({"AWS": ci.arn})]))
    inventory = Inventory.build(roles=[ci, target])
    result = who_can_assume(inventory, target.arn)
    (answer,) = result.principals
    assert answer.kind == "role"
    assert answer.summary() == "allowed"
    assert answer.allows(RequestContext.of({}))
    assert answer.outcome.allowed
    assert str(result) == result.to_text()
    assert result.to_text().splitlines() == [
        f"who can assume {target.arn}",
        f"  role {ci.arn}: allowed (its identity policies are unknown)",
        "notes:",
        "  the role's own identity policies are unknown (not in the source)",
    ]
    assert result.to_dict()["principals"][0]["notes"] == ["its identity policies are unknown"]
    reach = reachable_from(inventory, ci.arn)
    assert (
        str(reach)
        == reach.to_text()
        == f"{ci.arn} can reach 1 role(s)\n  {target.arn}\n    {ci.arn} → {target.arn}"
    )
    assert reach.to_dict()["reached"][0]["path"][0]["access"] == "always"


# --------------------------------------------------------------------------- policy levels


def test_an_rcp_deny_on_a_request_key_becomes_an_unless() -> None:
    """RCPs of the role's account take part in every assume, same account included (docs/semantics.md §4.6)."""
    rcp = _policy(
        [{"Effect": "Deny", "Principal": "*", "Action": ASSUME, "Resource": "*",
          "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}],
        PolicyKind.RCP,
    )  # fmt: skip
    alice = _user("alice")
    org = Organization(ORG, ROOT, root_rcps=[RCP_FULL_AWS_ACCESS, rcp], accounts={A: ROOT})
    target = _role("target", _policy([_allow({"AWS": alice.arn})]))
    inventory = Inventory.build(users=[alice], roles=[target], organization=org)
    placed = inventory.role(target.arn).role
    assert placed.org is not None
    (answer,) = who_can_assume(inventory, target.arn).principals
    assert answer.summary() == "allowed unless NotIpAddress aws:SourceIp = '10.0.0.0/8'"
    _agrees(answer, inventory.user(alice.arn), placed, IP_VARIANTS)


def test_an_rcp_on_the_principals_org_is_decided_for_members_and_residual_for_outsiders() -> None:
    """aws:PrincipalOrgID is known for inventory principals and unknown for another account's."""
    rcp = _policy(
        [{"Effect": "Deny", "Principal": "*", "Action": ASSUME, "Resource": "*",
          "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}}],
        PolicyKind.RCP,
    )  # fmt: skip
    alice = _user("alice", policies=[ASSUME_ANY])
    org = Organization(ORG, ROOT, root_rcps=[RCP_FULL_AWS_ACCESS, rcp], accounts={A: ROOT})
    target = _role("target", _policy([_allow({"AWS": [A, C]})]))
    inventory = Inventory.build(users=[alice], roles=[target], organization=org)
    answers = _answers(who_can_assume(inventory, target.arn))
    assert answers[alice.arn].access is Access.ALWAYS
    outside = answers[C]
    assert outside.kind == "account"
    assert str(outside.residual) == f"unless StringNotEqualsIfExists aws:PrincipalOrgID = '{ORG}'"
    assert (
        outside.summary() == f"allowed unless StringNotEqualsIfExists aws:PrincipalOrgID = '{ORG}'"
    )


def test_a_permissions_boundary_condition_on_mfa_is_part_of_the_residual() -> None:
    """An account principal needs the identity side, boundary included (docs/semantics.md §4.3)."""
    boundary = _policy([{"Effect": "Allow", "Action": "sts:*", "Resource": "*",
                         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}],
                       PolicyKind.PERMISSIONS_BOUNDARY)  # fmt: skip
    alice = _user("alice", policies=[ASSUME_ANY], permissions_boundary=boundary)
    target = _role("target", _policy([_allow({"AWS": A})]))
    inventory = Inventory.build(users=[alice], roles=[target])
    (answer,) = who_can_assume(inventory, target.arn).principals
    assert str(answer.residual) == "Bool aws:MultiFactorAuthPresent = 'true'"
    _agrees(answer, alice, target, MFA_VARIANTS)


def test_a_session_policy_condition_on_a_request_key_is_part_of_the_residual() -> None:
    """A session policy limits the session like a boundary (docs/semantics.md §4.3): the engine
    rewrites it like every other policy. (Inventory sessions carry none; a caller given to the
    engine may.)"""
    session_policy = _policy([{"Effect": "Allow", "Action": ASSUME, "Resource": "*",
                               "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}],
                             PolicyKind.SESSION)  # fmt: skip
    ci = InventoryRole(_role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])),
                       policies=[ASSUME_ANY])  # fmt: skip
    target = _role("target", _policy([_allow({"AWS": A})]))
    inventory = Inventory.build(roles=[ci, target])
    evaluator = _Evaluator(inventory)
    session = attrs.evolve(ci.session("build"), session_policy=session_policy)
    access, residual, _ = evaluator.decide(session, target, evaluator.known_atoms)
    assert access is Access.CONDITIONAL
    assert str(residual) == "IpAddress aws:SourceIp = '10.0.0.0/8'"
    answer = Answer(
        session.session_arn, "session", access, build_request(session, target), residual
    )
    _agrees(answer, session, target, IP_VARIANTS)
    assert evaluator.decide(ci.session("build"), target, evaluator.known_atoms)[0] is Access.ALWAYS


# --------------------------------------------------------------------------- AWS principals


def test_a_unique_id_of_a_role_admits_that_role_in_who_can_and_reach() -> None:
    """IAM stores a principal ARN as its unique ID; the ID names that role (docs/semantics.md §3)."""
    ci = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})]), unique_id="AROACIEXAMPLE0000001")
    )  # fmt: skip
    target = _role("target", _policy([_allow({"AWS": "AROACIEXAMPLE0000001"})]))
    inventory = Inventory.build(roles=[ci, target])
    (answer,) = who_can_assume(inventory, target.arn).principals
    assert (answer.principal, answer.kind, answer.access) == (ci.arn, "role", Access.ALWAYS)
    assert [r.role_arn for r in reachable_from(inventory, ci.arn).reached] == [target.arn]


def test_arns_the_inventory_lacks_are_nobody_in_its_accounts_and_classes_outside() -> None:
    """The inventory lists every principal of its accounts: an ARN it lacks there names no one.
    In an account it does not describe, the principal is reported as a class, on the assumption
    that its identity policies allow the call."""
    alice = _user("alice")
    outside = [f"arn:aws:iam::{B}:user/ext", f"arn:aws:sts::{B}:assumed-role/ext-role/s1",
               f"arn:aws:iam::{B}:role/ext-role"]  # fmt: skip
    ghosts = [f"arn:aws:iam::{A}:user/ghost", f"arn:aws:iam::{A}:role/ghost",
              f"arn:aws:sts::{A}:assumed-role/ghost/s1"]  # fmt: skip
    target = _role("target", _policy([_allow({"AWS": [*outside, *ghosts]})]))
    inventory = Inventory.build(users=[alice], roles=[target])
    result = who_can_assume(inventory, target.arn)
    assert result.principals == ()
    assert [(a.kind, a.principal, a.access) for a in result.classes] == [
        ("principal", value, Access.ALWAYS) for value in outside
    ]
    assert result.classes[1].label == f"principal {outside[1]}"
    assert all(a.notes == ("if their own identity policies allow it too",) for a in result.classes)
    assert isinstance(result.classes[1].caller, RoleSession)
    assert result.classes[1].caller.session_name == "s1"
    assert result.candidates == 3


def test_a_federated_user_principal_is_noted_not_silently_dropped() -> None:
    """A federated-user ARN is a valid principal (docs/semantics.md §3); trustsim has no such caller."""
    federated = f"arn:aws:sts::{A}:federated-user/bob"
    target = _role("target", _policy([_allow({"AWS": federated})]))
    result = who_can_assume(Inventory.build(users=[_user("bob")], roles=[target]), target.arn)
    assert (result.principals, result.classes) == ((), ())
    assert any(federated in note and "cannot model" in note for note in result.notes)


def test_a_session_arn_admits_that_session_only_whatever_its_name() -> None:
    """A session ARN names one session of one role (docs/semantics.md §3): even one named like the
    representative session who-can evaluates a role through ("trustsim"), it is answered as a
    session, not as every session of the role."""
    ci = InventoryRole(_role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])))
    session_arn = f"arn:aws:sts::{A}:assumed-role/ci/trustsim"
    target = _role("target", _policy([_allow({"AWS": session_arn})]))
    inventory = Inventory.build(roles=[ci, target])
    (answer,) = who_can_assume(inventory, target.arn).principals
    assert (answer.principal, answer.kind, answer.access) == (session_arn, "session", Access.ALWAYS)
    for name, allowed in (("trustsim", True), ("deploy", False)):
        assert check_action(ci.session(name), target, ASSUME).allowed is allowed
    assert reachable_from(inventory, ci.arn).reached == ()  # reach follows the role, not one name


@pytest.mark.parametrize(
    ("operator", "key", "narrowing", "admitted"),
    [
        ("StringEquals", "aws:PrincipalAccount", A, ["alice", "ci", "target"]),
        ("ArnEquals", "aws:PrincipalArn", [f"arn:aws:iam::{A}:user/alice", CI_ARN], ["alice", "ci"]),
    ],
)  # fmt: skip
def test_aws_star_narrowed_by_account_or_arn_finds_exactly_the_admitted_principals(
    operator: str, key: str, narrowing: Any, admitted: list[str]
) -> None:
    """{"AWS": "*"} with an equality on the principal's account or ARN admits those alone."""
    alice, bob = _user("alice"), _user("bob", B, policies=[ASSUME_ANY])
    ci = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])), policies=[ASSUME_ANY]
    )
    target = _role("target", _policy([_allow({"AWS": "*"}, {operator: {key: narrowing}})]))
    inventory = Inventory.build(users=[alice, bob], roles=[ci, target])
    result = who_can_assume(inventory, target.arn)
    answers = _answers(result)
    arns = {"alice": alice.arn, "ci": ci.arn, "target": target.arn}
    assert [a.principal for a in result.principals] == [arns[name] for name in admitted]
    for caller, arn in ((alice, alice.arn), (bob, bob.arn), (ci.session(), ci.arn)):
        _agrees(answers.get(arn), caller, target, [{}])
    (anyone,) = result.classes
    assert anyone.kind == "any-aws"
    assert anyone.label == "any AWS principal outside the inventory"
    assert anyone.access is Access.CONDITIONAL
    assert key in str(anyone.residual)
    assert [r.role_arn for r in reachable_from(inventory, alice.arn).reached] == [target.arn]
    assert [r.role_arn for r in reachable_from(inventory, ci.arn).reached] == [target.arn]
    assert reachable_from(inventory, bob.arn).reached == ()


def test_principal_star_admits_everyone_and_alternatives_join_with_or() -> None:
    """ "Principal": "*" means every principal (docs/semantics.md §3; the parser asks for {"AWS": "*"}
    in a trust policy, a hand-built Policy may carry it). Two statements are two ways in."""
    users = [_user("alice"), _user("bob", policies=[ASSUME_ANY])]
    by_ip = _policy([_allow({"AWS": "*"}, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})])
    star = attrs.evolve(by_ip.statements[0], principal=Principal(star=True))
    with_mfa = _policy([_allow({"AWS": "*"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})])
    trust = attrs.evolve(by_ip, statements=(star, attrs.evolve(with_mfa.statements[0], index=1)))
    target = _role("target", trust)
    inventory = Inventory.build(users=users, roles=[target])
    result = who_can_assume(inventory, target.arn)
    answers = _answers(result)
    assert [a.principal for a in result.principals] == [*(u.arn for u in users), target.arn]
    assert str(answers[users[0].arn].residual) == (
        "(IpAddress aws:SourceIp = '10.0.0.0/8') or (Bool aws:MultiFactorAuthPresent = 'true')"
    )
    for user in users:
        _agrees(answers[user.arn], user, target, [*IP_VARIANTS, {"mfa": True}, {"mfa": False}])
    assert [a.kind for a in result.classes] == ["any-aws"]
    assert [r.role_arn for r in reachable_from(inventory, users[0].arn).reached] == [target.arn]


# --------------------------------------------------------------------------- identity index


def test_identity_statements_that_cannot_be_indexed_keep_their_holders_candidates() -> None:
    """NotAction, NotResource and policy variables in Resource are decided per request, so
    their holders are always evaluated for an account grant (docs/semantics.md §4.3)."""
    not_action = _identity({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    not_resource = _identity(
        {"Effect": "Allow", "Action": ASSUME, "NotResource": f"arn:aws:iam::{A}:role/other"}
    )
    own_name = _identity(
        {
            "Effect": "Allow",
            "Action": ASSUME,
            "Resource": f"arn:aws:iam::{A}:role/${{aws:username}}",
        }
    )
    denied_only = _identity({"Effect": "Deny", "Action": ASSUME, "Resource": "*"})
    users = [_user("alice", policies=[not_action]), _user("bob", policies=[not_resource]),
             _user("target", policies=[own_name]), _user("carol", policies=[own_name]),
             _user("dave", policies=[denied_only])]  # fmt: skip
    target = _role("target", _policy([_allow({"AWS": A})]))
    inventory = Inventory.build(users=users, roles=[target])
    result = who_can_assume(inventory, target.arn)
    assert [a.principal for a in result.principals] == [u.arn for u in users[:3]]
    answers = _answers(result)
    for user in users:
        _agrees(answers.get(user.arn), user, target, [{}])
    for user, reached in zip(users, ([target.arn],) * 3 + ([], []), strict=True):
        assert [r.role_arn for r in reachable_from(inventory, user.arn).reached] == reached


# --------------------------------------------------------------------------- services, federation


def test_a_saml_provider_is_a_class_with_its_assertion_conditions_residual() -> None:
    """SAML federation: the trust policy (and RCPs) alone decide (docs/semantics.md §4, SAML)."""
    okta = f"arn:aws:iam::{A}:saml-provider/okta"
    target = _role("target", _policy([{
        "Effect": "Allow", "Principal": {"Federated": okta}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]))  # fmt: skip
    result = who_can_assume(Inventory.build(roles=[target], saml_providers=[okta]), target.arn)
    (saml,) = result.classes
    assert (saml.kind, saml.label, saml.notes) == ("saml", f"SAML identities of {okta}", ())
    assert (
        saml.summary() == "allowed if StringEquals SAML:aud = 'https://signin.aws.amazon.com/saml'"
    )


def test_a_built_in_web_identity_provider_is_an_oidc_class() -> None:
    """accounts.google.com is a provider name, not an ARN (docs/semantics.md §3): no provider note."""
    target = _role("target", _policy([{
        "Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"accounts.google.com:aud": "my-app.apps.googleusercontent.com"}}}]))  # fmt: skip
    inventory = Inventory.build(
        roles=[target], oidc_providers=[f"arn:aws:iam::{A}:oidc-provider/gitlab.com"]
    )
    (google,) = who_can_assume(inventory, target.arn).classes
    assert (google.kind, google.label, google.notes) == (
        "oidc",
        "web identities of accounts.google.com",
        (),
    )
    assert (
        str(google.residual)
        == "StringEquals accounts.google.com:aud = 'my-app.apps.googleusercontent.com'"
    )


def test_hand_built_principals_aws_would_refuse_are_noted_and_admit_no_one() -> None:
    """A Policy built by hand skips the parser's checks: who-can notes what it cannot model
    and answers no one for it (fail closed), and the evaluator agrees."""
    trust = Policy((
        Statement(Effect.ALLOW, principal=Principal(service=("Lambda",)), action=(ASSUME,)),
        Statement(Effect.ALLOW, principal=Principal(federated=("not-a-provider",)),
                  action=("sts:AssumeRoleWithWebIdentity",)),
        Statement(Effect.ALLOW, principal=Principal(aws=(f"arn:aws:sts::{A}:assumed-role/ci",)),
                  action=(ASSUME,)),
    ), version="2012-10-17", kind=PolicyKind.TRUST)  # fmt: skip
    ci = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])), policies=[ASSUME_ANY]
    )
    target = _role("target", trust)
    inventory = Inventory.build(users=[_user("alice", policies=[ASSUME_ANY])], roles=[ci, target])
    result = who_can_assume(inventory, target.arn)
    assert (result.principals, result.classes) == ((), ())
    assert any("'Lambda', which trustsim cannot model" in note for note in result.notes)
    assert any("'not-a-provider', which is not a provider ARN" in note for note in result.notes)
    assert not check_action(ci.session(), target, ASSUME).allowed
    assert reachable_from(inventory, ci.arn).reached == ()


def test_a_hand_built_not_principal_allow_makes_everyone_a_candidate() -> None:
    """Allow + NotPrincipal admits every principal not listed (docs/semantics.md §3; the parser
    refuses it in a trust policy, a hand-built Policy may carry it)."""
    alice, bob = _user("alice"), _user("bob")
    trust = Policy((Statement(Effect.ALLOW, not_principal=Principal(aws=(bob.arn,)), action=(ASSUME,)),),
                   version="2012-10-17", kind=PolicyKind.TRUST)  # fmt: skip
    target = _role("target", trust)
    inventory = Inventory.build(users=[alice, bob], roles=[target])
    result = who_can_assume(inventory, target.arn)
    answers = _answers(result)
    for user in (alice, bob):
        _agrees(answers.get(user.arn), user, target, [{}])
    assert alice.arn in answers
    assert [a.kind for a in result.classes] == ["any-aws"]
    assert [r.role_arn for r in reachable_from(inventory, alice.arn).reached] == [target.arn]
    assert reachable_from(inventory, bob.arn).reached == ()


def test_an_org_unit_scp_and_a_deny_session_statement_together() -> None:
    """A Deny naming one session is answered for that session alone; an OU's SCP applies to
    every principal of its accounts (docs/semantics.md §4.5)."""
    scp = _policy([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                   {"Effect": "Deny", "Action": ASSUME, "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}], PolicyKind.SCP)  # fmt: skip
    org = Organization(ORG, ROOT, units=[OrgUnit(OU, ROOT, scps=[scp])], accounts={A: OU})
    ci = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])), policies=[ASSUME_ANY]
    )
    blocked = f"arn:aws:sts::{A}:assumed-role/ci/blocked"
    target = _role("target", _policy([
        _allow({"AWS": ci.arn}),
        {"Effect": "Deny", "Principal": {"AWS": blocked}, "Action": ASSUME},
    ]))  # fmt: skip
    inventory = Inventory.build(roles=[ci, target], organization=org)
    placed_ci = inventory.role(ci.arn)
    placed_target = inventory.role(target.arn).role
    result = who_can_assume(inventory, target.arn)
    answers = _answers(result)
    assert [a.principal for a in result.principals] == [ci.arn]
    assert str(answers[ci.arn].residual) == "unless Bool aws:MultiFactorAuthPresent = 'false'"
    for name in ("trustsim", "blocked", "other"):
        session = placed_ci.session(name)
        answer = answers.get(session.session_arn) or (
            None if name == "blocked" else answers[ci.arn]
        )
        _agrees(answer, session, placed_target, MFA_VARIANTS)


def test_a_hand_built_allow_without_principal_is_answered_as_the_evaluator_decides_it() -> None:
    """The parser refuses a trust statement without Principal (MISSING_PRINCIPAL); built by
    hand, who-can must not answer fewer principals than the evaluator admits."""
    alice = _user("alice")
    ci = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])), policies=[ASSUME_ANY]
    )
    trust = Policy(
        (Statement(Effect.ALLOW, action=(ASSUME,)),), version="2012-10-17", kind=PolicyKind.TRUST
    )
    target = _role("target", trust)
    inventory = Inventory.build(users=[alice], roles=[ci, target])
    answers = _answers(who_can_assume(inventory, target.arn))
    for caller, arn in ((alice, alice.arn), (ci.session(), ci.arn), (ci.session("x1"), ci.arn)):
        _agrees(answers.get(arn), caller, target, [{}])
    reached = {r.role_arn for r in reachable_from(inventory, alice.arn).reached}
    assert reached == ({target.arn} if alice.arn in answers else set())


def test_aws_star_narrowed_by_org_admits_the_members_roles_and_not_the_others() -> None:
    """aws:PrincipalOrgID is the caller's organisation (docs/semantics.md §6.1): a role of an account
    outside the organisation is no candidate, a member account's role is."""
    org = Organization(ORG, ROOT, accounts={A: ROOT})
    inside = InventoryRole(
        _role("ci", _policy([_allow({"Service": "ec2.amazonaws.com"})])), policies=[ASSUME_ANY]
    )
    outside = InventoryRole(
        _role("ext", _policy([_allow({"Service": "ec2.amazonaws.com"})]), B), policies=[ASSUME_ANY]
    )
    target = _role(
        "target", _policy([_allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG}})])
    )
    inventory = Inventory.build(roles=[inside, outside, target], organization=org)
    result = who_can_assume(inventory, target.arn)
    assert [a.principal for a in result.principals] == [inside.arn, target.arn]
    placed = inventory.role(target.arn).role
    for entry in (inside, outside):
        session = inventory.role(entry.arn).session()
        _agrees(_answers(result).get(entry.arn), session, placed, [{}])
    assert [r.role_arn for r in reachable_from(inventory, inside.arn).reached] == [target.arn]
    assert reachable_from(inventory, outside.arn).reached == ()
