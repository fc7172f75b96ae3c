"""Building an inventory from dumps pauses the cyclic garbage collector, and leaves it as it was.

``Inventory.from_authorization_details`` (and ``load_inventory`` over a manifest's dumps)
keep Python's cyclic collector off while the dumps are loaded and the principals built: each
collection their allocations trigger would walk every container loaded so far. Speed alone:
whatever happens, the collector is running afterwards if it was running before and off if it
was off, raised or not, and the inventory is the one built with the collector running.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trustsim.callers import OrgMembership
from trustsim.errors import InvalidPolicy
from trustsim.inventory import Inventory, InventoryError, Organization, load_inventory
from trustsim.inventory import files as inventory_files

ACCOUNT = "111122223333"
OTHER = "444455556666"
TRUST = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
}


def _dump(account: str, *, broken: bool = False) -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": {"Effect": "Allow"}} if broken else TRUST
    return {
        "UserDetailList": [
            {"UserName": "alice", "Path": "/", "Arn": f"arn:aws:iam::{account}:user/alice",
             "GroupList": []}
        ],
        "RoleDetailList": [
            {"RoleName": "deploy", "Path": "/", "Arn": f"arn:aws:iam::{account}:role/deploy",
             "AssumeRolePolicyDocument": trust}
        ],
    }  # fmt: skip


SEEN: list[bool] = []


class _Probe(Organization):
    """An organisation that notes whether the collector runs when a member is placed."""

    def membership(self, account_id: str) -> OrgMembership | None:
        SEEN.append(gc.isenabled())
        return super().membership(account_id)


def _organization(kind: type[Organization] = Organization) -> Organization:
    return kind("o-a1b2c3d4e5", "r-ab12", accounts={ACCOUNT: "r-ab12", OTHER: "r-ab12"})


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    SEEN.clear()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.usefixtures("collector")
def test_the_collector_is_as_it_was_after_a_build(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    inventory = Inventory.from_authorization_details(
        _dump(ACCOUNT), _dump(OTHER), organization=_organization()
    )
    assert gc.isenabled() is enabled
    assert len(inventory.roles) == len(inventory.users) == 2


REFUSED: list[tuple[str, Callable[[], object], type[Exception]]] = [
    # Refused while a dump is loaded, and while the inventory is built from the loaded dumps.
    ("a refused policy", lambda: Inventory.from_authorization_details(
        _dump(ACCOUNT), _dump(OTHER, broken=True)), InvalidPolicy),
    ("a principal twice", lambda: Inventory.from_authorization_details(
        _dump(ACCOUNT), _dump(ACCOUNT)), InventoryError),
]  # fmt: skip


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize(("_", "build", "error"), REFUSED, ids=[r[0] for r in REFUSED])
@pytest.mark.usefixtures("collector")
def test_the_collector_is_as_it_was_after_a_refused_build(
    enabled: bool, _: str, build: Callable[[], object], error: type[Exception]
) -> None:
    (gc.enable if enabled else gc.disable)()
    with pytest.raises(error):
        build()
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector")
def test_the_collector_is_paused_while_the_principals_are_built() -> None:
    gc.enable()
    paused = Inventory.from_authorization_details(
        _dump(ACCOUNT), _dump(OTHER), organization=_organization(_Probe)
    )
    assert SEEN  # the probe was asked, after the dumps were loaded
    assert not any(SEEN)
    assert gc.isenabled()
    plain = Inventory.from_authorization_details(
        _dump(ACCOUNT), _dump(OTHER), organization=_organization()
    )
    assert (paused.users, paused.roles) == (plain.users, plain.roles)
    assert all(user.org is not None for user in paused.users)


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.usefixtures("collector")
def test_a_manifest_loads_all_its_dumps_with_the_collector_paused(
    enabled: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = inventory_files.load_authorization_details
    at_each_load: list[bool] = []

    def load(*args: Any, **kwargs: Any) -> Any:
        at_each_load.append(gc.isenabled())
        return read(*args, **kwargs)

    monkeypatch.setattr(inventory_files, "load_authorization_details", load)
    for account in (ACCOUNT, OTHER):
        (tmp_path / f"{account}.json").write_text(json.dumps(_dump(account)))
    manifest = tmp_path / "inventory.json"
    manifest.write_text(json.dumps({"authorization_details": [f"{ACCOUNT}.json", f"{OTHER}.json"]}))
    (gc.enable if enabled else gc.disable)()
    inventory = load_inventory(manifest)
    assert at_each_load == [False, False]
    assert gc.isenabled() is enabled
    assert [u.account_id for u in inventory.users] == [ACCOUNT, OTHER]
    (tmp_path / f"{OTHER}.json").write_text(json.dumps(_dump(OTHER, broken=True)))
    with pytest.raises(InvalidPolicy):
        load_inventory(manifest)
    assert gc.isenabled() is enabled
