"""``who-can``, ``reach`` and ``inventory build``: questions about an inventory (docs/who-can.md).

* ``trustsim who-can ROLE_ARN --inventory FILE`` / ``trustsim reach PRINCIPAL_ARN --inventory
  FILE``: who can assume a role of an inventory, with residual conditions; which roles a
  principal reaches by chaining (:mod:`trustsim.whocan`). 0 answered, 2 unreadable inventory.
* ``trustsim inventory build DUMPS... -o org.db [--manifest inventory.json]`` builds or
  updates a database (:func:`trustsim.inventory_db.build_database`);
* ``who-can ROLE_ARN`` / ``reach PRINCIPAL_ARN`` with ``--inventory org.db`` read only the
  rows the query needs;
* ``who-can --all`` / ``reach --all`` write one JSON object per line (one per role, one per
  starting principal); ``--jobs N`` spreads them over N worker processes, each opening the
  database read-only (who-can partitioned by the role's account, reach by starting
  principal). Progress goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from trustsim.cli.options import Command, format_option
from trustsim.cli.output import StatusLine
from trustsim.errors import TrustsimError, escape
from trustsim.inventory import Inventory, load_inventory
from trustsim.inventory_db import InventoryDatabase, build_database, is_database, open_database
from trustsim.whocan import reachable_from, who_can_assume

__all__ = ["COMMANDS", "run", "run_query"]

_CHUNK = 256  # starting principals per reach task


def _who_can_arguments(who: argparse.ArgumentParser) -> None:
    who.add_argument("role_arn", metavar="ROLE_ARN", nargs="?", help="the role's ARN")
    _query_options(who)


def _reach_arguments(reach: argparse.ArgumentParser) -> None:
    reach.add_argument(
        "principal_arn", metavar="PRINCIPAL_ARN", nargs="?", help="the IAM user's or role's ARN"
    )
    _query_options(reach)


def _query_options(parser: argparse.ArgumentParser) -> None:
    """The inventory a query reads, ``--format``, and how many answers (issue 22)."""
    parser.add_argument(
        "--inventory",
        required=True,
        metavar="FILE",
        help="get-account-authorization-details output, a manifest naming such dumps, or an "
        "inventory database (docs/who-can.md)",
    )
    format_option(parser)
    # issue 22: docs/who-can.md, "Large organisations"
    parser.add_argument("--all", action="store_true", help="every one, as JSON lines")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes")


def _build_arguments(inventory: argparse.ArgumentParser) -> None:
    actions = inventory.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="build or update an inventory database")
    build.add_argument("dumps", nargs="*", metavar="DUMP", help="authorization-details dumps")
    build.add_argument("-o", "--output", required=True, metavar="FILE", help="the database")
    build.add_argument(
        "--manifest",
        metavar="FILE",
        help="an inventory manifest: its dumps, organisation and identity providers",
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """``who-can ROLE_ARN``, ``reach PRINCIPAL_ARN`` or ``inventory build``.

    0 answered (or built), 2 an unreadable inventory or dump, or no such role or principal.
    """
    if args.command == "inventory":
        return _run_build(args, out)
    target = args.role_arn if args.command == "who-can" else args.principal_arn
    return _answer_one(args, args.command, target, out)


def _answer_one(args: argparse.Namespace, command: str, target: str | None, out: TextIO) -> int:
    if args.all or not target or is_database(args.inventory):
        return run_query(args, command, out)  # a database, or --all (issue 22)
    status = StatusLine(sys.stderr)
    try:
        status.show(f"reading {escape(str(args.inventory))}…")
        inventory = load_inventory(args.inventory)
        status.show(f"{len(inventory.users)} users, {len(inventory.roles)} roles: answering…")
        if not inventory.roles and not inventory.users:
            print(
                f"trustsim: {escape(str(args.inventory))} is not an inventory: it holds no roles "
                "or users (an inventory is get-account-authorization-details output, or a "
                "manifest naming such dumps: docs/who-can.md)",
                file=sys.stderr,
            )
            return 2
        result = _answer(inventory, command, target)
    except (TrustsimError, OSError) as error:
        status.clear()
        print(f"trustsim: {error}", file=sys.stderr)
        return 2
    finally:
        status.clear()
    print(_render(result, args.format), file=out)
    return 0


def _run_build(args: argparse.Namespace, out: TextIO) -> int:
    err = sys.stderr
    dumps: list[str | os.PathLike[str]] = list(args.dumps)
    options: dict[str, Any] = {}
    try:
        if args.manifest:
            manifest = Path(args.manifest)
            value = json.loads(manifest.read_text(encoding="utf-8-sig"))
            listed = value.get("authorization_details", []) if isinstance(value, dict) else []
            dumps += [manifest.parent / str(d) for d in listed]
            loaded = load_inventory(manifest)
            options = {
                "organization": loaded.organization,
                "oidc_providers": loaded.oidc_providers,
                "saml_providers": loaded.saml_providers,
            }
        if not dumps:
            print("trustsim: inventory build needs at least one dump", file=err)
            return 2
        report = build_database(args.output, dumps, **options)
    except (TrustsimError, OSError, ValueError) as error:
        print(f"trustsim: {error}", file=err)
        return 2
    print(
        f"{args.output}: {report.principals} principals, {report.policies} distinct policies "
        f"({report.read} dump(s) read, {report.unchanged} unchanged)",
        file=err,
    )
    return 0


#: ``who-can`` and ``reach`` print their own ``--format`` (before ``--all``); ``inventory``
#: writes a database, in no format.
COMMANDS: tuple[Command, ...] = (
    Command(
        "who-can",
        "who can assume a role of an inventory",
        "List every principal of an inventory that can assume the role, with the "
        "conditions left to meet (residual conditions), and the chains that reach it. Exit "
        "status: 0 answered, 2 unreadable inventory or no such role.",
        _who_can_arguments,
        formats=(),
    ),
    Command(
        "reach",
        "which roles a principal can reach by chaining",
        "List every role of an inventory the principal can assume, directly or by "
        "chaining role sessions, with the conditions left to meet on the way. Exit status: 0 "
        "answered, 2 unreadable inventory or no such principal.",
        _reach_arguments,
        formats=(),
    ),
    Command(
        "inventory",
        "build an inventory database (SQLite) from account dumps",
        "Store get-account-authorization-details dumps in one SQLite file that "
        "who-can and reach read with --inventory FILE. Building again re-reads only the "
        "dumps that changed.",
        _build_arguments,
        formats=(),
    ),
)


def run_query(
    args: argparse.Namespace, command: str, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``who-can`` / ``reach`` on a database, or ``--all`` on any inventory."""
    out = out or sys.stdout
    err = err or sys.stderr
    target = args.role_arn if command == "who-can" else args.principal_arn
    every = getattr(args, "all", False)
    if every == bool(target):
        print(f"trustsim: {command} needs either an ARN or --all", file=err)
        return 2
    jobs = getattr(args, "jobs", 1)
    try:
        if is_database(args.inventory):
            with open_database(args.inventory) as database:
                if not every:
                    print(_render(_one(database, command, target), args.format), file=out)
                    return 0
                tasks = _tasks(database, command, jobs)
            _write_all(args.inventory, tasks, jobs, out, err)
            return 0
        if jobs > 1:
            print(
                "trustsim: --jobs needs an inventory database (trustsim inventory build)", file=err
            )
            return 2
        inventory = load_inventory(args.inventory)
        items = (
            [r.arn for r in inventory.roles]
            if command == "who-can"
            else [*(u.arn for u in inventory.users), *(r.arn for r in inventory.roles)]
        )
        _progress_lines(
            (_line(_answer(inventory, command, arn)) for arn in items), len(items), out, err
        )
    except (TrustsimError, OSError) as error:
        print(f"trustsim: {error}", file=err)
        return 2
    return 0


