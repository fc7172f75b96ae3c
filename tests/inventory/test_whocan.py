"""Who can assume a role, residual conditions, and reach by chaining (DESIGN.md §3.6).

The property tests check who-can against brute force: every principal of a generated
inventory is run through the evaluator with many request variants, and the answer must say
exactly which variants are allowed (a principal left out: none is).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustsim.callers import IamUser, Role, ServicePrincipal
from trustsim.cli import main as cli_main
from trustsim.identities import GitHubActions
from trustsim.inventory import Inventory, InventoryError, InventoryRole, Organization, OrgUnit
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import build_request, check_action
from trustsim.whocan import (
    Access,
    Answer,
    WhoCanResult,
    reachable_from,
    who_can_assume,
)
from trustsim.whocan.answers import minimise as _minimise

DATA = Path(__file__).parents[1] / "data" / "loaders"
A, B, C = "111111111111", "222222222222", "333333333333"
ORG = "o-a1b2c3d4e5"
GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def _policy(statements: list[dict[str, Any]], kind: PolicyKind = PolicyKind.TRUST) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": statements}, kind=kind)


def _allow(principal: Any, condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
        **extra,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _by_principal(result: WhoCanResult) -> dict[str, Answer]:
    return {answer.principal: answer for answer in (*result.principals, *result.classes)}


# --------------------------------------------------------------------------- realistic dumps


@pytest.fixture(scope="module")
def dumps() -> Inventory:
    return Inventory.from_authorization_details(
        DATA / "authorization-details.json", DATA / "authorization-details-vendor.json"
    )


def test_account_principal_admits_the_users_whose_identity_policies_allow(dumps: Inventory) -> None:
    """An account principal delegates to the account: the identity side must allow (docs/semantics.md §4.3)."""
    result = who_can_assume(dumps, "arn:aws:iam::111122223333:role/ci/deploy")
    assert [(a.principal, a.access) for a in result.principals] == [
        ("arn:aws:iam::111122223333:user/eng/alice", Access.ALWAYS)
    ]
    github = _by_principal(result)[
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    ]
    assert github.kind == "oidc"
    assert str(github.residual) == (
        "StringEquals token.actions.githubusercontent.com:aud = 'sts.amazonaws.com' and "
        "StringLike token.actions.githubusercontent.com:sub = 'repo:acme/*:ref:refs/heads/main'"
    )
    assert any("PowerUserAccess" in note for note in result.notes)


def test_cross_account_vendor_needs_the_external_id(dumps: Inventory) -> None:
    result = who_can_assume(dumps, "arn:aws:iam::111122223333:role/vendor-audit")
    (auditor,) = result.principals
    assert auditor.principal == "arn:aws:iam::444455556666:user/auditor"
    assert auditor.access is Access.CONDITIONAL
    assert str(auditor.residual) == "StringEquals sts:ExternalId = 'acme-7f3a9c'"
    assert auditor.outcome.denied  # a plain call without the ExternalId
    assert result.classes == ()  # the vendor account is in the inventory: no class outside


def test_a_deleted_principals_unique_id_matches_nobody_and_says_so(dumps: Inventory) -> None:
    result = who_can_assume(dumps, "arn:aws:iam::111122223333:role/audit")
    assert [(a.principal, str(a.residual)) for a in result.principals] == [
        ("arn:aws:iam::111122223333:user/bob", "Bool aws:MultiFactorAuthPresent = 'true'")
    ]
    assert any("AIDAJQABLZS4A3QDU576Q" in note and "deleted" in note for note in result.notes)


def test_service_class_with_source_account_residual(dumps: Inventory) -> None:
    result = who_can_assume(dumps, "arn:aws:iam::111122223333:role/service-role/lambda-exec")
    (service,) = result.classes
    assert (service.kind, service.principal) == ("service", "lambda.amazonaws.com")
    assert str(service.residual) == "StringEquals aws:SourceAccount = '111122223333'"
    role = dumps.role("arn:aws:iam::111122223333:role/service-role/lambda-exec").role
    for account, allowed in ((None, False), ("111122223333", True), ("999999999999", False)):
        caller = ServicePrincipal("lambda.amazonaws.com", source_account=account)
        request = build_request(caller, role)
        assert service.allows(request.context) is allowed
        assert check_action(caller, role, "sts:AssumeRole").allowed is allowed


def test_who_can_refuses_an_unknown_role(dumps: Inventory) -> None:
    with pytest.raises(InventoryError, match="no role"):
        who_can_assume(dumps, "arn:aws:iam::111122223333:role/nope")


# --------------------------------------------------------------------------- residual shapes


def test_github_sub_pattern_residual_agrees_with_real_runs() -> None:
    trust = _policy([{
        "Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}])  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/gh", trust)
    (answer,) = who_can_assume(Inventory.build(roles=[role]), role.arn).classes
    assert answer.access is Access.CONDITIONAL
    for repo in ("acme/app", "acme/infra", "evil/acme", "acmecorp/app"):
        run = GitHubActions(repo, branch="main")
        request = build_request(run, role)
        assert answer.allows(request.context) is check_action(run, role, request.action).allowed


def test_a_deny_on_request_keys_becomes_unless() -> None:
    trust = _policy([
        _allow({"AWS": f"arn:aws:iam::{A}:user/alice"}),
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
         "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    ])  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/r", trust)
    inventory = Inventory.build(users=[IamUser(f"arn:aws:iam::{A}:user/alice")], roles=[role])
    (alice,) = who_can_assume(inventory, role.arn).principals
    assert str(alice.residual) == "unless NotIpAddress aws:SourceIp = '10.0.0.0/8'"
    caller = inventory.users[0]
    assert check_action(caller, role, "sts:AssumeRole", source_ip="10.1.1.1").allowed
    assert check_action(caller, role, "sts:AssumeRole", source_ip="192.0.2.1").denied
    # an absent aws:SourceIp makes NotIpAddress true (negated operator, §5.3): the plain call is denied
    assert alice.outcome.denied
    assert not alice.allows(build_request(caller, role).context)


def test_alternatives_are_joined_with_or() -> None:
    trust = _policy([
        _allow({"AWS": A}, {"StringEquals": {"sts:ExternalId": "one"}}),
        _allow({"AWS": A}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    ])  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/r", trust)
    allow_all = _policy(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    user = IamUser(f"arn:aws:iam::{A}:user/u", policies=[allow_all])
    (answer,) = who_can_assume(Inventory.build(users=[user], roles=[role]), role.arn).principals
    assert str(answer.residual) in {
        "(StringEquals sts:ExternalId = 'one') or (Bool aws:MultiFactorAuthPresent = 'true')",
        "(Bool aws:MultiFactorAuthPresent = 'true') or (StringEquals sts:ExternalId = 'one')",
    }
    assert answer.to_dict()["access"] == "conditional"


def test_known_caller_keys_are_evaluated_not_left_residual() -> None:
    """aws:PrincipalTag comes from the caller model: decided, never a residual."""
    trust = _policy([_allow({"AWS": A}, {"StringEquals": {"aws:PrincipalTag/team": "red"}})])
    role = Role(f"arn:aws:iam::{A}:role/r", trust)
    allow_all = _policy(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    red = IamUser(f"arn:aws:iam::{A}:user/red", policies=[allow_all], tags={"team": "red"})
    blue = IamUser(f"arn:aws:iam::{A}:user/blue", policies=[allow_all], tags={"team": "blue"})
    result = who_can_assume(Inventory.build(users=[red, blue], roles=[role]), role.arn)
    assert [(a.principal, a.access, a.residual) for a in result.principals] == [
        (red.arn, Access.ALWAYS, None)
    ]


def test_an_scp_on_request_keys_is_part_of_the_residual() -> None:
    scp = _policy(
        [{"Effect": "Allow", "Action": "*", "Resource": "*"},
         {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
          "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}],
        PolicyKind.SCP,
    )  # fmt: skip
    org = Organization(ORG, "r-ab12", units=[OrgUnit("ou-ab12-11111111", "r-ab12", scps=[scp])],
                       accounts={A: "ou-ab12-11111111"})  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/r", _policy([_allow({"AWS": f"arn:aws:iam::{A}:user/u"})]))
    inventory = Inventory.build(
        users=[IamUser(f"arn:aws:iam::{A}:user/u")], roles=[role], organization=org
    )
    (answer,) = who_can_assume(inventory, role.arn).principals
    assert str(answer.residual) == "unless BoolIfExists aws:MultiFactorAuthPresent = 'false'"
    user = inventory.users[0]
    role_in = inventory.roles[0].role
    for mfa in (None, True, False):
        request = build_request(user, role_in, mfa=mfa)
        assert (
            answer.allows(request.context)
            is check_action(user, role_in, "sts:AssumeRole", mfa=mfa).allowed
        )


def test_aws_star_narrowed_by_org_keeps_members_and_reports_outsiders() -> None:
    trust = _policy([_allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG}})])
    role = Role(f"arn:aws:iam::{A}:role/shared", trust)
    allow_all = _policy(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    org = Organization(ORG, "r-ab12", accounts={A: "r-ab12", B: "r-ab12"})
    member = IamUser(f"arn:aws:iam::{B}:user/member", policies=[allow_all])
    stranger = IamUser(f"arn:aws:iam::{C}:user/stranger", policies=[allow_all])
    inventory = Inventory.build(users=[member, stranger], roles=[role], organization=org)
    result = who_can_assume(inventory, role.arn)
    # the role's own sessions too: a same-account {"AWS": "*"} grant is read like one to the
    # caller's own ARN, which needs no identity policy (docs/semantics.md §4.3, reading 4b)
    assert [a.principal for a in result.principals] == [member.arn, role.arn]
    (outside,) = result.classes
    assert outside.kind == "any-aws"
    assert str(outside.residual) == f"StringEquals aws:PrincipalOrgID = '{ORG}'"
    assert result.candidates == 3  # member (narrowed by org ID), the role itself, the class


def test_outside_account_and_principal_classes() -> None:
    trust = _policy([
        _allow({"AWS": f"arn:aws:iam::{C}:root"}, {"StringEquals": {"sts:ExternalId": "x9"}}),
        _allow({"AWS": f"arn:aws:iam::{C}:role/automation"}, {"StringEquals": {"aws:PrincipalTag/env": "ci"}}),
    ])  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/r", trust)
    result = who_can_assume(Inventory.build(roles=[role]), role.arn)
    answers = _by_principal(result)
    assert str(answers[C].residual) == "StringEquals sts:ExternalId = 'x9'"
    assert answers[C].kind == "account"
    automation = answers[f"arn:aws:iam::{C}:role/automation"]
    assert automation.kind == "principal"
    # the role is also one of account C's principals, so either statement admits it
    assert automation.residual is not None
    assert {" and ".join(map(str, alt)) for alt in automation.residual.alternatives} == {
        "StringEquals aws:PrincipalTag/env = 'ci'",
        "StringEquals sts:ExternalId = 'x9'",
    }
    assert all("identity policies" in answer.notes[0] for answer in result.classes)


def test_session_arn_principal_admits_only_that_session() -> None:
    trust = _policy([_allow({"AWS": f"arn:aws:sts::{A}:assumed-role/ci/build-7"})])
    target = Role(f"arn:aws:iam::{A}:role/target", trust)
    ci = Role(f"arn:aws:iam::{A}:role/ci", _policy([_allow({"Service": "ec2.amazonaws.com"})]))
    inventory = Inventory.build(roles=[target, ci])
    result = who_can_assume(inventory, target.arn)
    assert [(a.principal, a.kind, a.access) for a in result.principals] == [
        (f"arn:aws:sts::{A}:assumed-role/ci/build-7", "session", Access.ALWAYS)
    ]


def test_minimise_covers_exactly_the_satisfying_assignments() -> None:
    assert _minimise({0b01, 0b11}, 2) == [(0b01, 0b01)]
    assert _minimise({0, 1, 2, 3}, 2) == [(0, 0)]


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(0, (1 << n) - 1), min_size=1))
    )
)
def test_minimise_property(case: tuple[int, set[int]]) -> None:
    count, satisfying = case
    terms = _minimise(satisfying, count)
    covered = {m for m in range(1 << count) if any(m & mask == bits for mask, bits in terms)}
    assert covered == satisfying


# --------------------------------------------------------------------------- brute force


USERS = ("alice", "bob", "carol")
ROLES = ("r0", "r1", "r2")
CONDITIONS: dict[str, dict[str, Any]] = {
    "external-id": {"StringEquals": {"sts:ExternalId": "ext-1"}},
    "mfa": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    "no-mfa-if-exists": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    "team-red": {"StringEquals": {"aws:PrincipalTag/team": "red"}},
    "corp-ip": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    "tag-blue": {"StringEquals": {"aws:RequestTag/project": "blue"}},
    "account-a": {"StringEquals": {"aws:PrincipalAccount": A}},
    "org": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    "session-ci": {"StringLike": {"sts:RoleSessionName": "ci-*"}},
    "caller-session-ci": {"StringLike": {"aws:userid": "AROA*:ci-*"}},
}
VARIANTS = [
    dict(zip(("external_id", "mfa", "source_ip", "tags", "session_name"), values, strict=True))
    for values in itertools.product(
        (None, "ext-1"),
        (None, True, False),
        (None, "10.1.2.3", "192.0.2.7"),
        (None, {"project": "blue"}),
        (None, "ci-7"),
    )
]


def _user_arn(name: str) -> str:
    account = B if name == "carol" else A
    return f"arn:aws:iam::{account}:user/{name}"


def _role_arn(name: str) -> str:
    account = B if name == "r2" else A
    return f"arn:aws:iam::{account}:role/{name}"


def _unique_id(name: str) -> str:
    return f"AIDA{name.upper()}EXAMPLE0000001"[:21]


principal_values = st.one_of(
    st.sampled_from(USERS).map(_user_arn),
    st.sampled_from(ROLES).map(_role_arn),
    st.sampled_from([A, B, C, f"arn:aws:iam::{A}:root", f"arn:aws:iam::{C}:root", "*"]),
    st.sampled_from(ROLES).map(
        lambda r: f"arn:aws:sts::{_role_arn(r).split(':')[4]}:assumed-role/{r}/ci-7"
    ),
    st.sampled_from([_unique_id("alice"), "AIDADELETEDEXAMPLE0001"]),
)
conditions = st.dictionaries(st.sampled_from(sorted(CONDITIONS)), st.just(True), max_size=2).map(
    lambda chosen: {op: keys for name in chosen for op, keys in CONDITIONS[name].items()}
)


trust_statements = st.lists(
    st.tuples(
        st.sampled_from(["Allow", "Allow", "Deny"]),
        st.lists(principal_values, min_size=1, max_size=2),
        conditions,
    ),
    min_size=1,
    max_size=3,
)
identity_choices = st.sampled_from(["none", "all", "r0", "deny-without-mfa"])


def _identity(choice: str) -> list[Any]:
    if choice == "none":
        return []
    if choice == "deny-without-mfa":
        return [_policy([
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        ], PolicyKind.IDENTITY)]  # fmt: skip
    resource = "*" if choice == "all" else _role_arn(choice)
    return [
        _policy(
            [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}],
            PolicyKind.IDENTITY,
        )
    ]


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    users = [
        IamUser(
            _user_arn(name),
            policies=_identity(draw(identity_choices)),
            tags={"team": draw(st.sampled_from(["red", "blue"]))},
            unique_id=_unique_id(name),
        )
        for name in USERS
    ]
    roles = []
    for name in ROLES:
        statements = []
        for effect, principals, condition in draw(trust_statements):
            statement: dict[str, Any] = {
                "Effect": effect,
                "Principal": {"AWS": principals},
                "Action": "sts:AssumeRole",
            }
            if condition:
                statement["Condition"] = condition
            statements.append(statement)
        roles.append(
            InventoryRole(
                Role(
                    _role_arn(name),
                    _policy(statements),
                    unique_id=f"AROA{name.upper()}EXAMPLE000001",
                ),
                policies=_identity(draw(identity_choices)),
            )
        )
    organization = None
    if draw(st.booleans()):
        scp = _policy(
            [{"Effect": "Allow", "Action": "*", "Resource": "*"},
             {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
              "Condition": {"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}}],
            PolicyKind.SCP,
        )  # fmt: skip
        organization = Organization(ORG, "r-ab12", units=[OrgUnit("ou-ab12-11111111", "r-ab12", scps=[scp])],
                                    accounts={A: "ou-ab12-11111111", B: "r-ab12"})  # fmt: skip
    return Inventory.build(users=users, roles=roles, organization=organization)


def _callers(inventory: Inventory) -> list[tuple[Any, str, str]]:
    """Every principal of the inventory as (caller, answer key for its generic form, session key)."""
    out: list[tuple[Any, str, str]] = [(user, user.arn, user.arn) for user in inventory.users]
    for entry in inventory.roles:
        session = entry.session()
        out.append((session, entry.arn, entry.arn))
        named = entry.session("ci-7")
        out.append((named, entry.arn, named.session_arn))
    return out


@settings(max_examples=150, deadline=None)
@given(inventories(), st.lists(st.sampled_from(VARIANTS), min_size=6, max_size=6))
def test_who_can_agrees_with_brute_force(
    inventory: Inventory, variants: list[dict[str, Any]]
) -> None:
    """Request variants of every principal: allowed exactly when the answer says so."""
    variants = [dict.fromkeys(VARIANTS[0]), *variants]  # the plain call, and six others
    for entry in inventory.roles:
        result = who_can_assume(inventory, entry.arn)
        answers = {a.principal: a for a in result.principals}
        for caller, generic, specific in _callers(inventory):
            answer = answers.get(specific) or (
                answers.get(generic) if specific == generic else None
            )
            if (
                answer is None
                and specific != generic
                and not _named_session_principal(entry, specific)
            ):
                answer = answers.get(generic)
            assert answer is None or answer.access is not Access.UNDETERMINED
            for variant in variants:
                expected = check_action(caller, entry.role, "sts:AssumeRole", **variant).allowed
                context = build_request(caller, entry.role, **variant).context
                got = answer is not None and answer.allows(context)
                assert got is expected, (caller, entry.role.trust_policy.to_dict(), variant, answer)


def _named_session_principal(entry: Any, session_arn: str) -> bool:
    return any(
        session_arn in (statement.principal.aws if statement.principal else ())
        for statement in entry.role.trust_policy.statements
    )


@settings(max_examples=60, deadline=None)
@given(inventories())
def test_reach_follows_who_can_edges(inventory: Inventory) -> None:
    """The reverse index finds every edge the forward one does: reach = search over who-can."""
    edges: dict[str, set[str]] = {}
    for entry in inventory.roles:
        for answer in who_can_assume(inventory, entry.arn).principals:
            if answer.kind != "session" and answer.access is not Access.UNDETERMINED:
                edges.setdefault(answer.principal, set()).add(entry.arn)
    for start in [u.arn for u in inventory.users] + [r.arn for r in inventory.roles]:
        seen: set[str] = set()
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for role in edges.get(node, ()):
                if role not in seen and role != start:
                    seen.add(role)
                    frontier.append(role)
        reached = reachable_from(inventory, start)
        assert {r.role_arn for r in reached.reached} == seen
        for item in reached.reached:
            assert item.path[0].principal == start
            assert item.path[-1].role_arn == item.role_arn


# --------------------------------------------------------------------------- reach and CLI


def test_reach_chains_roles_and_keeps_residuals() -> None:
    allow_all = _policy(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    first = Role(
        f"arn:aws:iam::{A}:role/first", _policy([_allow({"AWS": f"arn:aws:iam::{A}:user/u"})])
    )
    second = Role(
        f"arn:aws:iam::{B}:role/second",
        _policy(
            [
                _allow(
                    {"AWS": f"arn:aws:iam::{A}:role/first"},
                    {"StringEquals": {"sts:ExternalId": "e1"}},
                )
            ]
        ),
    )
    inventory = Inventory.build(
        users=[IamUser(f"arn:aws:iam::{A}:user/u")],
        roles=[InventoryRole(first, policies=[allow_all]), InventoryRole(second)],
    )
    result = reachable_from(inventory, f"arn:aws:iam::{A}:user/u")
    assert [r.role_arn for r in result.reached] == [first.arn, second.arn]
    path = result.reached[1].path
    assert [str(step) for step in path] == [
        f"arn:aws:iam::{A}:user/u → {first.arn}",
        f"{first.arn} → {second.arn} if StringEquals sts:ExternalId = 'e1'",
    ]
    assert result.reached[1].conditional
    assert not result.reached[0].conditional
    with pytest.raises(InventoryError):
        reachable_from(inventory, f"arn:aws:iam::{A}:user/nobody")


def _cli(argv: list[str]) -> int:
    return cli_main(argv)


def test_cli_who_can_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    dump = str(DATA / "authorization-details.json")
    role = "arn:aws:iam::111122223333:role/audit"
    assert _cli(["who-can", role, "--inventory", dump]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[:2] == [
        f"who can assume {role}",
        "  user arn:aws:iam::111122223333:user/bob: allowed if Bool aws:MultiFactorAuthPresent = 'true'",
    ]
    assert _cli(["who-can", role, "--inventory", dump, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["principals"][0]["access"] == "conditional"
    assert data["principals"][0]["residual"] == [
        [
            {
                "operator": "Bool",
                "key": "aws:MultiFactorAuthPresent",
                "values": ["true"],
                "holds": True,
            }
        ]
    ]


def test_cli_reach_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    dump = str(DATA / "authorization-details.json")
    assert (
        _cli(
            ["reach", "arn:aws:iam::111122223333:user/bob", "--inventory", dump, "--format", "json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [r["role"] for r in data["reached"]] == ["arn:aws:iam::111122223333:role/audit"]
    assert _cli(["who-can", "arn:aws:iam::111122223333:role/none", "--inventory", dump]) == 2
    assert "no role" in capsys.readouterr().err
    assert (
        _cli(["reach", "arn:aws:iam::111122223333:user/bob", "--inventory", "/nonexistent.json"])
        == 2
    )


def test_identity_patterns_are_found_through_their_resource_prefix() -> None:
    """A wildcard resource is indexed by its literal resource prefix; a "*" earlier in the ARN
    may still take in a colon of the role's path (paths allow any printable ASCII). The pattern
    names an IAM resource type, as IAM requires of an identity policy's IAM resources."""
    role = Role(f"arn:aws:iam::{A}:role/a:role/b/x", _policy([_allow({"AWS": A})]))
    other = Role(f"arn:aws:iam::{A}:role/team-1", _policy([_allow({"AWS": A})]))
    users = [
        IamUser(f"arn:aws:iam::{A}:user/colon", policies=[_policy(
            [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/b/x"}],
            PolicyKind.IDENTITY)]),
        IamUser(f"arn:aws:iam::{A}:user/team", policies=[_policy(
            [{"Effect": "Allow", "Action": "sts:*", "Resource": "arn:aws:iam::*:role/team-*"}], PolicyKind.IDENTITY)]),
    ]  # fmt: skip
    inventory = Inventory.build(users=users, roles=[role, other])
    assert [a.principal for a in who_can_assume(inventory, role.arn).principals] == [users[0].arn]
    assert [a.principal for a in who_can_assume(inventory, other.arn).principals] == [users[1].arn]
    for user, target in ((users[0], role), (users[1], other)):
        assert check_action(user, target, "sts:AssumeRole").allowed


def test_a_provider_the_inventory_does_not_list_is_noted() -> None:
    trust = _policy([{"Effect": "Allow", "Principal": {"Federated": GITHUB},
                      "Action": "sts:AssumeRoleWithWebIdentity",
                      "Condition": {"StringLike": {f"{GITHUB.rsplit('/', 1)[1]}:sub": "repo:acme/*"}}}])  # fmt: skip
    role = Role(f"arn:aws:iam::{A}:role/gh", trust)
    other = f"arn:aws:iam::{A}:oidc-provider/gitlab.com"
    (listed,) = who_can_assume(
        Inventory.build(roles=[role], oidc_providers=[GITHUB]), role.arn
    ).classes
    assert listed.notes == ()
    (missing,) = who_can_assume(
        Inventory.build(roles=[role], oidc_providers=[other]), role.arn
    ).classes
    assert "lists no such provider" in missing.notes[0]
    (unknown,) = who_can_assume(Inventory.build(roles=[role]), role.arn).classes
    assert unknown.notes == ()  # no provider listed for the account: nothing known either way


def test_a_role_sessions_userid_depends_on_its_name_and_stays_residual() -> None:
    """aws:userid of a session is ROLEID:SESSIONNAME (docs/semantics.md §6.1): the role alone does not fix it."""
    allow_all = _policy(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}], PolicyKind.IDENTITY
    )
    target = Role(
        f"arn:aws:iam::{A}:role/target",
        _policy([_allow({"AWS": A}, {"StringLike": {"aws:userid": "*:ci-*"}})]),
    )
    ci = InventoryRole(Role(f"arn:aws:iam::{A}:role/ci", _policy([_allow({"Service": "ec2.amazonaws.com"})]),
                            unique_id="AROACIEXAMPLE00000001"), policies=[allow_all])  # fmt: skip
    (answer,) = who_can_assume(Inventory.build(roles=[target, ci]), target.arn).principals
    assert answer.principal == ci.arn
    assert str(answer.residual) == "StringLike aws:userid = '*:ci-*'"
    for name, allowed in (("ci-42", True), ("adhoc", False)):
        session = ci.session(name)
        assert answer.allows(build_request(session, target).context) is allowed
        assert check_action(session, target, "sts:AssumeRole").allowed is allowed


