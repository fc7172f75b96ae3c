"""lint() pauses Python's cyclic garbage collector while it works, and leaves it as it was (issue 22).

A long policy's lint keeps what it builds alive until it returns (statements, the evaluator's
memos, findings); every full collection its allocations triggered walked all of it again, so
lint grew faster than its statements. The pause is speed alone: the collector is on after
lint if it was on before and off if it was off, whatever lint returns or raises; and a run
leaves no garbage cycles behind while its memos stay within their bounds, so nothing waits
for the collector that was not waiting before.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trustsim import compiler, validation
from trustsim.errors import InvalidPolicy
from trustsim.lint import lint, run
from trustsim.loaders import load_policy

ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"
GH = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"


def _statement(index: int) -> dict[str, Any]:
    """Statements of every shape lint asks the evaluator about, each different."""
    account = f"{400000000000 + index}"
    shape = index % 4
    if shape == 0:
        return {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole"}  # fmt: skip
    if shape == 1:
        return {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"team-{index}"}}}  # fmt: skip
    if shape == 2:
        return {
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GH}:sub": f"repo:owner{index}/*"},
            },
        }
    return {"Effect": "Allow", "Principal": {"Service": f"svc{index}.amazonaws.com"},
            "Action": "sts:AssumeRole"}  # fmt: skip


def _text(count: int) -> str:
    document = {"Version": "2012-10-17", "Statement": [_statement(i) for i in range(count)]}
    return json.dumps(document, indent=2)


LONG = _text(120)  # narrowed: over trustsim.lint.narrowing.NARROW_FROM statements
BROKEN = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow"}})


@pytest.fixture(autouse=True)
def _collector_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(validation, "TRUST_POLICY_MAX_CHARS", 10**9)
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def _inputs(tmp_path: Path) -> list[object]:
    path = tmp_path / "trust.json"
    path.write_text(LONG, encoding="utf-8")
    return [LONG, LONG.encode(), json.loads(LONG), load_policy(LONG), path]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_as_it_was_after_a_lint(tmp_path: Path, enabled: bool) -> None:
    for policy in _inputs(tmp_path):
        (gc.enable if enabled else gc.disable)()
        findings = lint(policy, role_arn=ROLE_ARN)  # type: ignore[arg-type]
        assert findings  # the policy has findings: every rule ran
        assert gc.isenabled() is enabled


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_as_it_was_after_lint_raises(tmp_path: Path, enabled: bool) -> None:
    refusals: list[tuple[object, type[BaseException]]] = [
        (BROKEN, InvalidPolicy),
        (json.loads(BROKEN), InvalidPolicy),
        (tmp_path / "missing.json", OSError),
    ]
    for policy, error in refusals:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(error):
            lint(policy, role_arn=ROLE_ARN)  # type: ignore[arg-type]
        assert gc.isenabled() is enabled


def test_an_error_inside_the_rules_leaves_the_collector_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: object) -> None:
        raise RuntimeError("a rule failed")

    monkeypatch.setattr(run._Checker, "run", broken)
    gc.enable()
    with pytest.raises(RuntimeError, match="a rule failed"):
        lint(LONG, role_arn=ROLE_ARN)
    assert gc.isenabled()


def _recording(seen: list[bool], original: Callable[..., Any]) -> Callable[..., Any]:
    def probe(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    return probe


def test_reading_the_rules_and_the_positions_run_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(run, "load_policy", _recording(seen, run.load_policy))
    monkeypatch.setattr(run._Checker, "run", _recording(seen, run._Checker.run))
    monkeypatch.setattr(run, "read_json", _recording(seen, run.read_json))
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.enable()
    gc.callbacks.append(count)
    try:
        findings = lint(LONG, role_arn=ROLE_ARN)
    finally:
        gc.callbacks.remove(count)
    assert findings
    assert all(finding.position for finding in findings)
    assert seen == [False, False, False]  # the document, the rules, the positions
    assert gc.isenabled()
    # At most the one collection the first allocation after the pause triggers (on the
    # way out of lint); every one the run's allocations would have triggered is skipped.
    assert len(collections) <= 1


def test_a_paused_lint_leaves_no_garbage_cycles() -> None:
    """Pausing is only sound for work that makes no cycles the collector must free: what the
    run drops is freed by reference counting at once (a bounded memo emptied at its bound
    can orphan cycles, freed by the next collection: the memos start empty here)."""
    compiler.clear_caches()
    gc.collect()
    gc.disable()
    findings = lint(LONG, role_arn=ROLE_ARN)
    assert {"CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID", "OIDC_SUB_WILDCARD"} <= {
        finding.code for finding in findings
    }
    del findings
    assert gc.collect() == 0
    assert gc.garbage == []
