"""Modules split by responsibility keep every import path users and docs rely on."""

import importlib

import pytest

import trustsim
from trustsim import callers, errors, strategies, testing
from trustsim.analysis import cells
from trustsim.analysis import testing as proven


def test_invalid_caller_is_one_class_under_both_names() -> None:
    assert callers.InvalidCaller is errors.InvalidCaller is trustsim.InvalidCaller
    with pytest.raises(callers.InvalidCaller, match="is not an IAM user ARN"):
        callers.IamUser("arn:aws:iam::1111:user/alice")


def test_the_testing_module_offers_the_proven_assertions_and_describe_caller() -> None:
    assert testing.assert_grants is proven.assert_grants is trustsim.assert_grants
    assert testing.assert_no_access_beyond is proven.assert_no_access_beyond
    assert {"assert_grants", "assert_no_access_beyond", "describe_caller"} <= set(testing.__all__)
    assert testing.describe_caller(callers.Anonymous()) == "an anonymous caller"


@pytest.mark.parametrize("name", strategies.__all__)
def test_every_public_strategy_is_reached_through_trustsim_strategies(name: str) -> None:
    assert getattr(strategies, name) is not None


_PARTS = [
    importlib.import_module(f"trustsim.analysis.{part}")
    for part in ("cell_types", "caller_classes", "regions", "witnesses")
]


@pytest.mark.parametrize("name", cells.__all__)
def test_the_cells_module_offers_each_name_of_exactly_one_analysis_part(name: str) -> None:
    homes = [part for part in _PARTS if name in part.__all__]
    assert len(homes) == 1, name
    assert getattr(cells, name) is getattr(homes[0], name)
