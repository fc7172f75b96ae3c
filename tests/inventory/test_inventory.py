"""Inventories: principals, organisation (SCPs/RCPs per level) and loading from account dumps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustsim.callers import IamUser, Role
from trustsim.decision import Decision
from trustsim.inventory import (
    FULL_AWS_ACCESS,
    RCP_FULL_AWS_ACCESS,
    Inventory,
    InventoryError,
    InventoryRole,
    Organization,
    OrgUnit,
    load_inventory,
)
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role

DATA = Path(__file__).parents[1] / "data" / "loaders"
A, B = "111122223333", "444455556666"
ORG, ROOT, OU = "o-a1b2c3d4e5", "r-ab12", "ou-ab12-11111111"


def _trust(principal: str) -> Role:
    policy = parse_policy({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}})  # fmt: skip
    return Role(f"arn:aws:iam::{A}:role/target", policy)


def _scp(effect: str) -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": effect, "Action": "sts:AssumeRole", "Resource": "*"},
        },
        kind=PolicyKind.SCP,
    )


def test_membership_walks_from_the_root_through_each_ou_to_the_account() -> None:
    deny = _scp("Deny")
    org = Organization(
        ORG,
        ROOT,
        units=[OrgUnit(OU, ROOT, scps=[deny]), OrgUnit("ou-ab12-22222222", OU)],
        accounts={A: "ou-ab12-22222222", B: ROOT},
    )
    member = org.membership(A)
    assert member is not None
    assert member.paths == (f"{ORG}/{ROOT}/{OU}/ou-ab12-22222222/",)
    # root, two OUs, the account: a level with no SCP given holds FullAWSAccess
    assert member.scps == ((FULL_AWS_ACCESS,), (deny,), (FULL_AWS_ACCESS,), (FULL_AWS_ACCESS,))
    assert member.rcps == ()  # no RCP anywhere: RCPs are not enabled
    other = org.membership(B)
    assert other is not None
    assert other.scps == ((FULL_AWS_ACCESS,), (FULL_AWS_ACCESS,))


def test_rcps_fill_levels_with_rcp_full_access_once_any_is_named() -> None:
    # RCPFullAWSAccess is on every level and cannot be detached (Organizations guide, RCP
    # evaluation): it stays next to the customer RCPs of a level, and is never doubled.
    rcp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*"},
        },
        kind=PolicyKind.RCP,
    )
    org = Organization(ORG, ROOT, accounts={A: ROOT}, account_rcps={A: (rcp,)})
    member = org.membership(A)
    assert member is not None
    assert member.rcps == ((RCP_FULL_AWS_ACCESS,), (RCP_FULL_AWS_ACCESS, rcp))
    again = Organization(
        ORG, ROOT, accounts={A: ROOT}, account_rcps={A: (RCP_FULL_AWS_ACCESS, rcp)}
    )
    assert again.member(A).rcps == member.rcps


def test_management_account_is_marked() -> None:
    org = Organization(ORG, ROOT, management_account=A, accounts={A: ROOT})
    member = org.membership(A)
    assert member is not None
    assert member.management_account


@pytest.mark.parametrize(
    ("units", "accounts", "message"),
    [
        ([OrgUnit(OU, "r-zz99")], {}, "parent 'r-zz99'"),
        ([], {A: OU}, f"account {A}: parent"),
    ],
)
def test_an_organisation_that_does_not_hold_together_is_refused(
    units: list[OrgUnit], accounts: dict[str, str], message: str
) -> None:
    with pytest.raises(InventoryError, match=message):
        Organization(ORG, ROOT, units=units, accounts=accounts)


def test_build_applies_the_organisation_so_scps_decide() -> None:
    """An SCP Deny in the caller's organisation denies the assume (docs/semantics.md §4.5)."""
    org = Organization(ORG, ROOT, units=[OrgUnit(OU, ROOT, scps=[_scp("Deny")])], accounts={A: OU})
    alice = IamUser(f"arn:aws:iam::{A}:user/alice")
    inventory = Inventory.build(users=[alice], roles=[_trust(alice.arn)], organization=org)
    placed = inventory.user(alice.arn)
    assert placed.org is not None
    assert placed.org.org_id == ORG
    assert assume_role(placed, inventory.role(f"arn:aws:iam::{A}:role/target").role).denied
    # A caller of the same account given no organisation is under its account's SCPs all the
    # same (it used to be allowed, the role's SCPs ignored without a word), and is told so.
    bare = assume_role(alice, inventory.role(f"arn:aws:iam::{A}:role/target").role)
    assert (bare.decision, bare.side) == (Decision.EXPLICIT_DENY, "scp")
    assert [d.code for d in bare.errors] == ["ORG_FROM_ROLE"]


