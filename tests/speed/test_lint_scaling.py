"""Lint's work grows with the statements, not with their square (issue 22); the index that
makes it so changes no decision.

These are counts, not timings: how many statements are compared with one another, how
many statements' principals are matched against the outsiders lint builds, and how many
statements the evaluator decides those outsiders on. Before issue 22 all were quadratic
(every statement against every earlier one; every outsider against every statement; every
GitHub outsider decided on every GitHub statement's sub condition). Then a property: the
evaluator's principal index of long policies (more than ``compiler.INDEX_FROM`` statements)
decides every request exactly as a scan of every statement does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from trustsim import _memo, compiler
from trustsim.assume_request import AssumeRoleRequest
from trustsim.callers import (
    IamUser,
    OrgMembership,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.compiler import CompiledStatement
from trustsim.lint import lint, narrowing, witness
from trustsim.model import Statement
from trustsim.parsing import parse_policy

ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"


@pytest.fixture(autouse=True)
def _no_size_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """These policies count lint's and the index's work on hundreds of statements, which IAM
    would refuse to save (POLICY_TOO_LARGE over 4,096 characters, issue 20); the quota is
    lifted here so that the algorithms stay measured."""
    from trustsim import validation  # noqa: PLC0415

    monkeypatch.setattr(validation, "TRUST_POLICY_MAX_CHARS", 10**9)


PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com"
AT = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.timezone.utc)


def _account(index: int) -> str:
    return f"{400000000000 + index}"


GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"


def _statements(count: int, *, github: bool = False) -> list[dict[str, Any]]:
    """Distinct statements of every principal shape lint builds outsiders for (``github``:
    every fifth a GitHub repository's, each of another owner, with the same audience)."""
    out: list[dict[str, Any]] = []
    for index in range(count):
        if github and index % 5 == 4:
            out.append(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": GH_PROVIDER},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                        "StringLike": {f"{GH}:sub": f"repo:owner{index}/*"},
                    },
                }
            )
            continue
        shape = index % 4
        if shape == 0:  # a cross-account root without ExternalId: an outsider per statement
            principal: dict[str, Any] = {"AWS": f"arn:aws:iam::{_account(index)}:root"}
            condition: dict[str, Any] = {}
        elif shape == 1:  # {"AWS": "*"} narrowed only by a tag the caller sets
            principal = {"AWS": "*"}
            condition = {"StringEquals": {"aws:PrincipalTag/team": f"team-{index}"}}
        elif shape == 2:
            principal = {"Service": f"svc{index}.amazonaws.com"}
            condition = {}
        else:
            principal = {"AWS": f"arn:aws:iam::{_account(index)}:role/r{index}"}
            condition = {"StringEquals": {"sts:ExternalId": f"x{index}"}}
        statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if condition:
            statement["Condition"] = condition
        out.append(statement)
    return out


def _document(count: int, *, github: bool = False) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": _statements(count, github=github)}


def _principal_matches_during_lint(count: int) -> int:
    calls = 0
    original = CompiledStatement.principal_kind

    def counted(self: CompiledStatement, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CompiledStatement, "principal_kind", counted)
        lint(_document(count), role_arn=ROLE_ARN)
    return calls


def test_outsiders_are_matched_only_against_statements_that_can_admit_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each outsider lint builds meets the statements naming it, the {"AWS": "*"} ones once
    per kind of caller, not every statement: the matches grow like the statements."""
    monkeypatch.setattr(_memo.SWITCH, "fresh", False)  # counts with the memos at work
    small = _principal_matches_during_lint(200)
    large = _principal_matches_during_lint(800)
    assert large <= 5 * small  # four times the statements; a quadratic scan is sixteen times
    assert large <= 4 * 800


def _statements_decided(count: int) -> tuple[int, int]:
    """How many questions lint puts to the evaluator, and how many trust-policy statements
    those questions are decided on in all."""
    questions = statements = 0
    original = witness.decide

    def counted(request: AssumeRoleRequest) -> Any:
        nonlocal questions, statements
        questions += 1
        statements += len(request.role.trust_policy.statements)
        return original(request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(witness, "decide", counted)
        found = lint(_document(count, github=True), role_arn=ROLE_ARN)
    assert {"OIDC_SUB_WILDCARD", "ANY_AWS_PRINCIPAL"} <= {f.code for f in found}
    return questions, statements


def test_each_outsider_is_decided_on_the_statements_that_may_apply_to_it() -> None:
    """An outsider meets the statements naming it (its account, its repository's sub), not
    every statement of its kind of principal: what the evaluator reads grows like the
    statements. Asked of the whole policy, it would be the questions times the statements."""
    small_questions, small = _statements_decided(200)
    large_questions, large = _statements_decided(800)
    assert large_questions <= 4 * small_questions + 8
    assert large <= 5 * small  # four times the statements; the whole policy: sixteen times
    assert large <= 3 * large_questions  # a few statements per question, not 800
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(narrowing, "NARROW_FROM", 10**9)  # every question asked of the whole
        whole_questions, whole = _statements_decided(800)
    assert whole == whole_questions * 800


def _statements_compiled(count: int) -> int:
    """How many statements are compiled while a cold lint of ``count`` statements runs."""
    compiler.clear_caches()
    compiled = 0
    original = compiler._compile_statement

    def counted(*args: Any) -> Any:
        nonlocal compiled
        compiled += 1
        return original(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiler, "_compile_statement", counted)
        lint(_document(count, github=True), role_arn=ROLE_ARN)
    return compiled


def test_each_statement_is_compiled_a_few_times_not_once_per_question() -> None:
    """The narrowed roles (one per set of statements a question keeps, trustsim.lint.narrowing)
    compile only the statements they keep: compiling grows like the statements. A narrowed
    role per question holding the whole policy, or every question compiling afresh, would
    compile the questions times the statements."""
    small = _statements_compiled(200)
    large = _statements_compiled(800)
    assert small >= 200 // 2  # the count counts: most statements are compiled at least once
    assert large <= 5 * small  # four times the statements; per question: sixteen times
    assert large <= 2 * 800


def test_repeated_statements_are_found_without_comparing_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statements = _statements(400)
    document = {"Version": "2012-10-17", "Statement": [*statements, dict(statements[7])]}
    # Value-keyed memos compare an equal statement once per hit (a warm parse memo would add
    # one comparison per statement per memo): start cold, so only the lint's own count.
    compiler.clear_caches()
    comparisons = 0
    original = Statement.__eq__

    def counted(self: Statement, other: object) -> Any:
        nonlocal comparisons
        comparisons += 1
        return original(self, other)

    monkeypatch.setattr(Statement, "__eq__", counted)
    found = [f for f in lint(document, role_arn=ROLE_ARN) if f.code == "REDUNDANT_STATEMENT"]
    monkeypatch.undo()
    assert [(f.pointer, f.message) for f in found] == [
        ("/Statement/400", "the statement repeats statement 7")
    ]
    assert comparisons <= 4 * len(statements)  # every pair would be 80,000


# ----------------------------------------------------------------------------- the index

_ACCOUNTS = [_account(i) for i in range(11)] + ["111122223333"]  # the role's account last


def _principal(kind: int, value: int) -> dict[str, Any]:
    account = _ACCOUNTS[value % len(_ACCOUNTS)]
    return [
        {"AWS": f"arn:aws:iam::{account}:root"},
        {"AWS": account},
        {"AWS": f"arn:aws:iam::{account}:user/u{value % 2}"},
        {"AWS": f"arn:aws:iam::{account}:role/r{value % 2}"},
        {"AWS": f"arn:aws:sts::{account}:assumed-role/r{value % 2}/s1"},
        {"AWS": "*"},
        {"AWS": ["*", f"arn:aws:iam::{account}:user/u0"]},
        {"Service": f"svc{value % 2}.amazonaws.com"},
        {"Federated": PROVIDER},
    ][kind]


_STATEMENT = st.builds(
    lambda kind, value, deny, tag: {
        "Effect": "Deny" if deny else "Allow",
        "Principal": _principal(kind, value),
        "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
        **({"Condition": {"StringEquals": {"aws:PrincipalTag/team": tag}}} if tag else {}),
    },
    st.integers(0, 8),
    st.integers(0, 4 * len(_ACCOUNTS)),
    st.integers(0, 7).map(lambda n: n == 0),  # one statement in eight denies
    st.sampled_from([None, None, "t0", "t1"]),
)


def _callers() -> list[Any]:
    """Callers of every kind, from every account, tagged or not; the role's account last
    (what a statement contributes for one caller must not be reused for another)."""
    callers: list[Any] = [
        ServicePrincipal("svc0.amazonaws.com"),
        ServicePrincipal("svc1.amazonaws.com"),
        WebIdentity(PROVIDER, claims={"sub": "user-1", "aud": "app"}),
    ]
    for account in _ACCOUNTS:
        callers += [
            IamUser(f"arn:aws:iam::{account}:user/u0", tags={"team": "t0"}),
            IamUser(f"arn:aws:iam::{account}:user/u1"),
            RoleSession(f"arn:aws:iam::{account}:role/r0", "s1", role_tags={"team": "t1"}),
            RoleSession(f"arn:aws:iam::{account}:role/r1", "s2"),
            IamUser(f"arn:aws:iam::{account}:user/other", org=OrgMembership("o-a1b2c3d4e5")),
        ]
    return callers


_CALLERS = _callers()


def _decisions(document: dict[str, Any]) -> list[ts.Outcome]:
    """Every caller's outcome (decision, deciding statements, side, reason, actions)."""
    role = ts.Role(ROLE_ARN, parse_policy(document))  # a new policy object: compiled afresh
    return [ts.assume_role(caller, role, at=AT) for caller in _CALLERS]


@settings(max_examples=25, deadline=None)
@given(statements=st.lists(_STATEMENT, min_size=compiler.INDEX_FROM + 1, max_size=60))
def test_the_principal_index_decides_as_a_scan_of_every_statement(
    statements: list[dict[str, Any]],
) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    indexed = _decisions(document)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiler, "INDEX_FROM", 10**9)  # no index: every statement scanned
        scanned = _decisions(document)
    assert indexed == scanned


def test_a_long_policy_is_indexed_and_a_short_one_is_not() -> None:
    long = ts.Role(ROLE_ARN, parse_policy(_document(compiler.INDEX_FROM + 1)))
    short = ts.Role(ROLE_ARN, parse_policy(_document(compiler.INDEX_FROM)))
    assert compiler.compile_policy(long.trust_policy, label="trust policy").index is not None
    assert compiler.compile_policy(short.trust_policy, label="trust policy").index is None
