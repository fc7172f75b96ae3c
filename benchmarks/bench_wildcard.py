"""Wildcard matching speed: trustsim's compiled strategies vs a regex translation and fnmatch.

Run: python benchmarks/bench_wildcard.py   (see benchmarks/README.md)

fnmatch appears here ONLY as a comparison baseline; it is wrong for IAM (``[...]`` classes),
which is why the patterns below avoid brackets.
"""

from __future__ import annotations

import fnmatch
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trustsim.wildcard import compile_pattern, pattern_strategy

ROUNDS = 200_000

CASES = {
    "equality": ("sts.amazonaws.com", ["sts.amazonaws.com", "sts.amazonaws.co", "other"]),
    "prefix": ("repo:acme/app:*", ["repo:acme/app:ref:refs/heads/main", "repo:acme/other:x", "r"]),
    "suffix": ("*:ref:refs/heads/main", ["repo:acme/app:ref:refs/heads/main", "repo:x:pr", ""]),
    "affix": ("repo:acme/*:ref:refs/heads/main",
              ["repo:acme/app:ref:refs/heads/main", "repo:acme/app:pull_request", "repo:x"]),
    "contains": ("*:environment:*", ["repo:acme/app:environment:prod", "repo:acme/app:ref:x", ""]),
    "general": ("repo:acme/*:ref:refs/heads/release-??*",
                ["repo:acme/app:ref:refs/heads/release-12a", "repo:acme/app:ref:refs/heads/main",
                 "repo:acme/app:ref:refs/heads/release-1"]),
}  # fmt: skip


def regex_translation(pattern: str) -> Callable[[str], bool]:
    """The usual translation: escape everything, then * → .*, ? → . (DOTALL, whole string)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL).fullmatch  # type: ignore[return-value]


def rate(match: Callable[[str], object], subjects: list[str], rounds: int = ROUNDS) -> float:
    loops = rounds // len(subjects)
    started = time.perf_counter()
    for _ in range(loops):
        for subject in subjects:
            match(subject)
    return loops * len(subjects) / (time.perf_counter() - started)


def strategies() -> None:
    print(f"{'strategy':<10} {'trustsim/s':>12} {'regex/s':>12} {'fnmatch/s':>12} "
          f"{'vs regex':>9} {'vs fnmatch':>10}")  # fmt: skip
    for name, (pattern, subjects) in CASES.items():
        assert pattern_strategy(pattern) == name, (pattern, pattern_strategy(pattern))
        ours = compile_pattern(pattern)
        regex = regex_translation(pattern)
        for subject in subjects:  # same answers on these subjects
            assert ours(subject) == bool(regex(subject)) == fnmatch.fnmatchcase(subject, pattern)
        r_ours = rate(ours, subjects)
        r_regex = rate(regex, subjects)

        def glob(subject: str, pattern: str = pattern) -> bool:
            return fnmatch.fnmatchcase(subject, pattern)

        r_fn = rate(glob, subjects)
        print(f"{name:<10} {r_ours:>12,.0f} {r_regex:>12,.0f} {r_fn:>12,.0f} "
              f"{r_ours / r_regex:>8.1f}x {r_ours / r_fn:>9.1f}x")  # fmt: skip


def thirty_star_pattern() -> str:
    """30 stars; the last literal never occurs, so the whole subject is scanned."""
    return "*" + "*".join(f"<{i}>" for i in range(29)) + "*"


def subject_of(size: int) -> str:
    marks = [f"<{i}>" for i in range(28)]  # <28> is missing: no match
    filler = "a" * max(1, (size - sum(map(len, marks))) // len(marks))
    return "".join(filler + mark for mark in marks).ljust(size, "a")


def best_time(match: Callable[[str], bool], subject: str, repeat: int = 5) -> float:
    """Best CPU time of a few runs: on shared cores, a long run is preempted more often than a
    short one, which would skew the growth ratios if wall time were measured."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        assert match(subject) is False
        best = min(best, time.process_time() - started)
    return best


def linear_growth() -> None:
    pattern = thirty_star_pattern()
    assert pattern.count("*") == 30
    match = compile_pattern(pattern)
    for n in (10_000, 100_000):
        small, large = best_time(match, subject_of(n)), best_time(match, subject_of(10 * n))
        print(f"general, 30 stars: n={n:,} {small * 1e6:,.0f} µs; 10n={10 * n:,} "
              f"{large * 1e6:,.0f} µs; ratio {large / small:.1f} (linear ≈ 10, quadratic ≈ 100)")  # fmt: skip
    for pieces in (15, 500):  # `?` chunks: near misses everywhere, found by the Shift-And scan
        qmatch = compile_pattern("*" + "a?" * pieces + "b*")
        small, large = best_time(qmatch, "a" * 20_000), best_time(qmatch, "a" * 200_000)
        print(f"general, `?` chunk 'a?'x{pieces}+'b': n=20,000 {small * 1e6:,.0f} µs; "
              f"10n {large * 1e6:,.0f} µs; ratio {large / small:.1f}")  # fmt: skip


def one_megabyte() -> None:
    for label, pattern, subject in [
        ("30 stars vs 1 MB, scanned to the end", thirty_star_pattern(), subject_of(1_000_000)),
        ("'*a'x30+'*b' vs 1 MB of 'a'", "*a" * 30 + "*b", "a" * 1_000_000),
        ("'*a'x30+'*' + 'b' vs 1 MB of 'a' (regex-killer)", "*a" * 30 + "*b*", "a" * 1_000_000),
    ]:
        match = compile_pattern(pattern)
        started = time.perf_counter()
        assert match(subject) is False
        elapsed = time.perf_counter() - started
        print(f"{label}: {elapsed * 1000:.2f} ms")
        assert elapsed < 1.0


def question_mark_chunks() -> None:
    """The `?`-chunk worst case (benchmarks/README.md, "Adversarial inputs"): near misses at
    every position of 1 MB, found by the Shift-And scan, one Python step per character."""
    for pieces in (20, 500):
        match = compile_pattern("*" + "a?" * pieces + "b*")
        elapsed = best_time(match, "a" * 1_000_000, repeat=3)
        print(f"'*'+'a?'x{pieces}+'b*' vs 1 MB of 'a': {elapsed * 1000:.0f} ms")
        assert elapsed < 5.0


def main() -> None:
    print(f"Python {sys.version.split()[0]}")
    strategies()
    print()
    linear_growth()
    print()
    one_megabyte()
    print()
    question_mark_chunks()


if __name__ == "__main__":
    main()
