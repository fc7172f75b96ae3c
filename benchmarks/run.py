"""Decisions per second, side by side, in one process run (see benchmarks/README.md).

Run: python benchmarks/run.py [--count 400] [--seed 7] [--repeat 5] [--working-set]

Prints, for a generated corpus (tests/support/corpus.py): compile/s, decide/s on prebuilt
requests, end-to-end/s (caller → request context → decision), explain/s, the naive reference
evaluator (tests/support/reference.py) on the same corpus, and, for five fixed typical policies, the
ratio against hand-written deciders (benchmarks/ceiling.py), and the working set: µs per
request deciding one request over and over, each request several times in a row, and looping
over them all (``--working-set`` prints that line alone). Every rate is the median of
``--repeat`` repetitions. Before timing, every decision is checked against the reference (and
every ceiling function against trustsim); a disagreement stops the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import ceiling
from tests.support import corpus, reference
from trustsim import _request_derivation as request_derivation
from trustsim import compiler
from trustsim.evaluation import decide, evaluate
from trustsim.requests import assume_role


def _rate(work: Callable[[], int], repeat: int, budget: float = 0.4) -> float:
    """Median items per second of ``work`` (which returns how many items it did)."""
    work()  # warm caches the way a long-running suite would
    rates = []
    for _ in range(repeat):
        done, start = 0, time.perf_counter()
        gc.disable()
        try:
            while True:
                done += work()
                elapsed = time.perf_counter() - start
                if elapsed >= budget:
                    break
        finally:
            gc.enable()
        rates.append(done / elapsed)
    return statistics.median(rates)


def _paired(
    ours: Callable[[], int], theirs: Callable[[], int], repeat: int, budget: float = 0.2
) -> tuple[float, float, float]:
    """Median rates of two workloads measured alternately, and the median of their ratios.

    Alternating keeps a change in machine load from favouring one side.
    """
    ours_rates, their_rates = [], []
    for _ in range(repeat):
        ours_rates.append(_rate(ours, 1, budget))
        their_rates.append(_rate(theirs, 1, budget))
    ratios = [a / b for a, b in zip(ours_rates, their_rates, strict=True)]
    return (
        statistics.median(ours_rates),
        statistics.median(their_rates),
        statistics.median(ratios),
    )


def _loop(function: Callable[[Any], Any], items: Sequence[Any]) -> Callable[[], int]:
    def work() -> int:
        for item in items:
            function(item)
        return len(items)

    return work


def _working_set(
    function: Callable[[Any], Any], items: Sequence[Any], repeat: int, rounds: int = 8
) -> tuple[float, float, float]:
    """µs per call: one item repeated, each item repeated in place, and looping over all.

    The three do the same calls in a different order: ``one`` calls ``function(items[0])``
    ``len(items)`` times (the issue's "repeated" figure, one request's work); ``each`` calls
    every item ``rounds`` times in a row (the corpus's mix of work, every call after the first
    finding its data in the processor's caches); ``loop`` goes over all items ``rounds``
    times (each call meets data that the others pushed out). ``loop / each`` is the cost of
    the working set alone. Best of ``repeat`` (CPU time, collector off), in alternation.
    """

    def one() -> float:
        first = items[0]
        start = time.process_time()
        for _ in range(rounds):
            for _ in items:
                function(first)
        return time.process_time() - start

    def each() -> float:
        start = time.process_time()
        for item in items:
            for _ in range(rounds):
                function(item)
        return time.process_time() - start

    def loop() -> float:
        start = time.process_time()
        for _ in range(rounds):
            for item in items:
                function(item)
        return time.process_time() - start

    best = [float("inf")] * 3
    loop()  # warm every memo
    gc.disable()
    try:
        for _ in range(repeat):
            for index, measure in enumerate((one, each, loop)):
                best[index] = min(best[index], measure())
    finally:
        gc.enable()
    calls = rounds * len(items)
    return best[0] / calls * 1e6, best[1] / calls * 1e6, best[2] / calls * 1e6


def _print_working_set(requests: Sequence[Any], repeat: int) -> None:
    print(f"working set: µs per request, best of {repeat} (CPU time)")
    for name, ours in (("decide", decide), ("evaluate", evaluate)):
        one, each, loop = _working_set(ours, requests, repeat)
        print(f"  {name + '()':<11} one request repeated {one:.2f}, each request repeated in "
              f"place {each:.2f}, looping over all {len(requests):,} {loop:.2f}: loop / one "
              f"{loop / one:.1f}x, loop / each {loop / each:.1f}x (target <= 1.5x)")  # fmt: skip


def _row(label: str, rate: float, note: str = "") -> None:
    print(f"  {label:<44} {rate:>12,.0f} /s  {note}")


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--working-set", action="store_true", help="only the working-set line")
    args = parser.parse_args()

    cases = corpus.generate(args.count, args.seed)
    roles = [corpus.make_role(case) for case in cases]
    requests = [corpus.make_request(c, r) for c, r in zip(cases, roles, strict=True)]
    if args.working_set:
        _print_working_set(requests, args.repeat)
        return
    ref_args = [corpus.reference_args(c, q) for c, q in zip(cases, requests, strict=True)]

    wrong = allowed = 0
    for request, arguments in zip(requests, ref_args, strict=True):
        outcome = evaluate(request)
        expected = reference.decide(*arguments)
        wrong += outcome.decision.value != expected
        allowed += outcome.allowed
    mean = sum(len(c["trust"]["Statement"]) for c in cases) / len(cases)
    print(f"corpus: {len(cases)} cases (seed {args.seed}), {allowed} allowed "
          f"({allowed / len(cases):.0%}), {mean:.1f} statements per policy on average; "
          f"{wrong} disagreements with tests/support/reference.py")  # fmt: skip
    if wrong:
        raise SystemExit("trustsim and the reference disagree: not timing a wrong evaluator")
    print(f"median of {args.repeat} repetitions\n")

    policies = [role.trust_policy for role in roles]

    def compile_all() -> int:
        compiler._CACHE.clear()
        for policy in policies:
            compiler.compile_policy(policy, label="trust policy")
        return len(policies)

    compile_rate = _rate(compile_all, args.repeat)
    compiler.clear_caches()
    decide_rate = _rate(_loop(evaluate, requests), args.repeat)
    bare_rate = _rate(_loop(decide, requests), args.repeat)
    # Ratios are measured in alternation (see _paired), so a change of load cannot skew them.
    _, reference_rate, reference_ratio = _paired(
        _loop(evaluate, requests), _loop(lambda a: reference.decide(*a), ref_args), args.repeat
    )

    # End to end: each call builds its caller afresh (a fixture per test), then assume_role.
    calls = [
        (corpus.caller_factory(case["caller"]), role, case["options"])
        for case, role in zip(cases, roles, strict=True)
    ]
    at = corpus.AT

    def end_to_end() -> int:
        for make_caller, role, options in calls:
            assume_role(make_caller(), role, at=at, **options)
        return len(calls)

    def end_to_end_from_json() -> int:  # as above, the caller read from its JSON each time
        for case, role in zip(cases, roles, strict=True):
            assume_role(corpus.make_caller(case["caller"]), role, at=at, **case["options"])
        return len(cases)

    clock = iter(range(1, 1 << 62))

    def end_to_end_all_new() -> int:  # no call repeated: each at a time of its own
        for make_caller, role, options in calls:
            when = at + dt.timedelta(seconds=next(clock))
            assume_role(make_caller(), role, at=when, **options)
        return len(calls)

    def end_to_end_with_context() -> int:  # as end_to_end, with explicit entries (a new dict)
        for make_caller, role, options in calls:
            entries = {"aws:SourceVpc": "vpc-1", "aws:CalledVia": ["cloudformation.amazonaws.com"]}
            assume_role(make_caller(), role, at=at, context=entries, **options)
        return len(calls)

    def end_to_end_with_context_unkept() -> int:  # the same, entries left out of the memo
        keyed = request_derivation._context_key
        request_derivation._context_key = lambda _context: None  # derived afresh (issue 5's way)
        try:
            return end_to_end_with_context()
        finally:
            request_derivation._context_key = keyed

    e2e_rate = _rate(end_to_end, args.repeat)
    e2e_context_rate, e2e_unkept_rate, e2e_context_ratio = _paired(
        end_to_end_with_context, end_to_end_with_context_unkept, args.repeat
    )
    e2e_json_rate = _rate(end_to_end_from_json, args.repeat)
    e2e_new_rate = _rate(end_to_end_all_new, args.repeat)
    outcomes = [evaluate(request) for request in requests]
    _, explain_rate, explain_ratio = _paired(
        _loop(evaluate, requests), _loop(lambda o: o.explain(), outcomes), args.repeat
    )
    # What a reader pays in all: the explanation and its summary text.
    _, text_rate, text_ratio = _paired(
        _loop(evaluate, requests), _loop(lambda o: o.explain().to_text(), outcomes), args.repeat
    )

    print("whole corpus")
    _row("compile (trust policies)", compile_rate, "target >= 20,000")
    _row("decide on a prebuilt request (evaluate)", decide_rate, "an Outcome")
    _row("decide on a prebuilt request (decide)", bare_rate, "the Decision alone")
    _row("tests/support/reference.py on the same requests", reference_rate,
         f"trustsim is {reference_ratio:.1f}x (target >= 10x)")  # fmt: skip
    _row("end to end (caller -> context -> decision)", e2e_rate, "target >= 200,000")
    _row(
        "  the same, each caller read from its JSON", e2e_json_rate, "(sessions 1-5 measured this)"
    )
    _row("  the same, no call repeated (new times)", e2e_new_rate, "nothing reused but callers")
    _row("  the same, with explicit context= entries", e2e_context_rate,
         f"{e2e_context_ratio:.1f}x entries derived afresh ({e2e_unkept_rate:,.0f}/s)")  # fmt: skip
    _row("explain()", explain_rate,
         f"hot path is {explain_ratio:.1f}x faster (target <= 10x)")  # fmt: skip
    _row("explain().to_text()", text_rate, f"hot path is {text_ratio:.1f}x faster")

    print()
    _print_working_set(requests, args.repeat)

    print("\nfive typical policies: trustsim against hand-written deciders (the ceiling)")
    print("  (decide() and the ceiling both return a Decision; evaluate() also builds an Outcome)")
    ratios: dict[str, list[float]] = {"decide": [], "evaluate": []}
    for name, batch in ceiling.requests().items():
        function = ceiling.CEILINGS[name]
        for request in batch:
            if not function(request) is decide(request) is evaluate(request).decision:
                raise SystemExit(f"ceiling {name} disagrees with trustsim on {request}")
        for label, ours_function in (("decide", decide), ("evaluate", evaluate)):
            ours, best, ratio = _paired(
                _loop(ours_function, batch), _loop(function, batch), args.repeat
            )
            ratios[label].append(ratio)
            _row(f"{name}: trustsim {label}()", ours,
                 f"hand-written {best:,.0f}/s, ratio {ratio:.2f}")  # fmt: skip
    for label, values in ratios.items():
        print(f"  geometric mean ratio, {label}(): {statistics.geometric_mean(values):.2f} "
              "(target >= 0.5)")  # fmt: skip


if __name__ == "__main__":
    main()
