"""The cost of exact answers: ``grants`` and ``compare`` on the corpus and on adversarial policies.

Run: python benchmarks/bench_analysis.py [--count 400] [--seed 7]   (see benchmarks/README.md)

Every call is timed cold, in CPU time: the analysis' memos (regions by languages, automata by pattern,
alphabets) and the evaluator's compile caches are cleared first, so a figure is what one
policy costs on its own, not after its neighbours warmed the caches. Printed, never asserted:

* **corpus**: ``grants`` on every trust policy of the benchmark corpus (tests/support/corpus.py),
  and ``compare`` of each policy with the next one of the same scenario (a realistic change)
  and with itself (a proof: every cell decided under both roles); median and max, and how many
  answers are complete;
* **adversarial**: 30 globs on one key, 20 keys in one statement, 50 statements, a policy of
  IAM's maximum size (4,096 characters), each with its time, cell count and completeness;
* **growth**: keys x patterns per key, on one statement — the cost of the product of regions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.corpus import generate
from trustsim import compiler
from trustsim.analysis import automata, compare, grants
from trustsim.parsing import parse_policy

_cells = sys.modules["trustsim.analysis.cells"]

ROLE_ARN = "arn:aws:iam::111122223333:role/analysed"
GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"


def cold() -> None:
    """Forget everything remembered: regions, automata, alphabets, compiled policies."""
    _cells._EXPLORED.clear()
    for cached in (
        automata.glob,
        automata.equals,
        automata.equals_ignore_case,
        automata.arn_glob,
        automata._alphabet,
    ):
        cached.cache_clear()
    compiler.clear_caches()


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """The CPU time of one cold call (CPU, not wall: a preempted call on a shared machine)."""
    cold()
    started = time.process_time()
    result = call()
    return time.process_time() - started, result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _summary(label: str, times: list[float], complete: int, total: int) -> None:
    print(
        f"  {label:<34} n={total:<4} median {_ms(statistics.median(times))}  "
        f"max {_ms(max(times))}  complete {complete}/{total}"
    )


def corpus(count: int, seed: int) -> None:
    cases = generate(count, seed)
    print(f"corpus: {len(cases)} trust policies (tests/support/corpus.py, seed {seed})")
    policies = [(case["scenario"], parse_policy(case["trust"])) for case in cases]
    times, complete = [], 0
    for _, policy in policies:
        seconds, found = timed(lambda policy=policy: grants(policy, role_arn=ROLE_ARN))
        times.append(seconds)
        complete += found.complete
    _summary("grants", times, complete, len(policies))
    by_scenario: dict[str, list[Any]] = {}
    for scenario, policy in policies:
        by_scenario.setdefault(scenario, []).append(policy)
    pairs = [
        (group[index], group[(index + 1) % len(group)])
        for group in by_scenario.values()
        for index in range(len(group))
    ]
    for label, chosen in (
        ("compare with the next of its kind", pairs),
        ("compare with itself (a proof)", [(p, p) for _, p in policies]),
    ):
        times, decided = [], 0
        for new, reference in chosen:
            seconds, result = timed(
                lambda new=new, reference=reference: compare(new, reference, role_arn=ROLE_ARN)
            )
            times.append(seconds)
            decided += result.no_new_access is not None
        _summary(label, times, decided, len(chosen))
    print("  (compare: 'complete' counts answers that are not undetermined)")


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _github(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"Federated": GH_PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }


_CLAIMS = [
    "sub", "aud", "repository", "repository_owner", "ref", "environment", "workflow", "actor",
    "job_workflow_ref", "event_name", "ref_type", "repository_id", "repository_owner_id",
    "run_id", "run_number", "run_attempt", "runner_environment", "head_ref", "base_ref", "sha",
]  # fmt: skip


def _grid(keys: int, patterns: int) -> dict[str, Any]:
    like = {
        f"{GH}:{claim}": [f"{claim}-{index}-*" for index in range(patterns)]
        for claim in _CLAIMS[:keys]
    }
    return _document([_github({"StringLike": like})])


def _vendor(index: int) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": f"{444455550000 + index}"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": f"tenant-{index:03d}"}},
    }


def _four_kb() -> dict[str, Any]:
    """As many ExternalId globs as fit in IAM's 4,096 characters (whitespace not counted)."""
    statements: list[dict[str, Any]] = []
    index = 0
    while True:
        trial = [*statements, _vendor(index)]
        trial[-1]["Condition"] = {"StringLike": {"sts:ExternalId": f"t{index:02d}-*-x?"}}
        if len(json.dumps(_document(trial), separators=(",", ":"))) > 4096:
            return _document(statements)
        statements, index = trial, index + 1


ADVERSARIAL: dict[str, dict[str, Any]] = {
    "30 globs on one key (sub)": _document(
        [_github({"StringLike": {f"{GH}:sub": [f"repo:acme/app{i}:*" for i in range(30)]}})]
    ),
    "30 globs on one key (ExternalId)": _document(
        [
            {
                **_vendor(0),
                "Condition": {"StringLike": {"sts:ExternalId": [f"*{i}*x?" for i in range(30)]}},
            }
        ]
    ),
    "20 keys in one statement": _grid(20, 1),
    "50 statements (ExternalId per account)": _document([_vendor(i) for i in range(50)]),
    "50 statements, Deny guards among them": _document(
        [_vendor(i) for i in range(40)]
        + [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringLike": {"sts:ExternalId": f"*-{i}"}},
            }
            for i in range(10)
        ]
    ),
    "4,096 characters": _four_kb(),
}


def adversarial() -> None:
    print("adversarial policies (grants, then compare with itself):")
    for label, document in ADVERSARIAL.items():
        size = len(json.dumps(document, separators=(",", ":")))
        policy = parse_policy(document)
        seconds, found = timed(lambda policy=policy: grants(policy, role_arn=ROLE_ARN))
        compared, _ = timed(lambda policy=policy: compare(policy, policy, role_arn=ROLE_ARN))
        gap = "" if found.complete else f"  gap: {found.gaps[0].reason[:70]}"
        print(
            f"  {label:<40} {size:>5} chars  grants {_ms(seconds)}  compare {_ms(compared)}  "
            f"cells {found.cell_count:>6}  complete {found.complete}{gap}"
        )


def growth() -> None:
    print("growth: one statement, K claims x P StringLike patterns each (grants)")
    patterns = (1, 2, 3, 4)
    print("  " + "K \\ P".ljust(8) + "".join(f"{p:>22}" for p in patterns))
    for keys in (1, 2, 3, 4, 6, 8):
        row = []
        for count in patterns:
            policy = parse_policy(_grid(keys, count))
            seconds, found = timed(lambda policy=policy: grants(policy, role_arn=ROLE_ARN))
            mark = "" if found.complete else " (budget)"
            row.append(f"{_ms(seconds)} {found.cell_count:>5}c{mark}".rjust(22))
        print("  " + str(keys).ljust(8) + "".join(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    corpus(arguments.count, arguments.seed)
    adversarial()
    growth()


if __name__ == "__main__":
    main()
