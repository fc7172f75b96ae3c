"""Organizations as AWS applies them: SCPs, RCPs and the keys resource perimeters need.

The table runs AWS's published example RCPs and SCPs for STS (written after
aws-samples/data-perimeter-policy-examples and aws-samples/resource-control-policy-examples;
tests/data/organizations/aws_examples.json says which file each comes from) against callers
inside and outside one organisation: IAM principals, the management account, services, OIDC
callers and service-linked roles. Each expected outcome is the one the example's documentation
describes; each rule of the Organizations user guide the table rests on also has its own test
below (see docs/organizations.md).

The organisation::

    o-a1b2c3d4e5 / r-ab12
      ├── management account 999988887777
      ├── ou-ab12-11111111 (workloads): 111122223333, 222233334444
      └── ou-ab12-22222222 (restricted): 333344445555
    not members: 444455556666 (a trusted third party), 777788889999 (a stranger)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import trustsim as ts
from trustsim.inventory import InventoryError
from trustsim.parsing import parse_policy
from trustsim.strategies import github_runs

DATA = json.loads(
    (Path(__file__).parents[1] / "data" / "organizations" / "aws_examples.json").read_text("utf-8")
)
ORG_ID, ROOT = "o-a1b2c3d4e5", "r-ab12"
WORKLOADS, RESTRICTED = "ou-ab12-11111111", "ou-ab12-22222222"
MANAGEMENT, APP, DATA_ACCOUNT, LOCKED = (
    "999988887777",
    "111122223333",
    "222233334444",
    "333344445555",
)
THIRD_PARTY, STRANGER = "444455556666", "777788889999"
GITHUB = "token.actions.githubusercontent.com"
GOOGLE = "accounts.google.com"


def example(name: str) -> ts.Policy:
    kind = "scp" if name.endswith("_scp") else "rcp"
    return parse_policy(DATA[name]["policy"], kind=kind, origin=f"{name} ({DATA[name]['source']})")


def organization(
    *, rcps: tuple[ts.Policy, ...] = (), scps: tuple[ts.Policy, ...] = ()
) -> ts.Organization:
    return ts.Organization(
        ORG_ID,
        ROOT,
        management_account=MANAGEMENT,
        root_rcps=rcps,
        root_scps=scps,
        units=[ts.OrgUnit(WORKLOADS, ROOT), ts.OrgUnit(RESTRICTED, ROOT)],
        accounts={APP: WORKLOADS, DATA_ACCOUNT: WORKLOADS, LOCKED: RESTRICTED},
    )


def trust_everyone_needed(account: str) -> ts.Policy:
    """A trust policy that lets every caller of the table in, so the organisation decides."""
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": [MANAGEMENT, APP, DATA_ACCOUNT, LOCKED, THIRD_PARTY, STRANGER]
                    },
                    "Action": "sts:AssumeRole",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "events.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{GITHUB}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringLike": {f"{GITHUB}:sub": "repo:*"}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": [GOOGLE, f"arn:aws:iam::{account}:oidc-provider/gitlab.com"]
                    },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                },
            ],
        }
    )


def role(org: ts.Organization, account: str, name: str = "target", **fields: Any) -> ts.Role:
    return ts.Role(
        f"arn:aws:iam::{account}:role/{name}",
        trust_everyone_needed(account),
        org=org.membership(account),
        **fields,
    )


def allow_assume() -> ts.Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
        },
        kind="identity",
    )


def user(org: ts.Organization, account: str, name: str = "alice") -> ts.IamUser:
    return ts.IamUser(
        f"arn:aws:iam::{account}:user/{name}",
        policies=[allow_assume()],
        org=org.membership(account),
    )


def service(name: str = "lambda.amazonaws.com", **source: str) -> ts.ServicePrincipal:
    return ts.ServicePrincipal(name, **source)


def github(repo: str = "acme/app", **options: Any) -> ts.WebIdentity:
    return ts.GitHubActions(repo, branch="main", **options)


# --------------------------------------------------------------------------- the table

IDENTITY = "identity_perimeter_rcp"
SERVICES = "service_principals_rcp"
OU_BOUNDARY = "ou_boundary_rcp"
GITHUB_OWNER = "github_owner_rcp"
ALLOW, EXPLICIT = ts.Decision.ALLOW, ts.Decision.EXPLICIT_DENY

#: (example RCP, caller builder, role account, role fields, expected decision, why)
RCP_TABLE: list[tuple[str, str, Any, str, Mapping[str, Any], ts.Decision]] = [
    # Identity perimeter: only principals of the organisation (or a listed partner).
    (IDENTITY, "same-account principal", lambda o: user(o, APP), APP, {}, ALLOW),
    (IDENTITY, "principal of another member", lambda o: user(o, DATA_ACCOUNT), APP, {}, ALLOW),
    (IDENTITY, "management account principal", lambda o: user(o, MANAGEMENT), APP, {}, ALLOW),
    (IDENTITY, "listed third-party account", lambda o: user(o, THIRD_PARTY), APP, {}, ALLOW),
    (IDENTITY, "principal outside the org", lambda o: user(o, STRANGER), APP, {}, EXPLICIT),
    (
        IDENTITY,
        "outsider, role tagged dp:exclude:identity",
        lambda o: user(o, STRANGER),
        APP,
        {"tags": {"dp:exclude:identity": "true"}},
        ALLOW,
    ),
    (
        IDENTITY,
        "outsider, role in the management account",
        lambda o: user(o, STRANGER),
        MANAGEMENT,
        {},
        ALLOW,
    ),
    # Services: exempt from the identity statement; the confused-deputy statement fences them.
    (IDENTITY, "service without source keys", lambda o: service(), APP, {}, ALLOW),
    (
        IDENTITY,
        "service on behalf of an org account",
        lambda o: service(source_account=APP, source_org_id=ORG_ID),
        APP,
        {},
        ALLOW,
    ),
    (
        IDENTITY,
        "service on behalf of the partner",
        lambda o: service(source_account=THIRD_PARTY),
        APP,
        {},
        ALLOW,
    ),
    (
        IDENTITY,
        "service on behalf of a stranger",
        lambda o: service(source_account=STRANGER),
        APP,
        {},
        EXPLICIT,
    ),
    (
        IDENTITY,
        "service on behalf of a stranger, service-linked role target",
        lambda o: service("events.amazonaws.com", source_account=STRANGER),
        APP,
        {"name": "aws-service-role/events.amazonaws.com/AWSServiceRoleForEvents"},
        ALLOW,
    ),
    (
        IDENTITY,
        "outsider's service-linked role session",
        lambda o: ts.RoleSession(
            f"arn:aws:iam::{STRANGER}:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps",
            "slr",
            policies=[allow_assume()],
        ),
        APP,
        {},
        ALLOW,
    ),
    # OIDC: trusted providers only, and only the organisation's tenant of the shared issuer.
    (IDENTITY, "GitHub run of the trusted repository", lambda o: github(), APP, {}, ALLOW),
    (IDENTITY, "GitHub run of another repository", lambda o: github("evil/app"), APP, {}, EXPLICIT),
    (
        IDENTITY,
        "Google identity (trusted provider)",
        lambda o: ts.GoogleIdentity("1234567890", audience="my-app.apps.googleusercontent.com"),
        APP,
        {},
        ALLOW,
    ),
    (
        IDENTITY,
        "GitLab token (untrusted provider)",
        lambda o: ts.WebIdentity(
            f"arn:aws:iam::{APP}:oidc-provider/gitlab.com",
            {"sub": "project_path:acme/app:ref_type:branch:ref:main"},
        ),
        APP,
        {},
        EXPLICIT,
    ),
    # The service-principal RCP of resource-control-policy-examples.
    (
        SERVICES,
        "service on behalf of an org account",
        lambda o: service(source_account=APP, source_org_id=ORG_ID),
        APP,
        {},
        ALLOW,
    ),
    (
        SERVICES,
        "service on behalf of a stranger",
        lambda o: service(source_account=STRANGER),
        APP,
        {},
        EXPLICIT,
    ),
    (
        SERVICES,
        "IAM principal outside the org (not a service)",
        lambda o: user(o, STRANGER),
        APP,
        {},
        ALLOW,
    ),
    # Intra-organisation boundary: roles in the restricted OU, only for principals of that OU.
    (
        OU_BOUNDARY,
        "principal of the restricted OU",
        lambda o: user(o, LOCKED, "bob"),
        LOCKED,
        {},
        ALLOW,
    ),
    (OU_BOUNDARY, "principal of another OU", lambda o: user(o, APP), LOCKED, {}, EXPLICIT),
    (OU_BOUNDARY, "outsider", lambda o: user(o, STRANGER), LOCKED, {}, EXPLICIT),
    (
        OU_BOUNDARY,
        "another OU's principal, role outside the OU",
        lambda o: user(o, APP),
        DATA_ACCOUNT,
        {},
        ALLOW,
    ),
    (OU_BOUNDARY, "service", lambda o: service(), LOCKED, {}, ALLOW),
    # GitHub's provider-specific key: only runs of the organisation's GitHub owner.
    (
        GITHUB_OWNER,
        "run of the owner, ID in the token",
        lambda o: github(owner_id=5551234),
        APP,
        {},
        ALLOW,
    ),
    (GITHUB_OWNER, "run of another owner", lambda o: github(owner_id=999), APP, {}, EXPLICIT),
    (
        GITHUB_OWNER,
        "run whose token was built without owner_id",
        lambda o: github(),
        APP,
        {},
        EXPLICIT,
    ),
    (
        GITHUB_OWNER,
        "a Google identity (no GitHub sub)",
        lambda o: ts.GoogleIdentity("1234567890", audience="a.apps.googleusercontent.com"),
        APP,
        {},
        ALLOW,
    ),
]


@pytest.mark.parametrize(
    ("policy", "who", "build", "account", "fields", "expected"),
    RCP_TABLE,
    ids=[f"{row[0]}: {row[1]}" for row in RCP_TABLE],
)
def test_aws_example_rcps_decide_as_documented(
    policy: str,
    who: str,
    build: Any,
    account: str,
    fields: Mapping[str, Any],
    expected: ts.Decision,
) -> None:
    org = organization(rcps=(example(policy),))
    name = fields.get("name", "target")
    target = role(org, account, name, **{k: v for k, v in fields.items() if k != "name"})
    caller = build(org)
    outcome = ts.assume_role(caller, target)
    assert outcome.decision is expected, outcome.explain().to_text()
    if expected is EXPLICIT:
        assert outcome.side == "rcp", outcome.reason
    # The same organisation without the example: every caller of the table is let in, so it is
    # the example that decided.
    bare = role(organization(), account, name, **{k: v for k, v in fields.items() if k != "name"})
    assert ts.assume_role(caller, bare).allowed, who


RESOURCE_PERIMETER = "resource_perimeter_scp"

#: (caller account, role account, role in an organisation, expected)
SCP_TABLE = [
    ("same account", APP, APP, True, ALLOW),
    ("another member account", APP, DATA_ACCOUNT, True, ALLOW),
    ("the management account's role", APP, MANAGEMENT, True, ALLOW),
    ("a role outside the organisation", APP, STRANGER, False, EXPLICIT),
    ("management account caller, role outside", MANAGEMENT, STRANGER, False, ALLOW),
]


@pytest.mark.parametrize(
    ("what", "caller_account", "role_account", "in_org", "expected"),
    SCP_TABLE,
    ids=[row[0] for row in SCP_TABLE],
)
def test_aws_resource_perimeter_scp_reads_the_role_organisation(
    what: str, caller_account: str, role_account: str, in_org: bool, expected: ts.Decision
) -> None:
    """The SCP denies unless aws:ResourceOrgID is the organisation's: it must be derived from
    the role's organisation (it used to be absent, so every call was denied)."""
    org = organization(scps=(ts.FULL_AWS_ACCESS, example(RESOURCE_PERIMETER)))
    caller = user(org, caller_account)
    target = (
        role(org, role_account)
        if in_org
        else ts.Role(
            f"arn:aws:iam::{role_account}:role/target", trust_everyone_needed(role_account)
        )
    )
    outcome = ts.assume_role(caller, target)
    assert outcome.decision is expected, (what, outcome.explain().to_text())
    if expected is EXPLICIT:
        assert outcome.side == "scp"


