"""Strict parsing against plain JSON reading, side by side in one process run.

Run: python benchmarks/bench_parsing.py [--count 400] [--seed 7] [--repeat 7] [--roles 5000]

Prints, each rate the median of ``--repeat`` rounds, the two sides of each pair measured
alternately (a change in machine load then favours neither) and the ratio the median of
the per-round ratios:

* ``load_policy(text)`` on the generated corpus's trust policies (tests/support/corpus.py)
  as JSON text, against ``json.loads`` on the same texts: warm (a text parsed before, or a
  statement the rules found valid before, is not parsed or checked again) and cold (those
  memos cleared before every document: what a first load costs);
* the same on the five typical policies of ``examples/`` (one or two statements each);
* ``parse_policy(dict)`` on the same documents already decoded;
* ``load_authorization_details`` on a generated account dump (``--roles`` roles and as many
  users, each with the corpus's policies), against ``json.loads`` of the same bytes.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import corpus
from trustsim.loaders import load_authorization_details, load_policy
from trustsim.parsing import parse_policy

try:  # the checkouts before issue 22 have no parsing memo
    from trustsim.parsing import clear_parse_caches
except ImportError:  # pragma: no cover - the script runs on older checkouts too

    def clear_parse_caches() -> None:
        """Nothing to forget."""


def _seconds(work: Callable[[], int], budget: float) -> float:
    """Items per second of ``work`` run for about ``budget`` seconds (gc paused)."""
    done, start = 0, time.perf_counter()
    gc.disable()
    try:
        while True:
            done += work()
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                return done / elapsed
    finally:
        gc.enable()


def paired(
    ours: Callable[[], int], theirs: Callable[[], int], repeat: int, budget: float
) -> tuple[float, float, float]:
    """Median rates of two workloads measured alternately, and the median of their ratios."""
    ours(), theirs()
    mine, other = [], []
    for _ in range(repeat):
        mine.append(_seconds(ours, budget))
        other.append(_seconds(theirs, budget))
    ratios = [b / a for a, b in zip(mine, other, strict=True)]
    return statistics.median(mine), statistics.median(other), statistics.median(ratios)


def _loop(function: Callable[[Any], Any], items: list[Any]) -> Callable[[], int]:
    def work() -> int:
        for item in items:
            function(item)
        return len(items)

    return work


def account_dump(cases: list[dict[str, Any]], roles: int) -> bytes:
    """``get-account-authorization-details`` output: ``roles`` roles and as many users."""
    role_list, user_list = [], []
    for i in range(roles):
        case = cases[i % len(cases)]
        account = f"{100000000000 + i % 50}"
        role_list.append(
            {
                "Path": "/",
                "RoleName": f"r{i}",
                "RoleId": f"AROA{i:017d}",
                "Arn": f"arn:aws:iam::{account}:role/r{i}",
                "AssumeRolePolicyDocument": case["trust"],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
                "Tags": [{"Key": "team", "Value": f"t{i % 40}"}],
            }
        )
        identities = case["caller"].get("identity") or [
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ]
        user_list.append(
            {
                "Path": "/",
                "UserName": f"u{i}",
                "UserId": f"AIDA{i:017d}",
                "Arn": f"arn:aws:iam::{account}:user/u{i}",
                "UserPolicyList": [
                    {"PolicyName": f"p{n}", "PolicyDocument": document}
                    for n, document in enumerate(identities)
                ],
                "GroupList": [],
                "AttachedManagedPolicies": [],
            }
        )
    dump = {
        "UserDetailList": user_list,
        "GroupDetailList": [],
        "RoleDetailList": role_list,
        "Policies": [],
    }
    return json.dumps(dump, indent=2).encode()


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--roles", type=int, default=5000)
    args = parser.parse_args()
    cases = corpus.generate(args.count, args.seed)
    texts = [json.dumps(case["trust"], indent=2) for case in cases]
    documents = [case["trust"] for case in cases]
    size = statistics.median(len(t) for t in texts)
    print(f"{len(texts)} trust policies (median {size:.0f} bytes), {args.repeat} rounds")

    def cold(text: str) -> object:
        clear_parse_caches()
        return load_policy(text)

    examples = Path(__file__).resolve().parent.parent / "examples"
    typical = [
        path.read_text()
        for path in sorted(examples.glob("*.json"))
        if path.name != "scenarios.json"
    ]
    for label, function, items in (
        ("load_policy(text) warm", load_policy, texts),
        ("load_policy(text) cold", cold, texts),
        ("examples/ warm", load_policy, typical),
        ("examples/ cold", cold, typical),
    ):
        ours, theirs, ratio = paired(
            _loop(function, items), _loop(json.loads, items), args.repeat, 0.3
        )
        print(
            f"  {label:<24} {ours:>10,.0f} /s   json.loads {theirs:>10,.0f} /s   "
            f"json.loads is {ratio:.1f}x faster"
        )
    ours, theirs, ratio = paired(
        _loop(parse_policy, documents), _loop(json.loads, texts), args.repeat, 0.3
    )
    print(
        f"  {'parse_policy(dict)':<24} {ours:>10,.0f} /s   json.loads {theirs:>10,.0f} /s   "
        f"json.loads is {ratio:.1f}x faster"
    )

    dump = account_dump(cases, args.roles)
    mb = len(dump) / 1e6
    ours, theirs, ratio = paired(
        lambda: (load_authorization_details(dump), 1)[1],
        lambda: (json.loads(dump), 1)[1],
        max(3, args.repeat // 2),
        0.01,
    )
    print(
        f"  account dump ({args.roles} roles + {args.roles} users, {mb:.1f} MB): "
        f"load_authorization_details {1 / ours:.2f} s   json.loads {1 / theirs:.3f} s   "
        f"ratio {ratio:.1f}x"
    )


if __name__ == "__main__":
    main()
