"""``trustsim who-can`` and ``trustsim reach`` through ``main(argv)``: exact output, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from trustsim.cli import main

DUMP = str(Path(__file__).parents[1] / "data" / "loaders" / "authorization-details.json")


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def test_who_can_lists_outside_classes_with_their_residual_condition() -> None:
    status, text = _run(
        "who-can", "arn:aws:iam::111122223333:role/vendor-audit", "--inventory", DUMP
    )
    assert status == 0
    assert text == (
        "who can assume arn:aws:iam::111122223333:role/vendor-audit\n"
        "  no principal of the inventory\n"
        "outside the inventory:\n"
        "  principals of account 444455556666: allowed if StringEquals sts:ExternalId ="
        " 'acme-7f3a9c' (if their own identity policies allow it too)\n"
    )


def test_reach_follows_the_chain_from_a_user() -> None:
    status, text = _run("reach", "arn:aws:iam::111122223333:user/eng/alice", "--inventory", DUMP)
    assert status == 0
    assert text == (
        "arn:aws:iam::111122223333:user/eng/alice can reach 1 role(s)\n"
        "  arn:aws:iam::111122223333:role/ci/deploy\n"
        "    arn:aws:iam::111122223333:user/eng/alice → arn:aws:iam::111122223333:role/ci/deploy\n"
    )


def test_who_can_json_is_machine_readable() -> None:
    status, text = _run(
        "who-can",
        "arn:aws:iam::111122223333:role/ci/deploy",
        "--inventory",
        DUMP,
        "--format",
        "json",
    )
    assert status == 0
    document = json.loads(text)
    assert document["role"] == "arn:aws:iam::111122223333:role/ci/deploy"


def test_unknown_role_is_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    status, text = _run("who-can", "arn:aws:iam::111122223333:role/nope", "--inventory", DUMP)
    assert status == 2
    assert text == ""
    assert (
        "the inventory has no role arn:aws:iam::111122223333:role/nope" in capsys.readouterr().err
    )


def test_missing_inventory_option_is_a_usage_error(capsys) -> None:  # type: ignore[no-untyped-def]
    status, _ = _run("who-can", "arn:aws:iam::111122223333:role/ci/deploy")
    assert status == 2
    assert "--inventory" in capsys.readouterr().err
