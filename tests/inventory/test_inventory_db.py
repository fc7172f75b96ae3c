"""Inventory databases answer exactly what the in-memory inventory answers (issue 22)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.inventory.test_whocan import DATA, inventories
from trustsim import __version__
from trustsim.cli import main
from trustsim.compiler import clear_caches
from trustsim.inventory import Inventory, InventoryError
from trustsim.inventory_db import build_database, open_database, store_inventory
from trustsim.whocan import reachable_from, who_can_assume

DUMPS = [DATA / "authorization-details.json", DATA / "authorization-details-vendor.json"]


def _fresh_who_can(inventory: Inventory, role_arn: str) -> dict[str, object]:
    clear_caches()  # a fresh evaluator, as a new process would have
    return who_can_assume(inventory, role_arn).to_dict()


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventories())
def test_the_database_answers_what_the_inventory_answers(inventory: Inventory) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "org.db"
        store_inventory(inventory, path)
        with open_database(path) as database:
            assert database.inventory() == inventory
            expected = []
            for entry in inventory.roles:
                clear_caches()
                found = database.who_can(entry.arn).to_dict()
                expected.append(_fresh_who_can(inventory, entry.arn))
                assert found == expected[-1]
            # One load and one evaluator for a partition (who-can --all), in either order.
            arns = [entry.arn for entry in inventory.roles]
            assert [r.to_dict() for r in database.who_can_each(arns)] == expected
            backwards = [r.to_dict() for r in database.who_can_each(arns[::-1])]
            assert backwards == expected[::-1]
            # The in-memory inventory's kept evaluator, shared by every query, too.
            clear_caches()
            assert [who_can_assume(inventory, arn).to_dict() for arn in arns[::-1]] == (
                expected[::-1]
            )
            whole = database.inventory()
            for arn in database.principal_arns():
                clear_caches()  # as a fresh process would
                found = reachable_from(whole, arn).to_dict()
                clear_caches()
                assert found == reachable_from(inventory, arn).to_dict()


def test_a_database_of_dumps_answers_what_the_dumps_answer(folder: Path) -> None:
    inventory = Inventory.from_authorization_details(*DUMPS)
    report = build_database(folder / "org.db", DUMPS)
    assert (report.read, report.unchanged) == (2, 0)
    assert report.principals == len(inventory.users) + len(inventory.roles)
    with open_database(folder / "org.db") as database:
        assert database.inventory() == inventory
        assert database.inventory().notes == inventory.notes
        for entry in inventory.roles:
            assert database.who_can(entry.arn).to_dict() == _fresh_who_can(inventory, entry.arn)


def test_a_partition_naming_a_role_the_database_lacks_is_refused(folder: Path) -> None:
    build_database(folder / "org.db", DUMPS)
    missing = "arn:aws:iam::111122223333:role/no-such-role"
    with open_database(folder / "org.db") as database:
        first = database.role_arns()[0][1]
        with pytest.raises(InventoryError, match="no role arn:aws:iam::111122223333:role/no-such"):
            list(database.who_can_each([first, missing]))
        assert list(database.who_can_each([])) == []


def test_a_query_loads_only_the_principals_the_trust_policy_can_admit(folder: Path) -> None:
    inventory = Inventory.from_authorization_details(*DUMPS)
    build_database(folder / "org.db", DUMPS)
    with open_database(folder / "org.db") as database:
        for entry in inventory.roles:
            needed = database.needed_for(entry.arn)
            answered = {a.principal for a in who_can_assume(inventory, entry.arn).principals}
            loaded = {u.arn for u in needed.users} | {r.arn for r in needed.roles}
            assert answered <= loaded
            assert entry.arn in loaded
        vendor = "arn:aws:iam::111122223333:role/vendor-audit"
        assert {r.arn for r in database.needed_for(vendor).roles} == {vendor}
        # Its trust names account 444455556666: only that account's users whose identity
        # policies can allow sts:AssumeRole on it are read.
        users = database.needed_for(vendor).users
        assert {u.account_id for u in users} == {"444455556666"}
        assert len(users) < len(inventory.users)


def test_building_again_reads_only_the_dump_that_changed(folder: Path) -> None:
    copies = []
    for dump in DUMPS:
        shutil.copy(dump, folder / dump.name)
        copies.append(folder / dump.name)
    build_database(folder / "org.db", copies)
    assert build_database(folder / "org.db", copies).read == 0
    document = json.loads(copies[0].read_text())
    removed = document["RoleDetailList"].pop()
    copies[0].write_text(json.dumps(document))
    with pytest.raises(InventoryError, match=r"is stale: .*changed since the database was built"):
        open_database(folder / "org.db")
    report = build_database(folder / "org.db", [copies[0]])
    assert (report.read, report.unchanged) == (1, 0)
    expected = Inventory.from_authorization_details(*copies)
    with open_database(folder / "org.db") as database:
        assert database.inventory() == expected
        with pytest.raises(InventoryError, match="has no role"):
            database.who_can(removed["Arn"])


def test_a_foreign_or_older_database_is_refused(folder: Path) -> None:
    foreign = folder / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(InventoryError, match="not a trustsim inventory database"):
        open_database(foreign)
    with pytest.raises(InventoryError, match="not a trustsim inventory database"):
        build_database(foreign, DUMPS)
    text = folder / "text.db"
    text.write_text("{}")
    with pytest.raises(InventoryError, match="not an SQLite inventory database"):
        open_database(text)
    with pytest.raises(InventoryError, match="not an inventory database; not overwritten"):
        build_database(text, DUMPS)
    older = folder / "older.db"
    build_database(older, DUMPS)
    connection = sqlite3.connect(older)
    with connection:
        connection.execute("UPDATE meta SET value = '0.0.1' WHERE key = 'trustsim'")
    connection.close()
    message = rf"built by trustsim 0\.0\.1 .*this is trustsim {__version__}.*build` again"
    with pytest.raises(InventoryError, match=message):
        open_database(older)


def test_a_principal_in_two_dumps_is_refused(folder: Path) -> None:
    shutil.copy(DUMPS[0], folder / "again.json")
    with pytest.raises(InventoryError, match="appears twice"):
        build_database(folder / "org.db", [DUMPS[0], folder / "again.json"])


def test_policies_are_stored_once_per_content(folder: Path) -> None:
    build_database(folder / "org.db", DUMPS)
    with sqlite3.connect(folder / "org.db") as connection:
        documents = [row[0] for row in connection.execute("SELECT document FROM policies")]
    assert len(documents) == len(set(documents))


# --------------------------------------------------------------------------- command line


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def test_the_command_line_answers_the_same_from_the_database(folder: Path) -> None:
    database = str(folder / "org.db")
    assert _cli("inventory", "build", str(DUMPS[0]), "-o", database) == (0, "")
    inventory = Inventory.from_authorization_details(DUMPS[0])
    for entry in inventory.roles:
        for output in ("text", "json"):
            clear_caches()
            memory = _cli("who-can", entry.arn, "--inventory", str(DUMPS[0]), "--format", output)
            clear_caches()
            assert _cli("who-can", entry.arn, "--inventory", database, "--format", output) == memory
    for user in inventory.users:
        clear_caches()
        memory = _cli("reach", user.arn, "--inventory", str(DUMPS[0]))
        clear_caches()
        assert _cli("reach", user.arn, "--inventory", database) == memory


def test_who_can_all_writes_one_json_line_per_role_with_any_number_of_jobs(folder: Path) -> None:
    database = str(folder / "org.db")
    build_database(database, DUMPS)
    inventory = Inventory.from_authorization_details(*DUMPS)
    expected = [_fresh_who_can(inventory, entry.arn) for entry in inventory.roles]
    for jobs in ("1", "2"):
        status, text = _cli("who-can", "--all", "--inventory", database, "--jobs", jobs)
        assert status == 0
        assert [json.loads(line) for line in text.splitlines()] == expected
    status, text = _cli("who-can", "--all", "--inventory", str(DUMPS[0]))
    assert status == 0
    assert len(text.splitlines()) == len(Inventory.from_authorization_details(DUMPS[0]).roles)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventories())
def test_who_can_all_answers_each_role_as_one_query_with_one_or_two_jobs(
    inventory: Inventory,
) -> None:
    """``--all`` loads a partition once and shares an evaluator: each line is still the query's."""
    expected = [_fresh_who_can(inventory, entry.arn) for entry in inventory.roles]
    with tempfile.TemporaryDirectory() as tmp:
        database = str(Path(tmp) / "org.db")
        store_inventory(inventory, database)
        for jobs in ("1", "2"):
            status, text = _cli("who-can", "--all", "--inventory", database, "--jobs", jobs)
            assert status == 0
            assert [json.loads(line) for line in text.splitlines()] == expected


