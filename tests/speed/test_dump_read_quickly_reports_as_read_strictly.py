"""An account dump read quickly loads, or is refused, exactly as when read strictly (issue 22).

``load_authorization_details`` reads a dump with the standard library first and re-reads it
with the position-keeping reader only when there is a problem to point at. On dumps broken
in random places — documents broken or with a member written twice, ARNs, tags, role IDs,
group lists, entities written twice — the quick reading must give the same details, or the
same error: the same problems, the same first problem, the same line and column for each,
the same text shown.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import Pairs, documents, write
from trustsim._memo import fresh_caches
from trustsim.errors import InvalidPolicy
from trustsim.loaders import aws, load_authorization_details

A = "111122223333"
ARNS = st.sampled_from(
    [f"arn:aws:iam::{A}:role/r", f"arn:aws:iam::{A}:role/ci/r", "arn:aws:iam::1:role/r", "r"]
)
TAGS = st.sampled_from(
    [
        [{"Key": "team", "Value": "ci"}],
        [{"Key": "team", "Value": "ci"}, {"Key": "Team", "Value": "x"}],
        [{"Key": "", "Value": "x"}],
        [{"Key": "team"}],
        [{"Value": "x"}],
        {"team": "ci"},
        "team=ci",
    ]
)
ASSUME = {"Effect": "Allow", "Action": "sts:AssumeRole"}
TRUST = {"Version": "2012-10-17", "Statement": {**ASSUME, "Principal": {"AWS": A}}}
IDENTITY = {"Version": "2012-10-17", "Statement": {**ASSUME, "Resource": "*"}}


@st.composite
def roles(draw: st.DrawFn, index: int) -> Any:
    role: dict[str, Any] = {
        "RoleName": f"r{index}",
        "Path": "/",
        "Arn": draw(ARNS).replace("role/r", f"role/r{index}"),
        "AssumeRolePolicyDocument": draw(documents()) if draw(st.integers(0, 2)) == 0 else TRUST,
    }
    if draw(st.booleans()):
        role["Tags"] = draw(TAGS)
    if draw(st.booleans()):
        role["RoleId"] = draw(st.sampled_from(["AROAEXAMPLEROLEID0001", "AROA-x", "AIDA1"]))
    if draw(st.booleans()):
        document = draw(documents() | st.just(IDENTITY))
        role["RolePolicyList"] = [{"PolicyName": "p", "PolicyDocument": document}]
    if draw(st.integers(0, 4)) == 0:
        pairs = Pairs(role.items())
        pairs.append(("Arn", draw(ARNS)))  # a member written twice
        return pairs
    return role


@st.composite
def users(draw: st.DrawFn, index: int) -> Any:
    return {
        "UserName": f"u{index}",
        "Path": "/",
        "Arn": draw(st.sampled_from([f"arn:aws:iam::{A}:user/u{index}", f"user/u{index}"])),
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": IDENTITY}],
        "GroupList": draw(st.sampled_from([[], ["ops"], ["missing"], "ops"])),
        "Tags": draw(st.just([]) | TAGS),
    }


@st.composite
def dumps(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    role_list = [draw(roles(index)) for index in range(count)]
    if draw(st.booleans()):
        role_list.append(role_list[0])  # the same page given twice
    dump = {
        "RoleDetailList": role_list,
        "UserDetailList": [draw(users(index)) for index in range(draw(st.integers(0, 2)))],
        "GroupDetailList": [
            {"GroupName": "ops", "Path": "/", "Arn": f"arn:aws:iam::{A}:group/ops"}
        ],
    }
    return write(dump, draw(st.sampled_from(["", " ", "\n  "])), draw(st.booleans()))


def _outcome(text: str) -> object:
    try:
        details = load_authorization_details(text, origin="gaad.json")
    except InvalidPolicy as error:
        positions = [error.position_of(problem.pointer) for problem in error.problems]
        return (error.problems, error.first, positions, str(error))
    return [
        (role, role.trust_policy.origin, [p.origin for p in role.policies], role.origin)
        for role in details.roles
    ] + [(user, [p.origin for p in user.policies], user.origin) for user in details.users]


def _never_quick(source: str | bytes) -> tuple[bool, object]:
    return False, None


@given(dumps())
def test_a_dump_read_quickly_loads_or_is_refused_as_read_strictly(text: str) -> None:
    quick = _outcome(text)
    with fresh_caches(), mock.patch.object(aws, "quick_value", _never_quick):
        strict = _outcome(text)
    assert quick == strict
