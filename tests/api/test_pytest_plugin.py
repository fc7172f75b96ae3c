"""The pytest plugin, run the way users run it: through ``pytester`` (in-process pytest runs)."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
DEPLOY_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "GitHubMain",
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main",
                }
            },
        }
    ],
}
HEADER = """\
from trustsim.callers import Role
from trustsim.decision import Decision
from trustsim.identities import GitHubActions
from trustsim.requests import assume_role
from trustsim.testing import assert_allowed, assert_denied

DEV = GitHubActions("acme/app", branch="dev")
MAIN = GitHubActions("acme/app", branch="main")


def deploy_role(trust_policy):
    return Role("arn:aws:iam::111122223333:role/ci/deploy", trust_policy("deploy-trust.json"))
"""
EXPLANATION = [
    "ImplicitDeny: no statement of the trust policy allows sts:AssumeRoleWithWebIdentity "
    f"for OIDC web identity {GITHUB}",
    f'  caller: OIDC web identity {GITHUB} sub "repo:acme/app:ref:refs/heads/dev"',
    "  role: arn:aws:iam::111122223333:role/ci/deploy",
    "  decided by: trust",
    "closest Allow statements:",
    '  trust policy statement 0 (Sid "GitHubMain") [Allow] — does not apply',
    f"    ✓ principal: OIDC web identity {GITHUB} matched as federated provider",
    '    ✗ StringEquals token.actions.githubusercontent.com:sub expected "repo:acme/app:ref:refs/heads/main", '
    'got "repo:acme/app:ref:refs/heads/dev"',
]


def run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makefile(".json", **{"deploy-trust": json.dumps(DEPLOY_TRUST)})
    pytester.makepyfile(test_deploy=HEADER + "\n\n" + textwrap.dedent(body))
    return pytester.runpytest("-p", "no:cacheprovider")


def lines_between(output: list[str], start: str, stop: str) -> list[str]:
    """The output lines from the first starting with ``start`` up to the first with ``stop``."""
    first = next(i for i, line in enumerate(output) if line.startswith(start))
    last = next(i for i in range(first + 1, len(output)) if output[i].startswith(stop))
    return output[first:last]


def section(output: list[str]) -> list[str]:
    """The body of the ``trustsim explanation`` section pytest printed under the failure."""
    first = next(i for i, line in enumerate(output) if " trustsim explanation " in line)
    last = next(i for i in range(first + 1, len(output)) if output[i].startswith(("=", "-")))
    return output[first + 1 : last]


def test_the_plugin_is_registered_under_pytest11() -> None:
    entry = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "trustsim"]
    assert [e.value for e in entry] == ["trustsim.pytest_plugin"]


def imported_by(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"import sys\n{code}\nprint(sorted(sys.modules))"
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return result.stdout.split("'")[1::2]


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """STYLE.md example 10: the plugin adds no import of its own beyond the package (and pytest).

    In particular never Hypothesis. (What ``import trustsim`` itself costs is the package's
    business: the plugin module has to live in it.)
    """
    with_package = set(imported_by("import pytest, trustsim"))
    with_plugin = set(imported_by("import pytest, trustsim.pytest_plugin"))
    assert with_plugin - with_package == {"trustsim.pytest_plugin"}
    assert not any(name.startswith("hypothesis") for name in with_plugin)


def test_a_failing_assert_allowed_prints_the_deciding_statement_and_the_failing_clause(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_dev_may_deploy(trust_policy):
            assert_allowed(DEV, deploy_role(trust_policy))
        """,
    )
    result.assert_outcomes(failed=1)
    output = result.outlines
    assert lines_between(output, ">", "test_deploy.py:") == [
        ">       assert_allowed(DEV, deploy_role(trust_policy))",
        "E       AssertionError: expected Allow, got ImplicitDeny for web identity "
        'token.actions.githubusercontent.com sub "repo:acme/app:ref:refs/heads/dev"',
        *("E       " + line for line in EXPLANATION),
        "",
    ]
    # __tracebackhide__: the failure points at the user's line, never into trustsim.
    assert "trustsim/testing.py" not in result.stdout.str()
    # The helper's message already explains: no second copy in a report section.
    assert "trustsim explanation" not in result.stdout.str()