# --------------------------------------------------------------------------- rule by rule


def test_resource_org_keys_come_from_the_role_organisation() -> None:
    """aws:ResourceOrgID, aws:ResourceOrgPaths (multi-valued) and aws:ResourceAccount."""
    org = organization()
    context = ts.build_request(service(), role(org, LOCKED)).context
    assert context["aws:ResourceOrgID"] == (ORG_ID,)
    assert context["aws:ResourceOrgPaths"] == (f"{ORG_ID}/{ROOT}/{RESTRICTED}/",)
    assert context.is_multivalued("aws:ResourceOrgPaths")
    assert context["aws:ResourceAccount"] == (LOCKED,)
    outside = ts.build_request(
        service(), ts.Role(f"arn:aws:iam::{STRANGER}:role/r", trust_everyone_needed(STRANGER))
    )
    assert "aws:ResourceOrgID" not in outside.context
    assert "aws:ResourceOrgPaths" not in outside.context
    assert outside.context["aws:ResourceAccount"] == (STRANGER,)


def test_rcp_full_aws_access_is_on_every_level_and_only_denies_bite() -> None:
    """RCP evaluation: RCPFullAWSAccess cannot be detached; a level whose only customer RCP
    denies something unrelated (or an empty level) lets everything through."""
    unrelated = parse_policy(
        {"Version": "2012-10-17",
         "Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}},
        kind="rcp",
    )  # fmt: skip
    org = ts.Organization(
        ORG_ID,
        ROOT,
        units=[ts.OrgUnit(WORKLOADS, ROOT, rcps=[unrelated])],
        accounts={APP: WORKLOADS},
    )
    member = org.member(APP)
    assert [level[0] for level in member.rcps] == [ts.RCP_FULL_AWS_ACCESS] * 3
    assert ts.assume_role(user(org, STRANGER), role(org, APP)).allowed


def test_a_customer_rcp_that_allows_is_refused_with_the_pages_words() -> None:
    """RCP syntax: "The effect of Allow is only supported for the RCPFullAWSAccess policy"."""
    document = {"Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:*", "Resource": "*"}}  # fmt: skip
    with pytest.raises(ts.InvalidPolicy) as refused:
        parse_policy(document, kind="rcp")
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer) == ("RCP_ALLOW", "/Statement/Effect")
    assert (
        "The effect of Allow is only supported for the RCPFullAWSAccess policy" in problem.message
    )
    assert problem.aws_says.startswith("MalformedPolicyException")
    # The managed policy's own document loads (a dump of attached RCPs holds it).
    full = parse_policy(ts.RCP_FULL_AWS_ACCESS.to_dict(), kind="rcp")
    assert full == ts.RCP_FULL_AWS_ACCESS
    # Hand-built, it is refused when placed in an organisation or a membership.
    allowing = ts.Policy(
        (
            ts.Statement(
                ts.Effect.ALLOW,
                principal=ts.Principal(star=True),
                action=("sts:*",),
                resource=("*",),
            ),
        ),
        version="2012-10-17",
        kind=ts.PolicyKind.RCP,
    )
    with pytest.raises(InventoryError, match="only supported for the RCPFullAWSAccess"):
        ts.Organization(ORG_ID, ROOT, root_rcps=[allowing])
    with pytest.raises(ts.InvalidCaller, match="only supported for the RCPFullAWSAccess"):
        ts.OrgMembership(ORG_ID, rcps=[[allowing]])