def _render(result: Any, output: str) -> str:
    return json.dumps(result.to_dict(), indent=2) if output == "json" else str(result.to_text())


def _line(result: Any) -> str:
    return json.dumps(result.to_dict(), separators=(",", ":"))


def _answer(inventory: Inventory, command: str, arn: str) -> Any:
    return (
        who_can_assume(inventory, arn) if command == "who-can" else reachable_from(inventory, arn)
    )


def _one(database: InventoryDatabase, command: str, arn: str) -> Any:
    if command == "who-can":
        return database.who_can(arn)
    return _answer(database.inventory(), command, arn)


def _tasks(database: InventoryDatabase, command: str, jobs: int) -> list[tuple[str, list[str]]]:
    """Who-can: one task per account of roles; reach: chunks of starting principals."""
    if command == "who-can":
        by_account: dict[str, list[str]] = {}
        for account, arn in database.role_arns():
            by_account.setdefault(account, []).append(arn)
        return [(command, arns) for arns in by_account.values()]
    arns = database.principal_arns()
    size = max(1, min(_CHUNK, len(arns) // max(1, jobs * 4)))
    return [(command, arns[i : i + size]) for i in range(0, len(arns), size)]


_WORKER: dict[str, Any] = {}


def _start_worker(path: str) -> None:
    _WORKER["database"] = open_database(path)


def _work(task: tuple[str, list[str]]) -> list[str]:
    database: InventoryDatabase = _WORKER["database"]
    command, arns = task
    each = database.who_can_each if command == "who-can" else database.reach_each
    return [_line(result) for result in each(arns)]


def _write_all(
    path: str,
    tasks: Sequence[tuple[str, list[str]]],
    jobs: int,
    out: TextIO,
    err: TextIO,
) -> None:
    total = sum(len(arns) for _, arns in tasks)
    if jobs <= 1:
        _start_worker(path)
        try:
            _progress_chunks((_work(task) for task in tasks), total, out, err)
        finally:
            _WORKER.pop("database").close()
        return
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(path,)
    ) as pool:
        _progress_chunks(pool.map(_work, tasks), total, out, err)


def _progress_chunks(chunks: Iterator[list[str]], total: int, out: TextIO, err: TextIO) -> None:
    _progress_lines((line for chunk in chunks for line in chunk), total, out, err)


def _progress_lines(lines: Iterator[str], total: int, out: TextIO, err: TextIO) -> None:
    show = err.isatty()
    for done, line in enumerate(lines, 1):
        print(line, file=out)
        if show and (done % 100 == 0 or done == total):
            print(f"\r{done}/{total}", end="", file=err, flush=True)
    if show:
        print(file=err)
