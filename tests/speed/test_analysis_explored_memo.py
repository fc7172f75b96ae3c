"""The analysis' explored regions are one registered memo: cleared with the others, no answer changed."""

import pytest

from trustsim import _memo
from trustsim.analysis import grants, regions
from trustsim.analysis.caller_classes import caller_classes
from trustsim.callers import Role
from trustsim.parsing import parse_policy

ROLE_ARN = "arn:aws:iam::111122223333:role/analysed"
GITHUB = "token.actions.githubusercontent.com"
POLICY = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {f"{GITHUB}:sub": "repo:acme/*"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}
                },
            },
        ],
    }
)


def _lines() -> list[str]:
    found = grants(POLICY, role_arn=ROLE_ARN)
    assert found.complete
    return [str(grant) for grant in found]


def test_clear_caches_empties_the_explored_regions_and_the_grants_stay_the_same() -> None:
    _memo.clear_caches()
    cold = _lines()
    assert regions._EXPLORED  # regions and the organisation's paths were explored
    assert any(key[-1] == "o-a1b2c3d4e5" for key in regions._EXPLORED)
    assert "analysis: explored regions" in _memo.sizes()
    assert _lines() == cold  # warm: read from the memo
    _memo.clear_caches()
    assert regions._EXPLORED == {}
    assert _lines() == cold


def test_explored_regions_are_handed_out_read_only() -> None:
    classes, _ = caller_classes(Role(ROLE_ARN, POLICY), [POLICY])
    slot = next(slot for cls in classes for slot in cls.slots if slot.domain is not None)
    found = regions.explored(slot)
    assert found
    with pytest.raises(TypeError):
        found[(True,)] = "changed"  # type: ignore[index]
    assert regions.explored(slot) == found
