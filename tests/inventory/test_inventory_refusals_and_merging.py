"""Inventories: the shapes that do not hold together, merging, and malformed inventory files.

Complements tests/inventory/test_inventory.py: every refusal is an :class:`InventoryError` naming what is
wrong (never a ``KeyError`` or ``AttributeError`` out of a hand-written manifest), so the CLI
can report it and exit 2 (docs/loaders.md, docs/who-can.md "Command line").
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.callers import IamUser, Role
from trustsim.cli import main
from trustsim.inventory import (
    FULL_AWS_ACCESS,
    Account,
    Inventory,
    InventoryError,
    Organization,
    OrgUnit,
    load_inventory,
)
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role

DATA = Path(__file__).parents[1] / "data" / "loaders"
DUMP = DATA / "authorization-details.json"
VENDOR_DUMP = DATA / "authorization-details-vendor.json"
A, B = "111122223333", "444455556666"
ORG, ROOT = "o-a1b2c3d4e5", "r-ab12"
OU1, OU2 = "ou-ab12-11111111", "ou-ab12-22222222"


def _trust(name: str, principal: str) -> Role:
    policy = parse_policy({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}})  # fmt: skip
    return Role(f"arn:aws:iam::{A}:role/{name}", policy)


def _deny_assume_scp() -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
        },
        kind=PolicyKind.SCP,
    )


# --------------------------------------------------------------------------- organisations


def test_policies_attached_to_an_account_outside_the_organisation_are_refused() -> None:
    """SCPs attach to the root, OUs and member accounts only (AWS Organizations user guide)."""
    with pytest.raises(InventoryError, match=f"account {B} has policies but no place"):
        Organization(ORG, ROOT, accounts={A: ROOT}, account_scps={B: [_deny_assume_scp()]})


def test_an_ou_cycle_is_refused_when_a_member_account_is_placed() -> None:
    """OUs form a tree under the root: an OU that is its own ancestor is refused as soon as
    the organisation is built (it used to be found only when a member was placed)."""
    with pytest.raises(InventoryError, match="is its own ancestor"):
        Organization(
            ORG, ROOT, units=[OrgUnit(OU1, OU2), OrgUnit(OU2, OU1)], accounts={A: OU1, B: ROOT}
        )
    org = Organization(ORG, ROOT, units=[OrgUnit(OU1, ROOT)], accounts={A: OU1, B: ROOT})
    member_at_root = org.membership(B)
    assert member_at_root is not None
    assert member_at_root.paths == (f"{ORG}/{ROOT}/",)


def test_a_principal_already_carrying_an_org_keeps_it() -> None:
    """Inventory.build applies the organisation only to principals that carry none."""
    own = Organization("o-zzzzzzzzzz", "r-zz99", accounts={A: "r-zz99"}).membership(A)
    org = Organization(ORG, ROOT, accounts={A: ROOT})
    alice = IamUser(f"arn:aws:iam::{A}:user/alice", org=own)
    role = Role(f"arn:aws:iam::{A}:role/r", _trust("x", A).trust_policy, org=own)
    inventory = Inventory.build(users=[alice], roles=[role], organization=org)
    assert inventory.users[0].org == own
    assert inventory.roles[0].role.org == own


# --------------------------------------------------------------------------- principals


def test_a_role_twice_is_refused() -> None:
    role = _trust("deploy", A)
    with pytest.raises(InventoryError, match=f"role {role.arn} appears twice"):
        Inventory.build(roles=[role, role])


def test_merged_unites_principals_accounts_providers_and_keeps_the_first_organisation() -> None:
    """Merging applies the first inventory's organisation to the second's principals too."""
    deny = _deny_assume_scp()
    org = Organization(ORG, ROOT, units=[OrgUnit(OU1, ROOT, scps=[deny])], accounts={B: OU1})
    github = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
    alice = IamUser(f"arn:aws:iam::{A}:user/alice")
    assume_any = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        },
        kind=PolicyKind.IDENTITY,
    )
    bob = IamUser(f"arn:aws:iam::{B}:user/bob", policies=[assume_any])  # cross-account: needed
    first = Inventory.build(
        users=[alice],
        roles=[_trust("target", bob.arn)],
        accounts=[Account(A, "prod")],
        oidc_providers=[github],
        organization=org,
        notes=["first"],
    )
    second = Inventory.build(
        users=[bob], accounts=[Account(A, "prod"), B], oidc_providers=[github], notes=["second"]
    )
    merged = first.merged(second)
    assert merged.account_ids == (A, B)
    assert merged.accounts[0].name == "prod"
    assert merged.oidc_providers == (github,)
    assert merged.notes == ("first", "second")
    assert merged.organization is org
    placed_bob = merged.user(bob.arn)
    assert placed_bob.org is not None
    assert placed_bob.org.scps == ((FULL_AWS_ACCESS,), (deny,), (FULL_AWS_ACCESS,))
    target = merged.role(f"arn:aws:iam::{A}:role/target").role
    assert assume_role(bob, target).allowed
    assert assume_role(placed_bob, target).denied  # the OU's SCP now applies to bob
    assert second.merged(first).organization is org  # the only one, whichever side
    with pytest.raises(InventoryError, match="appears twice"):
        first.merged(first)


def test_lookups_raise_key_error_or_return_none_for_unknown_arns() -> None:
    inventory = Inventory.build(roles=[_trust("deploy", A)])
    assert inventory.find_role(f"arn:aws:iam::{A}:role/none") is None
    assert inventory.by_unique_id("AROANOSUCHROLE000001") is None
    assert not inventory.has_account(B)
    with pytest.raises(KeyError):
        inventory.user(f"arn:aws:iam::{A}:user/none")
    with pytest.raises(KeyError):
        inventory.role(f"arn:aws:iam::{A}:role/none")


# --------------------------------------------------------------------------- inventory files


def _org(**fields: Any) -> dict[str, Any]:
    return {"organization": {"id": ORG, "root": ROOT, **fields}}


def _manifest(tmp_path: Path, **fields: Any) -> Path:
    path = tmp_path / "inventory.json"
    # References stay inside the manifest's folder (docs/security.md): a copy of the dump.
    (tmp_path / DUMP.name).write_bytes(DUMP.read_bytes())
    path.write_text(json.dumps({"authorization_details": [DUMP.name], **fields}))
    return path


def test_an_inventory_file_that_is_not_json_is_an_inventory_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"authorization_details": [')
    with pytest.raises(InventoryError, match=r"broken\.json: not JSON"):
        load_inventory(path)


def test_the_cli_reports_an_unreadable_inventory_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/who-can.md: the commands exit 2 when the inventory cannot be read."""
    path = tmp_path / "broken.json"
    path.write_text("not json at all")
    out = io.StringIO()
    status = main(["who-can", f"arn:aws:iam::{A}:role/audit", "--inventory", str(path)], stdout=out)
    assert status == 2
    assert out.getvalue() == ""
    assert "not JSON" in capsys.readouterr().err