def test_a_service_linked_role_target_is_not_subject_to_rcps() -> None:
    """ "The service-linked role's trust policy is also not impacted by RCPs"."""
    deny_all = parse_policy(
        {"Version": "2012-10-17",
         "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"}},
        kind="rcp",
    )  # fmt: skip
    org = organization(rcps=(deny_all,))
    slr = role(org, APP, "aws-service-role/events.amazonaws.com/AWSServiceRoleForEvents")
    assert ts.assume_role(service("events.amazonaws.com"), slr).allowed
    plain = ts.assume_role(service("events.amazonaws.com"), role(org, APP))
    assert (plain.decision, plain.side) == (EXPLICIT, "rcp")


def test_rcps_never_restrict_the_management_account_scps_never_its_principals() -> None:
    deny_all = parse_policy(
        {"Version": "2012-10-17",
         "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"}},
        kind="rcp",
    )  # fmt: skip
    deny_scp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Action": "sts:*", "Resource": "*"},
        },
        kind="scp",
    )
    org = organization(rcps=(deny_all,), scps=(ts.FULL_AWS_ACCESS, deny_scp))
    assert ts.assume_role(user(org, STRANGER), role(org, MANAGEMENT)).allowed
    assert ts.assume_role(
        user(org, MANAGEMENT),
        ts.Role(f"arn:aws:iam::{STRANGER}:role/r", trust_everyone_needed(STRANGER)),
    ).allowed
    assert ts.assume_role(user(org, APP), role(org, DATA_ACCOUNT)).decision is EXPLICIT


