"""Loading a dump pauses Python's cyclic garbage collector and leaves it as it was (issue 22).

Each collection that a dump's hundreds of thousands of decoded containers trigger walks them
all; ``load_authorization_details`` pauses the collector for the load. Whatever happens, the
collector is on after the load if it was on before, and off if it was off.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_authorization_details

ROLE = {
    "RoleName": "r",
    "Path": "/",
    "Arn": "arn:aws:iam::111122223333:role/r",
    "AssumeRolePolicyDocument": {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
        }
    },
}
BROKEN = {**ROLE, "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow"}}}


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.usefixtures("collector")
def test_the_collector_is_as_it_was_after_a_load(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    load_authorization_details(json.dumps({"RoleDetailList": [ROLE]}))
    assert gc.isenabled() is enabled


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.usefixtures("collector")
def test_the_collector_is_as_it_was_after_a_refused_load(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    with pytest.raises(InvalidPolicy):
        load_authorization_details(json.dumps({"RoleDetailList": [BROKEN]}))
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector")
def test_the_collector_is_paused_during_the_load() -> None:
    gc.enable()
    seen: list[bool] = []

    class Probe(dict[str, object]):
        def get(self, key: str, default: object = None) -> object:
            seen.append(gc.isenabled())
            return super().get(key, default)

    load_authorization_details(Probe({"RoleDetailList": [ROLE]}))
    assert seen
    assert not any(seen)
    assert gc.isenabled()
