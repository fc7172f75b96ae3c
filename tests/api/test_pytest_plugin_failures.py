"""The pytest plugin's hooks on the less common failures (docs/pytest.md).

Comparisons of two outcomes, of an outcome with something else, of decisions whose outcome
cannot be found; failures from test items without a structured traceback, from code without
source, and from outcomes that cannot explain themselves: the report must stay useful and the
hook must never crash the run.
"""

from __future__ import annotations

import sys
import threading

import pytest

from tests.api.test_pytest_plugin import DEPLOY_TRUST, EXPLANATION, GITHUB, run, section
from trustsim.callers import Role
from trustsim.decision import Decision
from trustsim.identities import GitHubActions
from trustsim.parsing import parse_policy
from trustsim.pytest_plugin import pytest_assertrepr_compare
from trustsim.requests import assume_role

pytest_plugins = ["pytester"]

ROLE = Role("arn:aws:iam::111122223333:role/ci/deploy", parse_policy(DEPLOY_TRUST))
MAIN = assume_role(GitHubActions("acme/app", branch="main"), ROLE)
DEV = assume_role(GitHubActions("acme/app", branch="dev"), ROLE)


def _compare(op: str, left: object, right: object) -> list[str] | None:
    return pytest_assertrepr_compare(None, op, left, right)  # type: ignore[arg-type]


def test_two_different_outcomes_compared_show_both_decisions_and_the_left_summary() -> None:
    lines = _compare("==", DEV, MAIN)
    assert lines is not None
    assert lines[0] == f"{DEV!r} == {MAIN!r}"
    assert lines[1] == "left: ImplicitDeny (trust), right: Allow (trust)"
    assert lines[2] == "trustsim: " + EXPLANATION[0]
    assert lines[3] == 'nearest miss: trust policy statement 0 (Sid "GitHubMain")'


@pytest.mark.parametrize("outcome_on_the_left", [True, False])
def test_an_outcome_compared_with_a_decision_says_to_compare_its_decision(
    outcome_on_the_left: bool,
) -> None:
    """``assert outcome == Decision.ALLOW`` is always false: the hint names the fix."""
    left, right = (MAIN, Decision.ALLOW) if outcome_on_the_left else (Decision.ALLOW, MAIN)
    lines = _compare("==", left, right)
    assert lines is not None
    assert lines[0] == f"{left!r} == {right!r}"
    assert lines[1].startswith("an Outcome is never equal to anything but an Outcome")
    assert "outcome.allowed / outcome.denied" in lines[1]
    assert lines[2] == f"trustsim: Allow: {MAIN.reason}"
    assert lines[3] == 'decided by: trust policy statement 0 (Sid "GitHubMain")'


def _in_thread(call: object) -> object:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(call()))  # type: ignore[operator]
    thread.start()
    thread.join()
    return results[0]


def test_a_decision_comparison_with_no_assertion_frame_in_reach_is_one_line() -> None:
    """Without pytest's rewritten assertion locals there is no outcome to summarise."""
    shallow = _in_thread(lambda: _compare("==", Decision.IMPLICIT_DENY, Decision.ALLOW))
    assert shallow == ["ImplicitDeny == Allow"]

    def deep(depth: int) -> list[str] | None:
        return _compare("!=", Decision.ALLOW, Decision.ALLOW) if depth == 0 else deep(depth - 1)

    limit = sys.getrecursionlimit()
    assert _in_thread(lambda: deep(min(80, limit // 4))) == ["Allow != Allow"]


def test_two_outcomes_with_the_compared_decision_get_no_summary(pytester: pytest.Pytester) -> None:
    """Which of two ImplicitDeny outcomes the comparison meant is unknown: each gets its
    section, the short summary names neither."""
    result = run(
        pytester,
        """
        def test_both_denied_differently(trust_policy):
            role = deploy_role(trust_policy)
            first, second = assume_role(DEV, role), assume_role(DEV, role)
            assert first.decision != second.decision
        """,
    )
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "E       assert ImplicitDeny != ImplicitDeny" in text
    assert "trustsim: ImplicitDeny" not in text
    assert "trustsim explanation of first" in text
    assert "trustsim explanation of second" in text


def test_an_outcome_that_cannot_explain_itself_is_shown_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        from trustsim.decision import Outcome

        def test_dev_may_deploy(trust_policy, monkeypatch):
            outcome = assume_role(DEV, deploy_role(trust_policy))

            def broken(self):
                raise RuntimeError("no explanation today")

            monkeypatch.setattr(Outcome, "explain", broken)
            assert outcome.allowed
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- trustsim explanation -*",
            "<Outcome ImplicitDeny (trust)*",
            "(could not explain it: RuntimeError: no explanation today)",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()


def test_an_assertion_in_code_without_source_fails_normally(pytester: pytest.Pytester) -> None:
    """Generated code has no statement to read: only rewritten values could count, so the
    failure is reported as pytest reports it, without a section and without crashing."""
    result = run(
        pytester,
        """
        def test_generated(trust_policy):
            outcome = assume_role(DEV, deploy_role(trust_policy))
            exec(compile("assert outcome.allowed", "<generated>", "exec"), {"outcome": outcome})
        """,
    )
    result.assert_outcomes(failed=1)
    assert "trustsim explanation" not in result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_custom_item_with_a_text_report_gets_a_plain_report_section(
    pytester: pytest.Pytester,
) -> None:
    """A plugin's own test items may report failures as text (no structured traceback): the
    explanation goes to a report section, which pytest prints under the failure."""
    pytester.makefile(".json", **{"deploy-trust": __import__("json").dumps(DEPLOY_TRUST)})
    pytester.makeconftest(
        """
        import pytest
        from trustsim.callers import Role
        from trustsim.identities import GitHubActions
        from trustsim.loaders import load_policy
        from trustsim.requests import assume_role

        class RoleCheck(pytest.Item):
            def runtest(self):
                role = Role("arn:aws:iam::111122223333:role/ci/deploy",
                            load_policy(self.path.parent / "deploy-trust.json", kind="trust"))
                outcome = assume_role(GitHubActions("acme/app", branch="dev"), role)
                assert outcome.allowed

            def repr_failure(self, excinfo):
                return f"role check failed: {excinfo.value!r}"

        class RoleFile(pytest.File):
            def collect(self):
                yield RoleCheck.from_parent(self, name="dev may deploy")

        def pytest_collect_file(file_path, parent):
            if file_path.suffix == ".roles":
                return RoleFile.from_parent(parent, path=file_path)
        """
    )
    pytester.makefile(".roles", checks="deploy")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(failed=1)
    output = result.outlines
    assert any(line.startswith("role check failed: AssertionError(") for line in output)
    assert section(output) == EXPLANATION
    assert GITHUB in "\n".join(output)
