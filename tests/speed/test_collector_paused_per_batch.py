"""who_can_each and reach_each pause the cyclic collector per batch, never leaving it paused (issue 22).

The pause is speed alone: answers across a batch boundary are the per-role queries' answers,
and whoever iterates sees the collector as it left it, at every answer and after an error.
"""

from __future__ import annotations

import gc
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trustsim import _inventory_query
from trustsim.callers import IamUser, Role
from trustsim.compiler import clear_caches
from trustsim.inventory import Inventory, InventoryError
from trustsim.inventory_db import InventoryDatabase, open_database, store_inventory
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy
from trustsim.whocan import reachable_from

ACCOUNT = "111122223333"
VERSION = "2012-10-17"
ROLES = _inventory_query.BATCH + 6  # a partition of two batches


def _team_policy(team: int) -> Policy:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Resource": f"arn:aws:iam::*:role/team{team}-*"}  # fmt: skip
    return parse_policy({"Version": VERSION, "Statement": statement}, kind=PolicyKind.IDENTITY)


def _inventory() -> Inventory:
    users = [
        IamUser(f"arn:aws:iam::{ACCOUNT}:user/u{i}", policies=[_team_policy(i % 3)])
        for i in range(6)
    ]
    roles = []
    for i in range(ROLES):
        statement: dict[str, object] = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
        if i % 2:
            statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        roles.append(
            Role(
                f"arn:aws:iam::{ACCOUNT}:role/team{i % 4}-r{i}",
                parse_policy({"Version": VERSION, "Statement": statement}),
            )
        )
    return Inventory.build(users=users, roles=roles)


#: The two partitioned queries of ``--all``, and the ARNs each is asked about.
EACH = ["who_can_each", "reach_each"]


def _asked(database: InventoryDatabase, each: str) -> list[str]:
    if each == "who_can_each":
        return [arn for _, arn in database.role_arns()]
    return database.principal_arns()


@pytest.fixture(scope="module")
def database_path() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "org.db"
        store_inventory(_inventory(), path)
        yield path


def test_answers_across_a_batch_boundary_are_the_single_queries_answers(
    database_path: Path,
) -> None:
    with open_database(database_path) as database:
        arns = [arn for _, arn in database.role_arns()]
        assert len(arns) > _inventory_query.BATCH
        expected = []
        for arn in arns:
            clear_caches()
            expected.append(database.who_can(arn).to_dict())
        clear_caches()
        found = [result.to_dict() for result in database.who_can_each(arns)]
    assert found == expected
    assert any(answer["principals"] for answer in found)  # the answers are not all empty


def test_reach_tasks_answer_what_reach_answers_on_the_whole_inventory(
    database_path: Path,
) -> None:
    with open_database(database_path) as database:
        arns = database.principal_arns()
        assert len(arns) > _inventory_query.BATCH
        whole = database.inventory()
        expected = []
        for arn in arns:
            clear_caches()
            expected.append(reachable_from(whole, arn).to_dict())
        clear_caches()
        found = [result.to_dict() for result in database.reach_each(arns)]
    assert found == expected
    assert any(answer["reached"] for answer in found)  # the answers are not all empty


@pytest.mark.parametrize("each", EACH)
@pytest.mark.parametrize("running", [True, False])
def test_the_collector_is_as_it_was_at_every_answer(
    database_path: Path, running: bool, each: str
) -> None:
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with open_database(database_path) as database:
            arns = _asked(database, each)
            seen = [gc.isenabled() for _ in getattr(database, each)(arns)]
            assert seen == [running] * len(arns)
            assert gc.isenabled() is running
            with pytest.raises(InventoryError):
                list(getattr(database, each)([arns[0], f"arn:aws:iam::{ACCOUNT}:role/none"]))
            assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("each", EACH)
def test_nothing_is_left_frozen_and_a_callers_frozen_objects_stay_frozen(
    database_path: Path, each: str
) -> None:
    assert gc.get_freeze_count() == 0
    with open_database(database_path) as database:
        arns = _asked(database, each)
        counts = [gc.get_freeze_count() for _ in getattr(database, each)(arns)]
        assert counts[-1] > 0  # the batches' leftovers were frozen while it ran
        assert gc.get_freeze_count() == 0
        gc.freeze()  # a caller's own frozen objects (a forking server's, say)
        try:
            mine = gc.get_freeze_count()
            list(getattr(database, each)(arns))
            assert gc.get_freeze_count() == mine
        finally:
            gc.unfreeze()


class _Node:
    cycle: object = None


@pytest.mark.parametrize("each", EACH)
def test_cycles_frozen_with_a_batch_are_collected_in_the_end(
    database_path: Path, monkeypatch: pytest.MonkeyPatch, each: str
) -> None:
    monkeypatch.setattr(_inventory_query, "COLLECT_EVERY", 1)
    with open_database(database_path) as database:
        arns = _asked(database, each)
        answers = getattr(database, each)(arns)
        next(answers)
        garbage = _Node()
        garbage.cycle = garbage  # only the cyclic collector can free it
        gone = weakref.ref(garbage)
        del garbage
        rest = list(answers)  # the second batch freezes it with its own leftovers
        assert len(rest) == len(arns) - 1
    assert gone() is None


@pytest.mark.parametrize("running", [True, False])
def test_a_whole_inventory_is_built_with_the_collector_paused(
    database_path: Path, running: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    policies = InventoryDatabase._policy_list

    def noted(database: InventoryDatabase, refs: Any) -> Any:
        seen.append(gc.isenabled())
        return policies(database, refs)

    monkeypatch.setattr(InventoryDatabase, "_policy_list", noted)
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with open_database(database_path) as database:
            whole = database.inventory()
            assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()
    assert len(seen) == len(whole.users) + len(whole.roles)  # once per principal built
    assert not any(seen)
    assert whole == _inventory()
