"""How lint's cost grows with the number of statements of one trust policy (issue 22).

Run: python benchmarks/bench_lint.py [--sizes 1000 4000 10000] [--seed 7]

Each size N is a trust policy of N statements: the corpus generator's grants to other
accounts, repositories, services and roles (``corpus._filler``), one in eight of them a
statement with findings (a cross-account root without ExternalId, ``{"AWS": "*"}`` narrowed
only by a session tag, a GitHub subject pattern that admits other repositories). It is linted
as JSON text (findings then carry line and column) and as a decoded document, and the script
prints the seconds (best of ``--repeat``, CPU time), the part of them the garbage collector
took (``gc s``, text run, through ``gc.callbacks``) and the growth per statement against the
smallest size: about 1 for all sizes means linear. AWS caps a trust policy far below these
sizes; they stand for a long policy under lint in CI, and make any per-statement work that
looks at every other statement stand out.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import corpus
from trustsim import validation
from trustsim.lint import lint

GH = "token.actions.githubusercontent.com"
_RISKY: list[dict[str, Any]] = [
    {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": "sts:AssumeRole",
    },
    {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    },
    {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GH}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GH}:sub": "repo:acme*"},
        },
    },
]


def _risky(index: int) -> dict[str, Any]:
    """The ``index``-th statement with findings: each one different (none is redundant)."""
    statement = json.loads(json.dumps(_RISKY[index % len(_RISKY)]))
    text = json.dumps(statement)
    text = text.replace("444455556666", f"{400000000000 + index}")
    text = text.replace('"blue"', f'"team-{index}"').replace("repo:acme*", f"repo:acme{index}*")
    return json.loads(text)  # type: ignore[no-any-return]


def policy(statements: int, seed: int, *, star: bool = True) -> dict[str, Any]:
    """A trust policy of ``statements`` statements, one in eight with findings.

    ``star=False`` leaves out the ``{"AWS": "*"}`` statements (another filler instead).
    """
    rng = random.Random(seed)
    body = []
    for index in range(statements):
        risky = _risky(index // 8) if index % 8 == 0 else None
        if risky is None or (not star and risky["Principal"] == {"AWS": "*"}):
            body.append(corpus._filler(rng))
        else:
            body.append(risky)
    for index, statement in enumerate(body):
        statement["Sid"] = f"S{index}"
    return {"Version": "2012-10-17", "Statement": body}


class _Collector:
    """CPU seconds the garbage collector spends, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start


def _seconds(work: Any, repeat: int) -> tuple[float, int, float]:
    """The best CPU time of ``repeat`` runs, the result's length, and that run's GC time."""
    best, count, collecting = float("inf"), 0, 0.0
    for _ in range(repeat):
        collector = _Collector()
        gc.callbacks.append(collector)
        try:
            start = time.process_time()
            count = len(work())
            spent = time.process_time() - start
        finally:
            gc.callbacks.remove(collector)
        if spent < best:
            best, collecting = spent, collector.seconds
    return best, count, collecting


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-star", action="store_true", help='no {"AWS": "*"} statements')
    args = parser.parse_args(argv)
    # N statements is far over IAM's 4,096-character quota (POLICY_TOO_LARGE since issue 20):
    # lifted here, as in tests/test_lint_scaling.py, so that lint's own growth is measured.
    validation.TRUST_POLICY_MAX_CHARS = 10**9
    role = "arn:aws:iam::111122223333:role/deploy"
    print(f"{'statements':>10} {'text s':>8} {'gc s':>6} {'dict s':>8} {'findings':>9} "
          f"{'text µs/stmt':>13} {'dict µs/stmt':>13}")  # fmt: skip
    first: tuple[float, float] | None = None
    for size in args.sizes:
        document = policy(size, args.seed, star=not args.no_star)
        text = json.dumps(document, indent=2)
        as_text, findings, collecting = _seconds(lambda: lint(text, role_arn=role), args.repeat)  # noqa: B023
        as_dict, _, _ = _seconds(lambda: lint(document, role_arn=role), args.repeat)  # noqa: B023
        per = (as_text / size * 1e6, as_dict / size * 1e6)
        first = first or per
        print(f"{size:>10,} {as_text:>8.2f} {collecting:>6.2f} {as_dict:>8.2f} {findings:>9,} {per[0]:>13.0f} "
              f"{per[1]:>13.0f}   growth per statement x{per[0] / first[0]:.1f} (text), "
              f"x{per[1] / first[1]:.1f} (dict)")  # fmt: skip


if __name__ == "__main__":
    main()
