"""A request decided again gets the outcome it got before, equal to a fresh one (issue 22).

``trustsim.evaluation.fast.DECIDED`` keeps, for a request the plan memo keeps (decided
again), one test of which of its plan's checks hold, the plan's answers, the decision given
last and the outcome handed out with it. ``evaluate()`` runs the test on every call and hands
out the kept outcome only while the rules' remembered answer for those checks is its
decision; ``decide()`` returns that answer. These tests pin that the outcomes so handed out
are immutable and, field by field and in every view, what the full scan gives with every
cache and the fast path switched off, in any order of ``evaluate()`` and ``decide()``.
"""

from __future__ import annotations

import gc
import itertools
import pickle
import weakref
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from tests.support import corpus
from trustsim import _memo
from trustsim.context import RequestContext
from trustsim.decision import Outcome
from trustsim.evaluation import decide, evaluate, fast
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property

CASES = corpus.generate(120, 11)


def _views(outcome: Outcome) -> tuple[object, ...]:
    """Everything an outcome shows: fields, properties, texts, explanation, pickled form."""
    plain = pickle.loads(pickle.dumps(outcome))  # noqa: S301 - our own bytes
    return (
        outcome.decision,
        outcome.determined_by,
        outcome.errors,
        outcome.side,
        outcome.reason,
        outcome.actions,
        outcome.allowed,
        outcome.denied,
        bool(outcome),
        repr(outcome),
        str(outcome),
        outcome._repr_html_(),  # type: ignore[attr-defined]
        hash(outcome),
        outcome.explain().to_text(),
        type(plain),
        plain,
        repr(plain),
        plain.request == outcome.request,
    )


def _reference(request: AssumeRoleRequest) -> Outcome:
    """The full scan's outcome, every cache empty and the fast path off."""
    with _memo.without_fast_path(), _memo.fresh_caches():
        return evaluate(request)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(CASES))), min_size=1, max_size=6),
    st.lists(st.sampled_from(["evaluate", "decide", "read"]), min_size=2, max_size=12),
)
def test_outcomes_handed_out_again_are_the_full_scans_in_every_view(
    picks: list[int], calls: list[str]
) -> None:
    """Corpus requests decided in any order of evaluate(), decide() and reading an outcome's
    reason first: every outcome equals the full scan's in every view, and once a request is
    kept, evaluate() hands out one outcome for it (the memo is really used)."""
    _memo.clear_caches()
    cases = [CASES[pick] for pick in picks]
    requests = [corpus.make_request(case, corpus.make_role(case)) for case in cases]
    expected = [_views(_reference(request)) for request in requests]
    handed: dict[int, list[Outcome]] = {}
    for call in calls:
        for index, request in enumerate(requests):
            if call == "decide":
                assert decide(request) is expected[index][0], cases[index]["name"]
                continue
            outcome = evaluate(request)
            if call == "read":
                assert outcome.reason == expected[index][4]
            assert _views(outcome) == expected[index], cases[index]["name"]
            handed.setdefault(index, []).append(outcome)
    kept = {index: fast.DECIDED.get(id(requests[index])) for index in handed}
    for index, outcomes in handed.items():
        entry = kept[index]
        if len(outcomes) >= 3:  # decided twice before the last: the request is kept
            assert entry is not None
            assert entry[0] is requests[index]
            assert outcomes[-1] is outcomes[-2]
        if entry is not None and entry[4] is not None:
            assert _views(entry[4]) == expected[index]


@pytest.mark.parametrize("seed", [3, 7])
def test_the_corpus_decides_alike_with_every_cache_off(seed: int) -> None:
    """Every corpus request, asked three times through each door, answers what the full scan
    answers with the fast path off and the caches emptied on every call."""
    _memo.clear_caches()
    for case in corpus.generate(60, seed):
        request = corpus.make_request(case, corpus.make_role(case))
        reference = _views(_reference(request))
        for _ in range(3):
            assert _views(evaluate(request)) == reference, case["name"]
            assert decide(request) is reference[0], case["name"]