def test_indexes_by_account_and_unique_id() -> None:
    alice = IamUser(f"arn:aws:iam::{A}:user/alice", unique_id="AIDAALICEEXAMPLE00001")
    bob = IamUser(f"arn:aws:iam::{B}:user/bob")
    inventory = Inventory.build(users=[alice, bob], roles=[_trust(A)], accounts=["999988887777"])
    assert inventory.account_ids == ("999988887777", A, B)
    assert inventory.by_unique_id("AIDAALICEEXAMPLE00001") == alice
    users, roles = inventory.in_account("aws", A)
    assert list(users) == [alice]
    assert [r.arn for r in roles] == [f"arn:aws:iam::{A}:role/target"]
    assert inventory.in_account("aws-cn", A) == ([], [])
    assert inventory.find_user("arn:aws:iam::111122223333:user/nobody") is None


def test_a_principal_twice_is_refused() -> None:
    alice = IamUser(f"arn:aws:iam::{A}:user/alice")
    with pytest.raises(InventoryError, match="appears twice"):
        Inventory.build(users=[alice, alice])


def test_role_entries_carry_identity_policies_into_their_sessions() -> None:
    detail_inventory = Inventory.from_authorization_details(DATA / "authorization-details.json")
    audit = detail_inventory.role(f"arn:aws:iam::{A}:role/audit")
    session = audit.session("s1")
    assert session.policies == audit.policies
    assert len(session.policies) == 1
    assert session.role_unique_id == "AROAAUDITEXAMPLE00001"
    plain = InventoryRole(_trust(A))
    assert plain.identity_known  # given by hand: what you give is what it has
    assert not Inventory.build(roles=[_trust(A)]).roles[0].identity_known  # a bare Role: unknown


def test_from_authorization_details_merges_accounts_and_notes_missing_policies() -> None:
    inventory = Inventory.from_authorization_details(
        DATA / "authorization-details.json", DATA / "authorization-details-vendor.json"
    )
    assert set(inventory.account_ids) == {A, B}
    assert (len(inventory.users), len(inventory.roles)) == (3, 4)
    assert any("PowerUserAccess" in note and "role/ci/deploy" in note for note in inventory.notes)
    with pytest.raises(InventoryError, match="appears twice"):
        Inventory.from_authorization_details(
            DATA / "authorization-details.json", DATA / "authorization-details.json"
        )


def test_load_inventory_reads_a_dump_or_a_manifest_with_an_organisation(tmp_path: Path) -> None:
    single = load_inventory(DATA / "authorization-details.json")
    assert single.account_ids == (A,)
    (tmp_path / "deny.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"},
            }
        )
    )
    # A manifest's references are relative to it and stay inside its folder (docs/security.md).
    for name in ("authorization-details.json", "authorization-details-vendor.json"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    manifest = {
        "authorization_details": [
            "authorization-details.json",
            "authorization-details-vendor.json",
        ],
        "oidc_providers": [f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"],
        "organization": {
            "id": ORG,
            "root": ROOT,
            "units": [{"id": OU, "parent": ROOT, "scps": ["deny.json"]}],
            "accounts": {A: {"parent": OU}, B: ROOT},
        },
    }
    (tmp_path / "inventory.json").write_text(json.dumps(manifest))
    inventory = load_inventory(tmp_path / "inventory.json")
    assert inventory.oidc_providers == (manifest["oidc_providers"][0],)  # type: ignore[index]
    bob = inventory.user(f"arn:aws:iam::{A}:user/bob")
    assert bob.org is not None
    assert bob.org.scps[1][0].statements[0].effect.value == "Deny"
    auditor = inventory.user(f"arn:aws:iam::{B}:user/auditor")
    assert auditor.org is not None
    assert auditor.org.paths == (f"{ORG}/{ROOT}/",)


def test_load_inventory_refuses_a_malformed_manifest(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"authorization_details": "one.json"}))
    with pytest.raises(InventoryError, match="list of file paths"):
        load_inventory(tmp_path / "bad.json")
