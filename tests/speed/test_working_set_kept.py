"""A loop over thousands of prepared requests keeps every request's plan (issue 22).

The fast path's memos are bounded and start afresh when full; a loop over more requests
than the bound found none of its plans again and rebuilt every one on every pass. The bound
is above the working set of the benchmarks' corpus (4,000 requests) with room to spare: these
tests loop over 6,000 distinct requests (each to its own role) and count plan builds, not
time (tests/speed/test_memo_keys.py keeps every bound at most 8,192). Disabling the caches changes no answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trustsim import _memo
from trustsim.callers import IamUser, Role
from trustsim.decision import Decision
from trustsim.evaluation import decide, evaluate, fast
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, build_request

A = "111122223333"
COUNT = 6000  # above the old bound (4,096) and the corpus's 4,000
TRUST = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:user/alice"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "even"}},
        },
    }
)
ALICE = IamUser(f"arn:aws:iam::{A}:user/alice")


@pytest.fixture(scope="module")
def requests() -> list[AssumeRoleRequest]:
    """COUNT requests, each to a role of its own; every other one has the wrong ExternalId."""
    return [
        build_request(
            ALICE,
            Role(f"arn:aws:iam::{A}:role/r{index}", TRUST),
            external_id="even" if index % 2 == 0 else "odd",
        )
        for index in range(COUNT)
    ]


@pytest.fixture
def plan_builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[fast.CallPlan]]:
    """Every call plan built while the test runs."""
    built: list[fast.CallPlan] = []

    class Counted(fast.CallPlan):
        __slots__ = ()

        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            built.append(self)

    _memo.clear_caches()
    monkeypatch.setattr(fast, "CallPlan", Counted)
    yield built
    _memo.clear_caches()


def test_the_bound_is_above_the_corpus_working_set() -> None:
    bounds = _memo.sizes()
    for name in ("evaluation: call plans", "evaluation: plans by request"):
        assert bounds[name][1] >= 2 * 4000 > 4096


@pytest.mark.parametrize("function", [decide, evaluate])
def test_a_loop_over_thousands_of_requests_builds_each_plan_once(
    requests: list[AssumeRoleRequest], plan_builds: list[fast.CallPlan], function: object
) -> None:
    def loop() -> list[Decision]:
        if function is decide:
            return [decide(request) for request in requests]
        return [evaluate(request).decision for request in requests]

    first = loop()
    assert len(plan_builds) == COUNT  # one plan per (caller, role, actions)
    for _ in range(2):
        assert loop() == first
    assert len(plan_builds) == COUNT  # none rebuilt: every plan was found again
    assert all(fast.BY_REQUEST[id(request)][0] is request for request in requests)
    assert first == [Decision.ALLOW, Decision.IMPLICIT_DENY] * (COUNT // 2)


def test_the_answers_of_the_loop_do_not_depend_on_the_caches(
    requests: list[AssumeRoleRequest],
) -> None:
    warm = [decide(request) for request in requests[:200]]
    with _memo.fresh_caches():
        cold = [decide(request) for request in requests[:200]]
    with _memo.without_fast_path():
        scanned = [decide(request) for request in requests[:200]]
    assert warm == cold == scanned == [Decision.ALLOW, Decision.IMPLICIT_DENY] * 100


def test_a_kept_request_reads_its_plan_s_own_checks_and_answers(
    requests: list[AssumeRoleRequest],
) -> None:
    """The entry holds what a decision reads; answers learned later are found through it."""
    _memo.clear_caches()
    request = requests[0]
    for _ in range(2):
        assert decide(request) is Decision.ALLOW
    kept, checks, answers, context, values = fast.BY_REQUEST[id(request)]
    plan = fast.request_plan(request)
    assert kept is request
    assert checks is plan.checks
    assert answers is plan.answers
    assert context is request.context
    assert values is request.context.folded
    answers.clear()  # forgotten: the rules answer again, and the entry sees what they learn
    assert decide(request) is Decision.ALLOW
    assert list(fast.BY_REQUEST[id(request)][2].values()) == [Decision.ALLOW]