def test_a_kept_outcome_is_immutable() -> None:
    case = CASES[0]
    request = corpus.make_request(case, corpus.make_role(case))
    reference = _reference(request)
    _memo.clear_caches()
    first, second, third = (evaluate(request) for _ in range(3))
    assert third is second
    assert fast.DECIDED[id(request)][4] is third
    for name in ("decision", "reason", "side", "errors", "determined_by", "actions", "request"):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(third, name, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        third._core = (ts.Decision.ALLOW, request, None)  # type: ignore[attr-defined]
    assert first == third == reference
    changed = attrs.evolve(third, reason="rewritten")
    assert changed.reason == "rewritten"
    assert evaluate(request) is third
    assert third.reason == reference.reason


@pytest.mark.parametrize("door", ["evaluate", "decide"])
def test_a_kept_answer_is_handed_out_only_for_the_statements_it_was_given_for(door: str) -> None:
    """The entry's answer was the rules' for the statements that applied then: where the test
    gives other statements, the doors decline to the plan's memo and the rules' answer.
    (The entry is altered by hand to say the opposite of the truth for other statements.)"""
    request = next(
        request
        for request in (corpus.make_request(case, corpus.make_role(case)) for case in CASES)
        if _reference(request).allowed
    )
    reference = _reference(request)
    _memo.clear_caches()
    for _ in range(3):
        kept = evaluate(request)
    key = id(request)
    held, test, applied, decision, outcome = fast.DECIDED[key]
    assert outcome is kept
    assert decision is ts.Decision.ALLOW
    liar = evaluate(corpus.make_request(CASES[0], corpus.make_role(CASES[0])))
    lie = ts.Decision.EXPLICIT_DENY
    fast.DECIDED[key] = (held, test, int(applied) + 4, lie, liar)
    if door == "evaluate":
        again = evaluate(request)
        assert again is not liar
        assert _views(again) == _views(reference)
    else:
        assert decide(request) is ts.Decision.ALLOW
    # The same statements as the entry's: its answer and outcome (the entry is trusted).
    fast.DECIDED[key] = (held, test, applied, decision, outcome)
    assert evaluate(request) is outcome


def test_an_entry_of_decide_alone_gets_its_outcome_from_evaluate() -> None:
    case = CASES[1]
    request = corpus.make_request(case, corpus.make_role(case))
    _memo.clear_caches()
    for _ in range(3):
        decision = decide(request)
    assert fast.DECIDED[id(request)][4] is None
    outcome = evaluate(request)
    assert outcome.decision is decision
    assert fast.DECIDED[id(request)][4] is outcome
    assert evaluate(request) is outcome
    assert decide(request) is decision


def test_a_request_built_afresh_for_each_call_is_not_kept() -> None:
    """assume_role builds a request per call of an equal new caller: decided once, it is
    neither kept nor kept alive."""
    case = next(case for case in CASES if case["caller"]["type"] == "user")
    role = corpus.make_role(case)
    _memo.clear_caches()
    ts.assume_role(corpus.make_caller(case["caller"]), role, at=corpus.AT, **case["options"])
    outcome = ts.assume_role(
        corpus.make_caller(case["caller"]), role, at=corpus.AT, **case["options"]
    )
    request = weakref.ref(outcome.request)
    assert id(outcome.request) not in fast.DECIDED
    del outcome
    gc.collect()
    assert request() is None


def test_clear_caches_forgets_the_kept_outcomes() -> None:
    case = CASES[2]
    request = corpus.make_request(case, corpus.make_role(case))
    for _ in range(3):
        outcome = evaluate(request)
    assert fast.DECIDED
    _memo.clear_caches()
    assert not fast.DECIDED
    assert evaluate(request) == outcome


def _constant(result: bool) -> Callable[[object, object], bool]:
    def check(_values: object, _context: object) -> bool:
        return result

    return check


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_the_test_of_a_plan_gives_the_bits_of_its_checks(count: int) -> None:
    """applied_test(checks) gives, as a dict key, the bits the plan's answers are keyed by
    (bit i set when checks[i] holds), for every combination of results."""
    context = RequestContext.of({"aws:SourceVpc": "vpc-1"})
    for results in itertools.product((False, True), repeat=count):
        checks = tuple(_constant(result) for result in results)
        expected = sum(1 << i for i, result in enumerate(results) if result)
        test = fast.applied_test(checks)
        assert test(context.folded, context) == expected
        answers = {expected: ts.Decision.ALLOW}
        assert answers.get(test(context.folded, context)) is ts.Decision.ALLOW
