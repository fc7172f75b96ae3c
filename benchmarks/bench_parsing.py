"""Strict parsing against plain JSON reading, side by side in one process run.

Run: python benchmarks/bench_parsing.py [--count 400] [--seed 7] [--repeat 7] [--roles 5000]

Prints, each rate the median of ``--repeat`` rounds, the two sides of each pair measured
alternately (a change in machine load then favours neither) and the ratio the median of
the per-round ratios. Times are the process's CPU time (``time.process_time``): on a
machine shared with other jobs it moves far less than wall-clock time.
``load_policy(text)`` is measured three ways, each line saying which:

* **repeated**: the same texts again and again — a text parsed before is remembered by
  ``(text, kind)``, so this measures the document memo (what a test suite loading the same
  fixtures pays);
* **distinct**: texts never parsed before in the process (each round a new slice of a large
  generated pool, none of them the same text as another), after the warm-up has parsed
  other documents — the document memo always misses, while what is remembered by value
  (actions, principals and condition values found valid, statement sizes, operator
  names…) is as a long-running process has it: what loading an organisation's policies
  costs;
* **first load**: every parsing memo cleared before every text
  (``trustsim.parsing.clear_parse_caches()``): what the first document of a fresh process pays.

Each on the generated corpus's trust policies (tests/support/corpus.py) and on typical ones
(the corpus's GitHub and cross-account policies of one or two statements, about 490 bytes;
for repeated and first loads, the five policies of ``examples/``), against ``json.loads`` on
the same texts. Then ``parse_policy(dict)`` on decoded documents, and
``load_authorization_details`` on a generated account dump (``--roles`` roles and as many
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
    """Items per CPU second of ``work`` run for about ``budget`` CPU seconds (gc paused)."""
    done, start = 0, time.process_time()
    gc.disable()
    try:
        while True:
            done += work()
            elapsed = time.process_time() - start
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


def fresh_texts(count: int, seed: int, seen: set[str], typical: bool) -> list[str]:
    """``count`` trust-policy texts, each distinct and none in ``seen`` (which they join)."""
    found: list[str] = []
    while len(found) < count:
        for case in corpus.generate(4000, seed):
            statements = case["trust"]["Statement"]
            if typical and not (
                case["scenario"] in ("github", "cross_account") and len(statements) <= 2
            ):
                continue
            text = json.dumps(case["trust"], indent=2)
            if text not in seen:
                seen.add(text)
                found.append(text)
        seed += 1
    return found[:count]


def distinct(
    chunks: list[list[str]], function: Callable[[str], object]
) -> tuple[float, float, float]:
    """Rates of ``function`` and ``json.loads`` on chunks never parsed before, alternately.

    The first chunk is the warm-up; each later round parses its own chunk once with
    ``function`` and, for about 0.1 s, again and again with ``json.loads`` (which remembers
    nothing).
    """
    mine, other = [], []
    for number, chunk in enumerate(chunks):
        gc.disable()
        try:
            start = time.process_time()
            for text in chunk:
                function(text)
            ours = len(chunk) / (time.process_time() - start)
            theirs = _seconds(_loop(json.loads, chunk), 0.1)  # no memo: repeating is fair
        finally:
            gc.enable()
        if number:
            mine.append(ours)
            other.append(theirs)
    ratios = [b / a for a, b in zip(mine, other, strict=True)]
    return statistics.median(mine), statistics.median(other), statistics.median(ratios)


def _line(label: str, ours: float, theirs: float, ratio: float) -> None:
    print(
        f"  {label:<44} {ours:>9,.0f} /s   json.loads {theirs:>9,.0f} /s   "
        f"json.loads is {ratio:.1f}x faster"
    )


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=400, help="texts per distinct round")
    args = parser.parse_args()
    cases = corpus.generate(args.count, args.seed)
    texts = [json.dumps(case["trust"], indent=2) for case in cases]
    documents = [case["trust"] for case in cases]
    seen = set(texts)
    rounds = args.repeat + 1
    pool = fresh_texts(args.chunk * rounds, args.seed + 1000, seen, typical=False)
    typical_pool = fresh_texts(args.chunk * rounds, args.seed + 2000, seen, typical=True)
    size = statistics.median(len(t) for t in texts)
    typical_size = statistics.median(len(t) for t in typical_pool)
    print(
        f"{len(texts)} corpus trust policies (median {size:.0f} bytes); distinct rounds of "
        f"{args.chunk} new texts (typical: median {typical_size:.0f} bytes); "
        f"{args.repeat} rounds"
    )

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
        ("corpus, repeated texts", load_policy, texts),
        ("corpus, first load (memos cleared)", cold, texts),
        ("examples/, repeated texts", load_policy, typical),
        ("examples/, first load (memos cleared)", cold, typical),
    ):
        _line(label, *paired(_loop(function, items), _loop(json.loads, items), args.repeat, 0.3))
    for label, chosen in (("corpus", pool), ("typical GitHub/cross-account", typical_pool)):
        chunks = [chosen[i * args.chunk : (i + 1) * args.chunk] for i in range(rounds)]
        _line(f"{label}, distinct texts", *distinct(chunks, load_policy))
    ours, theirs, ratio = paired(
        _loop(parse_policy, documents), _loop(json.loads, texts), args.repeat, 0.3
    )
    _line("parse_policy(dict), corpus", ours, theirs, ratio)

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
