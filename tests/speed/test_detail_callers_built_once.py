"""A loaded role or user is built into its caller once (issue 22).

The loader builds each role's :class:`~trustsim.callers.Role` and each user's
:class:`~trustsim.callers.IamUser` to check them; ``to_role()`` / ``to_user()`` hand out that
one (an inventory asks again for every entity). It is what the detail's frozen fields decide:
with an organisation it is that role with the organisation, equal to one built afresh, and a
detail changed by ``attrs.evolve`` builds its own.
"""

from __future__ import annotations

import json

import attrs
import pytest

from trustsim.callers import IamUser, OrgMembership, Role
from trustsim.loaders import load_authorization_details

A = "111122223333"
DUMP = json.dumps(
    {
        "RoleDetailList": [
            {
                "RoleName": "deploy",
                "Path": "/",
                "Arn": f"arn:aws:iam::{A}:role/deploy",
                "RoleId": "AROAEXAMPLEROLEID0001",
                "AssumeRolePolicyDocument": {
                    "Statement": {
                        "Effect": "Allow",
                        "Principal": {"AWS": A},
                        "Action": "sts:AssumeRole",
                    }
                },
                "Tags": [{"Key": "team", "Value": "ci"}],
            }
        ],
        "UserDetailList": [
            {
                "UserName": "alice",
                "Path": "/",
                "Arn": f"arn:aws:iam::{A}:user/alice",
                "UserId": "AIDAEXAMPLEUSERID0001",
                "Tags": {"team": "ci"},
            }
        ],
    }
)
ORG = OrgMembership("o-exampleorgid", ["o-exampleorgid/r-ab12/ou-ab12-11111111/"])


def test_the_role_checked_while_loading_is_the_one_handed_out() -> None:
    [detail] = load_authorization_details(DUMP).roles
    role = detail.to_role()
    assert detail.to_role() is role
    assert role == Role(
        detail.arn, detail.trust_policy, tags={"team": "ci"}, unique_id="AROAEXAMPLEROLEID0001"
    )
    assert detail.to_role(ORG) == attrs.evolve(role, org=ORG)
    assert detail.to_role(ORG).org == ORG


def test_the_user_checked_while_loading_is_the_one_handed_out() -> None:
    [detail] = load_authorization_details(DUMP).users
    user = detail.to_user()
    assert detail.to_user() is user
    assert user == IamUser(detail.arn, tags={"team": "ci"}, unique_id="AIDAEXAMPLEUSERID0001")
    assert detail.to_user(ORG) == attrs.evolve(user, org=ORG)


def test_a_detail_changed_by_evolve_builds_its_own_caller() -> None:
    details = load_authorization_details(DUMP)
    role = attrs.evolve(details.roles[0], arn=f"arn:aws:iam::{A}:role/other")
    user = attrs.evolve(details.users[0], tags={"team": "red"})
    assert role.to_role().arn == f"arn:aws:iam::{A}:role/other"
    assert user.to_user().tags == {"team": "red"}


def test_the_tags_a_kept_caller_was_built_from_cannot_change() -> None:
    details = load_authorization_details(DUMP)
    for detail in (details.roles[0], details.users[0]):
        with pytest.raises(TypeError, match="read-only"):
            detail.tags["team"] = "red"  # type: ignore[index]
