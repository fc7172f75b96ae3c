"""Condition-block evaluations per second for typical trust-policy conditions.

Run: python benchmarks/bench_conditions.py   (see benchmarks/README.md)

For each block: the compiled hot path (``matches``), the recorded replay (``evaluate``) and the
naive oracle of tests/support/reference_conditions.py, on a matching and a non-matching context.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.reference_conditions import condition_matches
from trustsim.conditions import clauses_from_json, compile_condition
from trustsim.context import RequestContext

GH = "token.actions.githubusercontent.com"
BLOCKS: dict[str, tuple[dict, dict, dict]] = {
    "github-oidc": (
        {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
         "StringLike": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}},
        {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"},
        {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:acme/app:pull_request"},
    ),
    "external-id+org": (
        {"StringEquals": {"sts:ExternalId": "8c1f-secret", "aws:PrincipalOrgID": "o-abc123"}},
        {"sts:ExternalId": "8c1f-secret", "aws:PrincipalOrgID": "o-abc123"},
        {"sts:ExternalId": "wrong", "aws:PrincipalOrgID": "o-abc123"},
    ),
    "service-source": (
        {"StringEquals": {"aws:SourceAccount": "111122223333"},
         "ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:111122223333:function:deploy-*"}},
        {"aws:SourceAccount": "111122223333",
         "aws:SourceArn": "arn:aws:lambda:us-east-1:111122223333:function:deploy-api"},
        {"aws:SourceAccount": "111122223333",
         "aws:SourceArn": "arn:aws:lambda:us-east-1:999999999999:function:deploy-api"},
    ),
    "mfa-age-ip-time": (
        {"Bool": {"aws:MultiFactorAuthPresent": "true"},
         "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
         "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
         "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "120",
         "aws:SourceIp": "203.0.113.9", "aws:CurrentTime": "2026-11-27T10:00:00Z"},
        {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "120",
         "aws:SourceIp": "198.51.100.1", "aws:CurrentTime": "2026-11-27T10:00:00Z"},
    ),
    "tags-session": (
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
         "StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"},
         "Null": {"aws:TagKeys": "false"}},
        {"aws:TagKeys": ["team", "env"], "aws:RequestTag/team": "ops", "aws:PrincipalTag/team": "ops"},
        {"aws:TagKeys": ["team", "cost"], "aws:RequestTag/team": "ops", "aws:PrincipalTag/team": "ops"},
    ),
}  # fmt: skip

ROUNDS = 100_000


def rate(call: Callable[[], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        call()
    return rounds / (time.perf_counter() - started)


def main() -> None:
    print(f"Python {sys.version.split()[0]}")
    print(
        f"{'block':<18} {'case':<6} {'matches/s':>12} {'evaluate/s':>12} {'oracle/s':>10} {'vs oracle':>10}"
    )
    for name, (block, yes, no) in BLOCKS.items():
        compiled = compile_condition(clauses_from_json(block), expand_variables=True)
        for label, raw in (("match", yes), ("miss", no)):
            ctx = RequestContext.of(raw)
            expected = label == "match"
            assert compiled.matches(ctx) is expected
            assert condition_matches(block, raw) is expected
            hot = rate(lambda c=compiled, x=ctx: c.matches(x), ROUNDS)
            slow = rate(lambda c=compiled, x=ctx: c.evaluate(x), ROUNDS // 10)
            oracle = rate(lambda b=block, r=raw: condition_matches(b, r), ROUNDS // 20)
            print(
                f"{name:<18} {label:<6} {hot:>12,.0f} {slow:>12,.0f} {oracle:>10,.0f} {hot / oracle:>9.0f}x"
            )
    started = time.perf_counter()
    for _ in range(1000):
        for block, _yes, _no in BLOCKS.values():
            compile_condition(clauses_from_json(block), expand_variables=True)
    per_compile = (time.perf_counter() - started) / (1000 * len(BLOCKS))
    print(f"compile_condition: {per_compile * 1e6:.1f} µs per block (patterns cached)")


if __name__ == "__main__":
    main()