def test_a_federated_caller_under_an_rcp_testing_the_service_key_is_flagged() -> None:
    """Reading 12 (docs/semantics.md): aws:PrincipalIsAWSService for an unsigned web-identity
    call is read as absent; where an RCP statement tests it without IfExists, that reading
    decides."""
    rcp = parse_policy(
        {"Version": "2012-10-17", "Statement": {
            "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
            "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "false"}}}},
        kind="rcp",
    )  # fmt: skip
    org = organization(rcps=(rcp,))
    outcome = ts.assume_role(github(), role(org, APP))
    assert outcome.allowed  # the key is absent, so the Deny does not apply
    notes = [d for d in outcome.errors if d.code == "UNCERTAIN_SEMANTICS"]
    assert len(notes) == 1
    assert "aws:PrincipalIsAWSService" in notes[0].message
    assert notes[0].policy == "RCP root r-ab12 level, policy 1"
    # An IAM caller gets no such note: its key is documented.
    iam = ts.assume_role(user(org, APP), role(org, APP))
    assert not [d for d in iam.errors if d.code == "UNCERTAIN_SEMANTICS"]


def test_a_github_run_without_its_id_claims_says_so() -> None:
    org = organization(rcps=(example(GITHUB_OWNER),))
    outcome = ts.assume_role(github(), role(org, APP))
    assert outcome.decision is EXPLICIT
    [note] = [d for d in outcome.errors if d.code == "CLAIM_NOT_GIVEN"]
    assert "repository_owner_id" in note.message
    assert "owner_id=" in note.message
    given = ts.assume_role(github(owner_id=5551234, repository_id=42), role(org, APP))
    assert given.allowed
    assert not [d for d in given.errors if d.code == "CLAIM_NOT_GIVEN"]


def test_same_account_callers_without_an_org_are_under_the_roles_organisation_scps() -> None:
    deny_scp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Action": "sts:*", "Resource": "*"},
        },
        kind="scp",
    )
    org = organization(scps=(ts.FULL_AWS_ACCESS, deny_scp))
    bare = ts.IamUser(f"arn:aws:iam::{APP}:user/alice", policies=[allow_assume()])
    outcome = ts.assume_role(bare, role(org, APP))
    assert (outcome.decision, outcome.side) == (EXPLICIT, "scp")
    assert [d.code for d in outcome.errors] == ["ORG_FROM_ROLE"]
    # From another account, the role's SCPs never restrict the caller (SCPs restrict the
    # principals of member accounts).
    other = ts.IamUser(f"arn:aws:iam::{STRANGER}:user/alice", policies=[allow_assume()])
    assert ts.assume_role(other, role(org, APP)).allowed