def test_a_bare_assert_on_an_outcome_gets_the_explanation(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_dev_may_deploy(trust_policy):
            outcome = assume_role(DEV, deploy_role(trust_policy))
            assert outcome.allowed
        """,
    )
    result.assert_outcomes(failed=1)
    output = result.outlines
    where = next(line for line in output if "where False" in line)
    assert where == (
        "E        +  where False = <Outcome ImplicitDeny (trust): no statement of the trust policy "
        f"allows sts:AssumeRoleWithWebIdentity for OIDC web identity {GITHUB}>.allowed"
    )
    assert section(output) == EXPLANATION


def test_an_assert_on_a_temporary_outcome_gets_the_explanation(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_dev_may_deploy(trust_policy):
            assert assume_role(DEV, deploy_role(trust_policy)).allowed
        """,
    )
    result.assert_outcomes(failed=1)
    assert section(result.outlines) == EXPLANATION


def test_a_decision_comparison_prints_a_summary_and_the_explanation(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_dev_may_deploy(trust_policy):
            outcome = assume_role(DEV, deploy_role(trust_policy))
            assert outcome.decision == Decision.ALLOW
        """,
    )
    result.assert_outcomes(failed=1)
    output = result.outlines
    assert lines_between(output, "E ", "test_deploy.py:") == [
        "E       assert ImplicitDeny == Allow",
        "E         trustsim: " + EXPLANATION[0],
        'E         nearest miss: trust policy statement 0 (Sid "GitHubMain")',
        "E           " + EXPLANATION[6].strip(),
        "E           " + EXPLANATION[7].strip(),
        "",
    ]
    assert section(output) == EXPLANATION


def test_an_allowed_outcome_asserted_denied_shows_the_deciding_statement(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_main_is_refused(trust_policy):
            outcome = assume_role(MAIN, deploy_role(trust_policy))
            assert outcome.decision != Decision.ALLOW
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       assert Allow != Allow",
            'E         decided by: trust policy statement 0 (Sid "GitHubMain")',
            "*- trustsim explanation -*",
            "determined by:",
            '  trust policy statement 0 (Sid "GitHubMain") [Allow] — applies',
        ]
    )


def test_two_outcomes_in_one_assertion_get_a_section_each(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_both(trust_policy):
            role = deploy_role(trust_policy)
            main, dev = assume_role(MAIN, role), assume_role(DEV, role)
            assert main.allowed and dev.allowed
        """,
    )
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "trustsim explanation of main" in text
    assert "trustsim explanation of dev" in text


def test_passing_tests_and_other_failures_get_no_section(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_main_may_deploy(trust_policy):
            assert_allowed(MAIN, deploy_role(trust_policy))
            assert assume_role(MAIN, deploy_role(trust_policy)).allowed

        def test_unrelated(trust_policy):
            outcome = assume_role(MAIN, deploy_role(trust_policy))
            assert 1 + 1 == 3
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    assert "trustsim explanation" not in result.stdout.str()
    assert "trustsim:" not in result.stdout.str()


def test_policy_fixtures_load_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    pytester.mkdir("policies")
    pytester.path.joinpath("policies", "ci.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "arn:aws:iam::*:role/ci/*",
                },
            }
        )
    )
    pytester.path.joinpath("policies", "bad-trust.json").write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*",\n "Action": "sts:AssumeRole"}}'
    )
    pytester.makepyfile(
        test_fixtures="""
        import pytest
        from trustsim.errors import InvalidPolicy
        from trustsim.model import PolicyKind

        def test_identity(policy_file):
            policy = policy_file("policies/ci.json")
            assert policy.kind is PolicyKind.IDENTITY
            assert policy.origin.endswith("ci.json")

        def test_invalid(trust_policy):
            with pytest.raises(InvalidPolicy, match="line 1"):
                trust_policy("policies/bad-trust.json")

        def test_kind(policy_file):
            assert policy_file("policies/ci.json", kind="permissions-boundary").kind is (
                PolicyKind.PERMISSIONS_BOUNDARY
            )
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_compare_hook_ignores_values_that_are_not_trustsim_decisions() -> None:
    from enum import Enum  # noqa: PLC0415

    from trustsim.pytest_plugin import pytest_assertrepr_compare  # noqa: PLC0415

    class Colour(Enum):
        RED = 1
        BLUE = 2

    assert pytest_assertrepr_compare(None, "==", Colour.RED, Colour.BLUE) is None  # type: ignore[arg-type]
    assert pytest_assertrepr_compare(None, "<", 1, 2) is None  # type: ignore[arg-type]
