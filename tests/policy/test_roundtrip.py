"""parse → to_dict → parse is the identity, for every valid trust policy (DESIGN.md §5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.strategies_policies import trust_policies
from trustsim.loaders import load_policy
from trustsim.parsing import parse_policy

pytestmark = pytest.mark.property


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trust_policies())
def test_parse_serialise_parse_is_identity(document: dict[str, Any]) -> None:
    policy = parse_policy(document)
    again = parse_policy(policy.to_dict(), kind=policy.kind)
    assert again == policy
    assert again.to_dict() == policy.to_dict()


@settings(max_examples=200, deadline=None)
@given(trust_policies())
def test_json_text_round_trip_matches_the_dict(document: dict[str, Any]) -> None:
    policy = parse_policy(document)
    assert load_policy(policy.to_json()) == policy
    assert load_policy(json.dumps(document)) == policy


def test_canonical_form_writes_single_values_as_strings_and_keeps_condition_list_shape() -> None:
    policy = parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {
                    "AWS": ["111122223333"],
                    "Service": ["a.amazonaws.com", "b.amazonaws.com"],
                },
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"sts:ExternalId": ["x"], "aws:SourceAccount": "1"}},
            }
        }
    )
    assert policy.to_dict() == {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": "111122223333",
                    "Service": ["a.amazonaws.com", "b.amazonaws.com"],
                },
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": ["x"], "aws:SourceAccount": "1"}},
            }
        ]
    }