def test_levels_are_named_by_the_account_path() -> None:
    gap = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        },
        kind="scp",
    )
    org = ts.Organization(
        ORG_ID, ROOT, units=[ts.OrgUnit(WORKLOADS, ROOT, scps=[gap])], accounts={APP: WORKLOADS}
    )
    outside = ts.Role(f"arn:aws:iam::{STRANGER}:role/r", trust_everyone_needed(STRANGER))
    outcome = ts.assume_role(user(org, APP), outside)
    assert outcome.reason.startswith(
        f"no SCP at the OU {WORKLOADS} level of the caller's organisation"
    )


def test_an_organisation_is_checked_when_built() -> None:
    scp = ts.FULL_AWS_ACCESS
    with pytest.raises(InventoryError, match="is a scp policy, not an RCP"):
        ts.Organization(ORG_ID, ROOT, root_rcps=[scp])
    trust = trust_everyone_needed(APP)
    with pytest.raises(InventoryError, match="is a trust policy, not an SCP"):
        ts.Organization(ORG_ID, ROOT, root_scps=[trust])
    with pytest.raises(InventoryError, match="not a valid OU ID"):
        ts.Organization(ORG_ID, ROOT, units=[ts.OrgUnit("ou-1", ROOT)])
    with pytest.raises(TypeError, match="must be a Policy"):
        ts.Organization(ORG_ID, ROOT, root_scps=["deny.json"])  # type: ignore[list-item]
    # Memberships built by hand: levels of the right kind, one per part of the path.
    with pytest.raises(ts.InvalidCaller, match=r"scps\[0\]\[0\]: expected an SCP, got an RCP"):
        ts.OrgMembership(ORG_ID, scps=[[ts.RCP_FULL_AWS_ACCESS]])
    with pytest.raises(ts.InvalidCaller, match="has 3 levels but the path"):
        ts.OrgMembership(ORG_ID, paths=[f"{ORG_ID}/{ROOT}/"], scps=[[scp], [scp], [scp]])
    with pytest.raises(TypeError, match=r"rcps\[0\]\[0\]: expected a trustsim.Policy, got str"):
        ts.OrgMembership(ORG_ID, rcps=[["p"]])  # type: ignore[list-item]
    # The management account is placed under the root when not placed.
    assert ts.Organization(ORG_ID, ROOT, management_account=MANAGEMENT).member(
        MANAGEMENT
    ).paths == (f"{ORG_ID}/{ROOT}/",)


