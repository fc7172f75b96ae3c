"""Who-can and reach over synthetic organisations, and how their cost grows with size.

Run: python benchmarks/bench_whocan.py [--sizes 1000 2000 5000 10000] [--accounts 50] [--seed 7]
                                        [--gc frozen|on]
     python benchmarks/bench_whocan.py --roles N [--accounts 50] [--queries 200] [--reach-all]

With ``--roles N`` it benchmarks an inventory database instead (issue 22): the organisation
is written as one dump per account, loaded in memory (what every query cost before), built
into a database (and built again, unchanged), then one who-can query (opening the database
each time) is timed on ``--queries`` roles (p50, p99), and ``trustsim who-can --all`` run
with 1 and 2 jobs (wall time, CPU seconds of the command and its workers, peak RSS of the
largest process, the md5 of the sorted output lines). Loading and building also print their
CPU seconds, and the run the load average and which ``trustsim`` it measures: to measure
another checkout with this script, copy it to ``DIR/benchmarks/`` (``DIR`` holding no
``trustsim``) and run it with ``PYTHONPATH`` pointing at that checkout.

For each size N the generator builds an organisation of ``--accounts`` accounts holding N roles
and N users (2N callers), with realistic trust shapes (same-account root with and without
MFA, named users, named roles with and without ExternalId, cross-account root with
ExternalId, GitHub OIDC with a ``sub`` pattern, services with ``aws:SourceAccount``,
ten roles with ``{"AWS": "*"}`` narrowed by ``aws:PrincipalAccount``), team identity policies
(teams grow with the organisation: about 25 roles and 25 users each), and an
SCP on one OU that denies assuming roles from outside the corporate network. It then times

* ``who_can_assume`` over every role (fresh caches), and
* ``reachable_from`` from every principal (users and roles; fresh caches),

and prints time, rate, answers found and the growth from the smallest to the largest size
(near N times for N times the roles means linear; N² would mean roles x principals). By
default the built inventory is frozen out of Python's cyclic garbage collector and the
collector paused while timing (``--gc on`` keeps it running: its full-heap scans then add a
cost of their own that grows faster than N).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trustsim import whocan
from trustsim.callers import IamUser
from trustsim.inventory import Inventory, InventoryRole, Organization, OrgUnit
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy

ORG_ID = "o-a1b2c3d4e5"
ROOT = "r-ab12"
OUS = [f"ou-ab12-{i:08d}" for i in range(1, 6)]


def _account(index: int) -> str:
    return f"{100000000000 + index}"


def _doc(statements: list[dict[str, Any]], kind: PolicyKind = PolicyKind.TRUST) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": statements}, kind=kind)


def _assume(resource: str | list[str]) -> Policy:
    return _doc(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}], PolicyKind.IDENTITY
    )


def synthetic_org(roles: int, accounts: int = 50, seed: int = 7) -> Inventory:
    """An organisation of ``accounts`` accounts with ``roles`` roles and as many users."""
    rng = random.Random(seed)
    # Teams grow with the organisation (about 25 roles each), so that a team's reach does not.
    teams = max(20, roles // 25)
    account_ids = [_account(i) for i in range(accounts)]
    team_user_policies = [_assume(f"arn:aws:iam::*:role/team{t}-*") for t in range(teams)]
    team_role_policies: dict[tuple[str, int], Policy] = {}
    admin = _assume("*")
    role_arns = [
        f"arn:aws:iam::{account_ids[i % accounts]}:role/team{rng.randrange(teams)}-r{i}"
        for i in range(roles)
    ]
    user_arns = [f"arn:aws:iam::{account_ids[i % accounts]}:user/u{i}" for i in range(roles)]
    users = []
    for i, arn in enumerate(user_arns):
        policies = [team_user_policies[rng.randrange(teams)]]
        if rng.random() < 0.1:
            policies.append(_assume(rng.choice(role_arns)))
        if i < accounts:  # one administrator per account, however large the organisation
            policies.append(admin)
        users.append(IamUser(arn, policies=policies, tags={"team": f"t{i % teams}"}))
    entries = []
    for i, arn in enumerate(role_arns):
        account = arn.split(":")[4]
        # A fixed handful of roles shared with a whole account through {"AWS": "*"}: their
        # answers are every principal of the account, so their count must not grow with N.
        shape = 1.0 if i < 10 else rng.random() * 0.98
        if shape < 0.35:
            statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                         "Action": "sts:AssumeRole"}  # fmt: skip
            if rng.random() < 0.5:
                statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        elif shape < 0.55:
            named = rng.sample(user_arns, rng.randint(1, 3))
            statement = {"Effect": "Allow", "Principal": {"AWS": named}, "Action": "sts:AssumeRole"}
        elif shape < 0.70:
            statement = {
                "Effect": "Allow",
                "Principal": {"AWS": rng.choice(role_arns)},
                "Action": "sts:AssumeRole",
            }
            if rng.random() < 0.5:
                statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
        elif shape < 0.80:
            provider = f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
            issuer = "token.actions.githubusercontent.com"
            statement = {"Effect": "Allow", "Principal": {"Federated": provider},
                         "Action": "sts:AssumeRoleWithWebIdentity",
                         "Condition": {"StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"},
                                       "StringLike": {f"{issuer}:sub": f"repo:acme/app{i % 97}:*"}}}  # fmt: skip
        elif shape < 0.88:
            service = rng.choice(["lambda.amazonaws.com", "ec2.amazonaws.com"])
            statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                         "Condition": {"StringEquals": {"aws:SourceAccount": account}}}  # fmt: skip
        elif shape < 0.98:
            other = rng.choice(account_ids)
            statement = {"Effect": "Allow", "Principal": {"AWS": other}, "Action": "sts:AssumeRole",
                         "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}}  # fmt: skip
        else:
            statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                         "Condition": {"StringEquals": {"aws:PrincipalAccount": account}}}  # fmt: skip
        team = int(arn.rsplit("/", 1)[1].split("-")[0][4:])
        policies = []
        if rng.random() < 0.5:
            key = (account, team)
            if key not in team_role_policies:
                team_role_policies[key] = _assume(f"arn:aws:iam::{account}:role/team{team}-*")
            policies.append(team_role_policies[key])
        entries.append(InventoryRole(_doc_role(arn, statement), policies=policies))
    scp = _doc(
        [{"Effect": "Allow", "Action": "*", "Resource": "*"},
         {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
          "Condition": {"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}}],
        PolicyKind.SCP,
    )  # fmt: skip
    organization = Organization(
        ORG_ID,
        ROOT,
        units=[OrgUnit(ou, ROOT, scps=[scp] if index == 0 else []) for index, ou in enumerate(OUS)],
        accounts={a: OUS[i % len(OUS)] for i, a in enumerate(account_ids)},
    )
    return Inventory.build(users=users, roles=entries, organization=organization)


def _doc_role(arn: str, statement: dict[str, Any]) -> Any:
    from trustsim.callers import Role  # noqa: PLC0415

    return Role(arn, _doc([statement]))


def _fresh() -> None:
    whocan.evaluator._EVALUATORS.clear()
    whocan.reach._REVERSE.clear()


def measure(size: int, accounts: int, seed: int, *, gc_mode: str = "frozen") -> dict[str, float]:
    """Build one organisation and time who-can over every role and reach from every principal.

    ``gc_mode="frozen"`` moves the built inventory out of the cyclic collector's reach
    (``gc.freeze``) and pauses the collector while timing, as a batch job over a loaded
    inventory would; ``"on"`` leaves Python's default collector running, whose full scans of
    the growing heap add a cost that grows faster than the work itself.
    """
    start = time.perf_counter()
    inventory = synthetic_org(size, accounts, seed)
    built = time.perf_counter() - start
    _fresh()
    if gc_mode == "frozen":
        gc.collect()
        gc.freeze()
        gc.disable()
    try:
        return _timed(inventory, size, built)
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


def _timed(inventory: Inventory, size: int, built: float) -> dict[str, float]:
    start = time.perf_counter()
    answers = candidates = conditional = 0
    for entry in inventory.roles:
        result = whocan.who_can_assume(inventory, entry.arn)
        answers += len(result.principals) + len(result.classes)
        candidates += result.candidates
        conditional += sum(a.access is whocan.Access.CONDITIONAL for a in result.principals)
    who = time.perf_counter() - start
    _fresh()
    start = time.perf_counter()
    reached = 0
    principals = [u.arn for u in inventory.users] + [r.arn for r in inventory.roles]
    for arn in principals:
        reached += len(whocan.reachable_from(inventory, arn).reached)
    reach = time.perf_counter() - start
    return {
        "roles": size,
        "callers": len(principals),
        "build": built,
        "who": who,
        "answers": answers,
        "conditional": conditional,
        "candidates": candidates,
        "reach": reach,
        "reached": reached,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the table and the growth from the smallest to the largest size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gc", choices=("frozen", "on"), default="frozen", dest="gc_mode")
    parser.add_argument("--roles", type=int, help="benchmark an inventory database of N roles")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reach-all", action="store_true", help="also time reach --all")
    args = parser.parse_args(argv)
    if args.roles:
        database_bench(args.roles, args.accounts, args.seed, args.queries, args.reach_all)
        return
    print(f"garbage collector: {args.gc_mode}")
    rows = [measure(size, args.accounts, args.seed, gc_mode=args.gc_mode) for size in args.sizes]
    print(f"{'roles':>7} {'callers':>8} {'build s':>8} {'who-can s':>10} {'roles/s':>8} "
          f"{'answers':>8} {'cond.':>6} {'cand.':>7} {'reach s':>8} {'princ/s':>8} {'reached':>8}")  # fmt: skip
    for row in rows:
        print(
            f"{row['roles']:>7} {row['callers']:>8} {row['build']:>8.2f} {row['who']:>10.2f} "
            f"{row['roles'] / row['who']:>8.0f} {row['answers']:>8} {row['conditional']:>6} "
            f"{row['candidates']:>7} {row['reach']:>8.2f} {row['callers'] / row['reach']:>8.0f} "
            f"{row['reached']:>8}"
        )
    first, last = rows[0], rows[-1]
    scale = last["roles"] / first["roles"]
    print(
        f"growth for {scale:.0f}x the roles: who-can x{last['who'] / first['who']:.1f}, "
        f"reach x{last['reach'] / first['reach']:.1f}, answers x{last['answers'] / first['answers']:.1f} "
        f"(linear would be x{scale:.0f}, quadratic x{scale * scale:.0f})"
    )


# --------------------------------------------------------------------------- databases (issue 22)


def write_dumps(inventory: Inventory, folder: Path) -> list[Path]:
    """One ``get-account-authorization-details`` file per account of ``inventory``."""
    from trustsim.serialize import to_dict  # noqa: PLC0415

    by_account: dict[str, dict[str, list[Any]]] = {}
    for user in inventory.users:
        dump = by_account.setdefault(user.account_id, {"UserDetailList": [], "RoleDetailList": []})
        dump["UserDetailList"].append({
            "UserName": user.name, "Path": "/", "Arn": user.arn, "GroupList": [],
            "Tags": [{"Key": k, "Value": v} for k, v in user.tags.items()],
            "UserPolicyList": [{"PolicyName": f"p{n}", "PolicyDocument": to_dict(p)}
                               for n, p in enumerate(user.policies)],
        })  # fmt: skip
    for entry in inventory.roles:
        dump = by_account.setdefault(entry.account_id, {"UserDetailList": [], "RoleDetailList": []})
        dump["RoleDetailList"].append({
            "RoleName": entry.name, "Path": "/", "Arn": entry.arn,
            "AssumeRolePolicyDocument": to_dict(entry.role.trust_policy),
            "RolePolicyList": [{"PolicyName": f"p{n}", "PolicyDocument": to_dict(p)}
                               for n, p in enumerate(entry.policies)],
        })  # fmt: skip
    paths = []
    for account, dump in sorted(by_account.items()):
        path = folder / f"{account}.json"
        path.write_text(json.dumps(dump))
        paths.append(path)
    return paths


def _cli_seconds(argv: list[str]) -> tuple[float, int, list[str], float]:
    """Wall time, peak RSS (kB, the largest process), sorted output lines of ``trustsim ARGV``
    and the CPU seconds (user + system) of the command and its workers."""
    command = ["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "trustsim", *argv]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    elapsed = time.perf_counter() - start
    rss, user, system = done.stderr.strip().splitlines()[-1].split()
    return elapsed, int(rss), sorted(done.stdout.splitlines()), float(user) + float(system)


def _build_in_fresh_process(
    database: Path, dumps: list[Path], organization: Organization | None
) -> tuple[float, int, float]:
    """Build ``database`` in this (fresh) process: seconds, peak RSS (kB), CPU seconds."""
    from trustsim.inventory_db import build_database  # noqa: PLC0415

    start, cpu = time.perf_counter(), time.process_time()
    build_database(database, dumps, organization=organization)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, cpu


def _checkout() -> str:
    """Where this process's ``trustsim`` and the CLI's (``python -m trustsim``) come from."""
    import trustsim  # noqa: PLC0415

    command = [sys.executable, "-c", "import trustsim; print(trustsim.__file__)"]
    cli = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return f"trustsim {trustsim.__file__}, CLI {cli.stdout.strip()}"


def database_bench(roles: int, accounts: int, seed: int, queries: int, reach_all: bool) -> None:
    """Build time, size, one query p50/p99, --all with 1 and 2 jobs, peak RSS (issue 22)."""
    from trustsim.inventory_db import open_database  # noqa: PLC0415

    print(_checkout())
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inventory = synthetic_org(roles, accounts, seed)
        organization = inventory.organization
        dumps = write_dumps(inventory, folder)
        del inventory
        megabytes = sum(p.stat().st_size for p in dumps) / 1e6
        print(f"{roles} roles + {roles} users in {accounts} accounts: {len(dumps)} dumps, "
              f"{megabytes:.0f} MB")  # fmt: skip
        start, cpu = time.perf_counter(), time.process_time()
        loaded = Inventory.from_authorization_details(*dumps, organization=organization)
        print(f"  load the dumps in memory (what every query paid before): "
              f"{time.perf_counter() - start:.1f} s, CPU {time.process_time() - cpu:.1f} s")  # fmt: skip
        sample = random.Random(seed).sample([r.arn for r in loaded.roles], queries)
        del loaded
        database = folder / "org.db"
        # A fresh interpreter for each build, so that its peak RSS is the build's own.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            elapsed, rss, cpu = pool.apply(_build_in_fresh_process, (database, dumps, organization))
        print(f"  build: {elapsed:.1f} s, CPU {cpu:.1f} s, database "
              f"{database.stat().st_size / 1e6:.0f} MB, peak RSS {rss / 1024:.0f} MB")  # fmt: skip
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            elapsed, rss, cpu = pool.apply(_build_in_fresh_process, (database, dumps, organization))
        print(f"  build again, nothing changed: {elapsed:.1f} s, CPU {cpu:.1f} s")
        times = []
        for arn in sample:
            start = time.perf_counter()
            with open_database(database) as opened:
                opened.who_can(arn)
            times.append(time.perf_counter() - start)
        times.sort()
        p50 = times[len(times) // 2] * 1000
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        print(f"  one query (open + who-can, {queries} roles): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        elapsed, rss, _, _ = _cli_seconds(["who-can", sample[0], "--inventory", str(database)])
        print(f"  trustsim who-can ROLE --inventory org.db: {elapsed:.2f} s, "
              f"peak RSS {rss / 1024:.0f} MB")  # fmt: skip
        commands = ["who-can", "reach"] if reach_all else ["who-can"]
        for command in commands:
            outputs = []
            for jobs in (1, 2):
                elapsed, rss, lines, cpu = _cli_seconds(
                    [command, "--all", "--inventory", str(database), "--jobs", str(jobs)]
                )
                outputs.append(lines)
                digest = hashlib.md5("\n".join(lines).encode()).hexdigest()  # noqa: S324
                print(f"  {command} --all --jobs {jobs}: {elapsed:.1f} s ({len(lines)} lines, "
                      f"{len(lines) / elapsed:.0f}/s), CPU {cpu:.1f} s, "
                      f"peak RSS {rss / 1024:.0f} MB, sorted output md5 {digest}")  # fmt: skip
            if outputs[0] != outputs[1]:
                raise SystemExit(f"{command} --all: 1 and 2 jobs answered differently")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