def test_reach_all_starts_from_every_principal(folder: Path) -> None:
    database = str(folder / "org.db")
    build_database(database, DUMPS)
    status, text = _cli("reach", "--all", "--inventory", database, "--jobs", "2")
    assert status == 0
    starts = [json.loads(line)["principal"] for line in text.splitlines()]
    with open_database(database) as opened:
        assert starts == opened.principal_arns()


def test_usage_errors_of_the_bulk_options(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(folder / "org.db")
    build_database(database, DUMPS)
    assert _cli("who-can", "--inventory", database) == (2, "")
    assert "needs either an ARN or --all" in capsys.readouterr().err
    assert _cli("who-can", "--all", "--jobs", "2", "--inventory", str(DUMPS[0])) == (2, "")
    assert "--jobs needs an inventory database" in capsys.readouterr().err
    assert _cli("inventory", "build", "-o", database) == (2, "")
    assert "at least one dump" in capsys.readouterr().err


def test_a_dump_over_the_size_cap_is_refused_and_the_database_stays_usable(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = str(folder / "org.db")
    dump = folder / "account.json"
    shutil.copy(DUMPS[0], dump)
    assert _cli("inventory", "build", str(dump), "-o", database, "--max-file-size", "10") == (
        2,
        "",
    )
    assert "--max-file-size" in capsys.readouterr().err
    # The failed build left an empty trustsim database, not a file later builds refuse.
    assert _cli("inventory", "build", str(dump), "-o", database) == (0, "")
    with open_database(database) as opened:
        assert opened.inventory() == Inventory.from_authorization_details(dump)


def test_a_dump_touched_but_unchanged_or_moved_away_is_not_stale(folder: Path) -> None:
    import os  # noqa: PLC0415

    copies = []
    for dump in DUMPS:
        shutil.copy(dump, folder / dump.name)
        copies.append(folder / dump.name)
    build_database(folder / "org.db", copies)
    expected = Inventory.from_authorization_details(*copies)
    # The same bytes at a new time: its digest is read again and found equal.
    os.utime(copies[0], ns=(1, 1))
    # A dump moved away: the database holds its content.
    copies[1].rename(folder / "elsewhere.json")
    with open_database(folder / "org.db") as database:
        assert database.inventory() == expected
    # A dump whose size changed is read again and found stale.
    copies[0].write_text(copies[0].read_text() + " ")
    with pytest.raises(InventoryError, match=r"is stale: .*changed since the database was built"):
        open_database(folder / "org.db")