# --------------------------------------------------------------------------- scenario files, CLI


def _scenario_file(tmp_path: Path, scenarios: list[dict[str, Any]]) -> Path:
    (tmp_path / "org-only.json").write_text(json.dumps(DATA[IDENTITY]["policy"]), "utf-8")
    (tmp_path / "trust.json").write_text(json.dumps(trust_everyone_needed(APP).to_dict()), "utf-8")
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(scenarios), "utf-8")
    return path


def _org_block(**extra: Any) -> dict[str, Any]:
    return {
        "id": ORG_ID,
        "root": ROOT,
        "management_account": MANAGEMENT,
        "rcps": ["org-only.json"],
        "units": [{"id": WORKLOADS, "parent": ROOT}],
        "accounts": {APP: WORKLOADS, DATA_ACCOUNT: {"parent": WORKLOADS}},
        **extra,
    }


def _user_spec(account: str) -> dict[str, Any]:
    return {
        "kind": "user",
        "arn": f"arn:aws:iam::{account}:user/alice",
        "identity_policies": [allow_assume().to_dict()],
    }


def _scenario(name: str, caller: Any, expected: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "role": {"arn": f"arn:aws:iam::{APP}:role/target", "trust_policy": "trust.json"},
        "caller": caller,
        "action": "sts:AssumeRole",
        "expected": expected,
        **fields,
    }


def test_a_scenario_organization_block_places_caller_and_role(tmp_path: Path) -> None:
    path = _scenario_file(
        tmp_path,
        [
            _scenario("member", _user_spec(DATA_ACCOUNT), "Allow", organization=_org_block()),
            _scenario("stranger", _user_spec(STRANGER), "ExplicitDeny", organization=_org_block()),
            _scenario(
                "member by spec",
                f"arn:aws:iam::{DATA_ACCOUNT}:role/ci#run",
                "ImplicitDeny",  # a session with no identity policy, cross-account
                organization=_org_block(),
            ),
        ],
    )
    results = [scenario.run() for scenario in ts.load_scenarios(path)]
    assert [r.passed for r in results] == [True, True, True], [r.report() for r in results]
    member = results[0].scenario
    placed = member.caller().org  # type: ignore[union-attr]
    assert placed is not None
    assert placed.paths == organization().member(DATA_ACCOUNT).paths
    assert [len(level) for level in placed.rcps] == [2, 1, 1]  # RCPFullAWSAccess + org-only
    assert member.role().org is not None
    spec_caller = results[2].scenario.caller()
    assert isinstance(spec_caller, ts.RoleSession)
    assert spec_caller.org is not None
    assert spec_caller.org.org_id == ORG_ID