def test_a_shared_evaluator_answers_each_role_as_a_fresh_one_would() -> None:
    """Residual literals keep each pair's own order and key spelling, whatever was asked before.

    An inventory's evaluator is kept across queries (and ``who-can --all`` answers a whole
    partition with one): the first role's clause on ``sts:externalid`` must not lend its
    spelling, nor its earlier atom number, to the second role's ``sts:ExternalId``.
    """
    alice = IamUser(_user_arn("alice"))
    first = Role(
        _role_arn("first"),
        _policy([_allow({"AWS": alice.arn}, {"StringEquals": {"sts:externalid": "x-1"}})]),
    )
    second = Role(
        _role_arn("second"),
        _policy([_allow({"AWS": alice.arn}, {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                              "StringEquals": {"sts:ExternalId": "x-1"}})]),
    )  # fmt: skip

    def inventory() -> Inventory:
        return Inventory.build(users=[alice], roles=[first, second])

    fresh = who_can_assume(inventory(), second.arn)
    (answer,) = fresh.principals
    assert str(answer.residual) == (
        "Bool aws:MultiFactorAuthPresent = 'true' and StringEquals sts:ExternalId = 'x-1'"
    )
    shared = inventory()
    who_can_assume(shared, first.arn)
    assert who_can_assume(shared, second.arn).to_dict() == fresh.to_dict()
    assert who_can_assume(shared, second.arn).to_text() == fresh.to_text()
