"""Run a seeded random sample of mutmut's mutants against chosen tests (docs/testing.md).

mutmut 3 writes every mutant of the configured modules into ``mutants/`` and picks, per
mutant, the tests that reached the mutated function. On a 2-core machine the whole set of a
large module takes hours; this script checks a seeded random sample instead, each mutant in a
fresh process (``MUTANT_UNDER_TEST=<module>.<mutant>``), against one fixed test selection, and
reports the score with the survivors' names (``mutmut show <name>`` prints a mutant's diff).

Usage, from a tree where ``mutmut run`` has generated ``mutants/`` (it may be stopped once
the "Running stats" phase starts)::

    python scripts/mutation_sample.py mutants trustsim.evaluation trustsim.compiler
        --sample 240 --seed 1 --jobs 2 --tests tests/evaluation/test_evaluation.py tests/conformance

(one command line).

A mutant is *killed* when the tests fail or time out, *survived* when they pass.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_MUTANT = re.compile(r"^\s*def (\S+__mutmut_\d+)\(", re.M)


def mutant_names(mutants: Path, module: str) -> list[str]:
    """Every mutant of ``module`` (dotted) in mutmut's ``mutants/`` tree, as MUTANT_UNDER_TEST names."""
    source = (mutants / Path(*module.split("."))).with_suffix(".py").read_text()
    return [f"{module}.{name}" for name in _MUTANT.findall(source)]


def run_one(mutants: Path, name: str, tests: list[str], timeout: float) -> tuple[str, str, float]:
    """Run ``tests`` with one mutant active: (name, "killed" | "survived" | "timeout", seconds)."""
    env = {
        **os.environ,
        "MUTANT_UNDER_TEST": name,
        "HYPOTHESIS_NO_PLUGINS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:trustsim", "-k", "not fast", *tests]
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=mutants, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return name, "timeout", time.monotonic() - started
    status = "survived" if done.returncode == 0 else "killed"
    return name, status, time.monotonic() - started


def main() -> None:
    """Sample, run, and print the score and the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mutants", type=Path, help="mutmut's mutants/ folder")
    parser.add_argument("modules", nargs="+", help="dotted module names, e.g. trustsim.evaluation")
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=Path("mutation-sample.json"))
    parser.add_argument("--tests", nargs="+", required=True, help="the test selection (last)")
    arguments = parser.parse_args()

    names = sorted(
        n for module in arguments.modules for n in mutant_names(arguments.mutants, module)
    )
    sampler = random.Random(arguments.seed)  # noqa: S311 - a sample, not a secret
    chosen = sampler.sample(names, min(arguments.sample, len(names)))
    print(f"{len(names)} mutants; checking {len(chosen)} (seed {arguments.seed})", flush=True)
    results: list[tuple[str, str, float]] = []
    with ThreadPoolExecutor(arguments.jobs) as pool:
        futures = [
            pool.submit(run_one, arguments.mutants, name, arguments.tests, arguments.timeout)
            for name in chosen
        ]
        for index, future in enumerate(futures, 1):
            result = future.result()
            results.append(result)
            print(
                f"[{index}/{len(chosen)}] {result[1]:8} {result[2]:6.1f}s {result[0]}", flush=True
            )
    arguments.out.write_text(json.dumps(results, indent=1))
    survived = sorted(name for name, status, _ in results if status == "survived")
    killed = len(results) - len(survived)
    print(f"\nkilled {killed} of {len(results)} ({killed / len(results):.1%}); survivors:")
    for name in survived:
        print(f"  {name}")


if __name__ == "__main__":
    main()