def test_scenario_rcps_need_the_roles_org_and_decide(tmp_path: Path) -> None:
    role_spec = {
        "arn": f"arn:aws:iam::{APP}:role/target",
        "trust_policy": "trust.json",
        "org_id": ORG_ID,
        "org_paths": [f"{ORG_ID}/{ROOT}/"],
    }
    stranger = _scenario(
        "stranger", _user_spec(STRANGER), "ExplicitDeny", rcps=[["org-only.json"], []]
    )
    stranger["role"] = role_spec
    path = _scenario_file(tmp_path, [stranger])
    [result] = [scenario.run() for scenario in ts.load_scenarios(path)]
    assert result.passed, result.report()
    assert result.outcome is not None
    assert result.outcome.determined_by[0].policy == "RCP root r-ab12 level, policy 0"
    context = ts.build_request(result.scenario.caller(), result.scenario.role()).context
    assert context["aws:ResourceOrgID"] == (ORG_ID,)
    no_org = _scenario("no org", _user_spec(STRANGER), "ExplicitDeny", rcps=[["org-only.json"]])
    with pytest.raises(ts.MalformedScenario, match="rcps need the role's org_id"):
        ts.load_scenarios(_scenario_file(tmp_path, [no_org]))


@pytest.mark.parametrize(
    ("fields", "pointer", "message"),
    [
        ({"scps": [[]]}, "/0/scps", "give scps in it"),
        ({"rcps": [[]]}, "/0/rcps", "give rcps in it"),
        ({"caller": {**_user_spec(APP), "org_id": ORG_ID}}, "/0/caller/org_id", "drop its org_id"),
        (
            {"organization": {"id": ORG_ID, "root": ROOT, "rcp": []}},
            "/0/organization/rcp",
            "unknown field",
        ),
    ],
)
def test_a_scenario_organization_block_refuses_what_it_would_hide(
    tmp_path: Path, fields: dict[str, Any], pointer: str, message: str
) -> None:
    scenario = _scenario("s", _user_spec(APP), "Allow", organization=_org_block())
    scenario.update(fields)
    with pytest.raises(ts.MalformedScenario, match=message) as refused:
        ts.load_scenarios(_scenario_file(tmp_path, [scenario]))
    assert refused.value.pointer == pointer


