"""The whole inventory of a database reads its policies with one query, and is the stored one (issue 22).

A reach worker (and ``reach ARN --inventory``) builds the whole inventory; reading each policy
by its own query, as a partial load does, cost a third of that build. Speed alone: the
inventory is the one stored, and a partial load afterwards answers as before.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.inventory.test_inventory_db import DUMPS
from trustsim.compiler import clear_caches
from trustsim.inventory import Inventory
from trustsim.inventory_db import build_database, open_database
from trustsim.whocan import who_can_assume


def test_the_whole_inventory_reads_every_policy_with_one_query() -> None:
    stored = Inventory.from_authorization_details(*DUMPS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "org.db"
        build_database(path, DUMPS)
        with open_database(path) as database:
            statements: list[str] = []
            database.connection.set_trace_callback(statements.append)
            whole = database.inventory()
            database.connection.set_trace_callback(None)
            policy_reads = [s for s in statements if "FROM policies" in s]
            assert len(policy_reads) == 1
            assert whole == stored
            assert whole.notes == stored.notes
            (count,) = database.connection.execute("SELECT COUNT(*) FROM policies").fetchone()
            assert count > 1  # one query for several policies
            for entry in stored.roles:  # partial loads afterwards: the same answers
                clear_caches()
                expected = who_can_assume(stored, entry.arn).to_dict()
                clear_caches()
                assert database.who_can(entry.arn).to_dict() == expected