def test_a_null_organisation_in_a_manifest_means_none(tmp_path: Path) -> None:
    inventory = load_inventory(_manifest(tmp_path, organization=None))
    assert inventory.organization is None
    assert all(user.org is None for user in inventory.users)


def test_manifest_organisation_with_inline_rcps_and_account_level_policies(tmp_path: Path) -> None:
    """Policies may be inline objects or files; an account placement defaults to the root."""
    (tmp_path / "deny.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
            }
        )
    )
    rcp = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    }
    path = _manifest(
        tmp_path,
        saml_providers=[f"arn:aws:iam::{A}:saml-provider/okta"],
        organization={
            "id": ORG,
            "root": ROOT,
            "management_account": A,
            "rcps": [rcp],
            "units": [{"id": OU1, "parent": ROOT, "name": "prod", "rcps": [rcp]}],
            "accounts": {A: {"scps": ["deny.json"]}},
        },
    )
    inventory = load_inventory(path)
    assert inventory.saml_providers == (f"arn:aws:iam::{A}:saml-provider/okta",)
    organization = inventory.organization
    assert organization is not None
    assert organization.accounts == {A: ROOT}
    assert organization.units[0].name == "prod"
    member = inventory.user(f"arn:aws:iam::{A}:user/bob").org
    assert member is not None
    assert member.management_account
    assert member.scps[1][0].kind is PolicyKind.SCP
    assert member.scps[1][0].statements[0].effect.value == "Deny"
    assert [level[0].kind for level in member.rcps] == [PolicyKind.RCP, PolicyKind.RCP]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"organization": ["o-a1b2c3d4e5"]}, "organization needs at least 'id' and 'root'"),
        ({"organization": {"id": ORG}}, "organization needs at least 'id' and 'root'"),
        ({"organization": {"id": ORG, "root": 7}}, "organization needs a string 'root'"),
        ({"organization": {"id": None, "root": ROOT}}, "organization needs a string 'id'"),
        (_org(scps="deny.json"), "root scps must be a list"),
        (_org(units={"id": OU1}), "units must be a list"),
        (_org(units=[OU1]), "each organization unit must be a JSON object"),
        (_org(units=[{"parent": ROOT}]), "an organization unit needs a string 'id'"),
        (_org(units=[{"id": OU1}]), f"OU {OU1} needs a string 'parent'"),
        (_org(units=[{"id": OU1, "parent": ROOT, "rcps": {}}]), f"OU {OU1} rcps must be a list"),
        (_org(accounts=[A]), "organization accounts must be a JSON object"),
        (_org(accounts={A: [ROOT]}), f"account {A} must be a JSON object"),
        (_org(accounts={A: {"parent": 1}}), f"{A} needs a string 'parent'"),
        (_org(accounts={A: "ou-ab12-99999999"}), "parent 'ou-ab12-99999999' is not in"),
        ({"oidc_providers": f"arn:aws:iam::{A}:oidc-provider/x.example.com"}, "oidc_providers must be a list"),
        ({"saml_providers": [{"Arn": "x"}]}, "saml_providers must be a list of strings"),
    ],
)  # fmt: skip
def test_a_malformed_manifest_is_an_inventory_error_naming_the_field(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    """Fail closed with a message, never a KeyError/AttributeError the CLI would not catch."""
    path = _manifest(tmp_path, **fields)
    with pytest.raises(InventoryError, match=message) as caught:
        load_inventory(path)
    assert str(path) in str(caught.value) or "parent" in str(caught.value)


def test_manifest_paths_are_relative_to_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "prod.json").write_text(DUMP.read_text())
    (tmp_path / "vendor.json").write_text(VENDOR_DUMP.read_text())
    (tmp_path / "inventory.json").write_text(
        json.dumps({"authorization_details": ["prod.json", "vendor.json"]})
    )
    inventory = load_inventory(tmp_path / "inventory.json")
    assert set(inventory.account_ids) == {A, B}
    assert inventory.organization is None
    assert inventory.oidc_providers == ()