def test_a_scenario_organization_that_cannot_exist_is_an_error(tmp_path: Path) -> None:
    allow_rcp = {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:*", "Resource": "*"}}  # fmt: skip
    bad_policy = _scenario(
        "allow rcp", _user_spec(APP), "Allow", organization=_org_block(rcps=[allow_rcp])
    )
    cycle = _scenario(
        "cycle",
        _user_spec(APP),
        "Allow",
        organization=_org_block(units=[{"id": WORKLOADS, "parent": "ou-ab12-33333333"},
                                       {"id": "ou-ab12-33333333", "parent": WORKLOADS}]),
    )  # fmt: skip
    results = [s.run() for s in ts.load_scenarios(_scenario_file(tmp_path, [bad_policy, cycle]))]
    assert [r.decision for r in results] == ["InvalidPolicy", "Error"]
    assert "RCP_ALLOW" in str(results[0].error)
    assert "its own ancestor" in str(results[1].error)


def test_trustsim_check_runs_organization_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trustsim.cli import main  # noqa: PLC0415 - the CLI is only what this test runs

    path = _scenario_file(
        tmp_path,
        [
            _scenario("member", _user_spec(DATA_ACCOUNT), "Allow", organization=_org_block()),
            _scenario("stranger", _user_spec(STRANGER), "Allow", organization=_org_block()),
        ],
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "::member: Allow (expected Allow)" in out
    assert "FAIL" in out
    assert "EnforceOrgIdentities" in out


def test_the_cli_takes_rcps_over_the_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trustsim.cli import main  # noqa: PLC0415 - the CLI is only what this test runs

    path = _scenario_file(tmp_path, [])
    trust, rcp = str(tmp_path / "trust.json"), str(tmp_path / "org-only.json")
    role = ["--role-arn", f"arn:aws:iam::{APP}:role/target"]
    stranger = f"arn:aws:iam::{STRANGER}:user/mallory"
    assert path.exists()
    status = main(["explain", trust, "--caller", stranger, "--caller-allowed", *role,
                   "--rcp", rcp, "--role-org-id", ORG_ID])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "ExplicitDeny" in out
    assert "RCP account level" not in out  # a single level, given alone
    status = main(["check", trust, "--caller", "service:lambda.amazonaws.com=allow",
                   "--caller", f"{stranger}=deny", "--caller-allowed", *role, "--rcp", rcp,
                   "--role-org-id", ORG_ID])  # fmt: skip
    assert status == 0, capsys.readouterr().out
    assert main(["explain", trust, "--caller", stranger, *role, "--rcp", rcp]) == 2
    assert "--rcp needs the role's organization" in capsys.readouterr().err


# --------------------------------------------------------------------------- strategies


@settings(max_examples=40, database=None, deadline=None)
@given(
    github_runs(owners=["acme"], owner_ids={"acme": 5551234}, enterprise_id=77),
    github_runs(owners=["acme"], owner_ids={"acme": 5551234}, enterprise_id=77, outside=True),
)
def test_github_runs_carry_the_id_claims_real_tokens_carry(
    ours: ts.WebIdentity, theirs: ts.WebIdentity
) -> None:
    assert ours.claims["repository_owner_id"] == "5551234"
    assert ours.claims["enterprise_id"] == "77"
    assert "repository_id" in ours.claims
    assert theirs.claims["repository_owner_id"] != "5551234"
    assert "enterprise_id" not in theirs.claims
    assert "repository_id" in theirs.claims
    # The owner RCP of the table lets ours in and keeps theirs out, with no CLAIM_NOT_GIVEN.
    org = organization(rcps=(example(GITHUB_OWNER),))
    target = role(org, APP)
    allowed, denied = ts.assume_role(ours, target), ts.assume_role(theirs, target)
    assert allowed.allowed
    assert denied.decision is EXPLICIT
    assert not [d for d in (*allowed.errors, *denied.errors) if d.code == "CLAIM_NOT_GIVEN"]


def test_notes_that_depend_on_the_callers_org_or_token_are_not_memoised() -> None:
    """The same caller ARN with and without its organisation, the same run with and without
    its owner ID, in any order: each outcome carries its own notes (the decision table is
    memoised per caller ARN, role and action; these notes are not)."""
    deny_scp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        },
        kind="scp",
    )
    org = organization(scps=(ts.FULL_AWS_ACCESS, deny_scp), rcps=(example(GITHUB_OWNER),))
    target = role(org, APP)
    bare = ts.IamUser(f"arn:aws:iam::{APP}:user/alice", policies=[allow_assume()])
    placed = user(org, APP)
    for first, second in ((bare, placed), (placed, bare)):
        codes = [[d.code for d in ts.assume_role(c, target).errors] for c in (first, second)]
        expected = [["ORG_FROM_ROLE"] if c is bare else [] for c in (first, second)]
        assert codes == expected
    given_run, bare_run = github(owner_id=5551234, repository_id=1), github()
    for run in (given_run, bare_run, given_run):
        notes = [d for d in ts.assume_role(run, target).errors if d.code == "CLAIM_NOT_GIVEN"]
        assert bool(notes) is (run is bare_run)


def test_an_organisation_block_with_a_misspelt_member_is_refused() -> None:
    """A block read from a manifest or a scenario: "rcp" would otherwise drop its RCPs."""
    from trustsim.inventory import organization_from_spec  # noqa: PLC0415 - one test uses it

    def read(item: object, kind: ts.PolicyKind, label: str) -> ts.Policy:
        return parse_policy(item, kind=kind, origin=label)

    deny = DATA[IDENTITY]["policy"]
    built = organization_from_spec(
        {"id": ORG_ID, "root": ROOT, "rcps": [deny], "accounts": {APP: {"parent": ROOT}}}, "m", read
    )
    assert len(built.member(APP).rcps[0]) == 2
    for block, member in (
        ({"id": ORG_ID, "root": ROOT, "rcp": [deny]}, "rcp"),
        (
            {"id": ORG_ID, "root": ROOT, "units": [{"id": WORKLOADS, "parent": ROOT, "scp": []}]},
            "scp",
        ),
        ({"id": ORG_ID, "root": ROOT, "accounts": {APP: {"parent": ROOT, "rcsp": []}}}, "rcsp"),
    ):
        with pytest.raises(InventoryError, match=f"unknown field\\(s\\) in .*: {member} "):
            organization_from_spec(block, "m", read)
