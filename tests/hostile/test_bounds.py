"""Issue 24, items 2, 3 and 5: every input is bounded, and a bound is a clear refusal.

A 500 MB sparse file, a 32 MB policy, a megabyte of statements each with a problem (the
excerpt used to split the whole text once per problem), the YAML alias bomb, nested
``Fn::Sub``/``Fn::Join``, 5,000 chained Conditions, 20,000-deep YAML, 100,000-deep JSON
inventories and standard input, non-UTF-8 inventories and templates, YAML keys that are not
text or appear twice, and who-can over a dump whose enumeration would run for minutes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile._build import ROLE_ARN, dump_text
from tests.hostile.conftest import Hostile, assert_refused
from trustsim.errors import InvalidPolicy
from trustsim.inventory import InventoryError, load_inventory
from trustsim.loaders import load_cloudformation, load_policy
from trustsim.whocan import MAX_ENUMERATION, Access, who_can_assume
from trustsim.whocan import evaluator as whocan_evaluator

pytest.importorskip("yaml")

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": "sts:AssumeRole",
    },
}


def timed(call: Callable[[], object], limit: float) -> object:
    """Run ``call``; its CPU time must stay under ``limit`` seconds."""
    start = time.process_time()
    try:
        result = call()
    except Exception as error:
        result = error
    spent = time.process_time() - start
    assert spent < limit, f"{spent:.1f} s of CPU"
    return result


def refused(call: Callable[[], object], limit: float = 2.0) -> InvalidPolicy:
    result = timed(call, limit)
    assert isinstance(result, InvalidPolicy), repr(result)
    return result


def template(role: dict[str, Any], **sections: object) -> dict[str, Any]:
    return {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": role}}, **sections}


def principal_template(value: object, **sections: object) -> dict[str, Any]:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": value}, "Action": "sts:AssumeRole"}],
    }
    return template({"AssumeRolePolicyDocument": document}, **sections)


# --------------------------------------------------------------------------- sizes


def test_a_500_mb_sparse_file_is_refused_before_reading(hostile: Hostile) -> None:
    with (hostile.repo / "big.json").open("wb") as file:
        file.truncate(500 * 1024 * 1024)
    scenario = {"name": "big", "role": {"arn": ROLE_ARN, "trust_policy": "big.json"}}
    scenario |= {"caller": "anonymous", "action": "sts:AssumeRole", "expected": "InvalidPolicy"}
    hostile.write("scenarios.json", [scenario])
    for command in (("lint", "big.json"), ("validate", "big.json"), ("check", "scenarios.json")):
        run = hostile.run(*command)
        assert_refused(run)
        assert "more than the limit of 10,485,760" in run.out
        assert len(run.both) < 1000


def test_the_size_cap_is_configurable(hostile: Hostile) -> None:
    hostile.write("policy.json", TRUST)
    run = hostile.run("validate", "policy.json", "--max-file-size", "50")
    assert_refused(run)
    assert "more than the limit of 50" in run.out
    assert hostile.run("validate", "policy.json", "--max-file-size", "5000").status == 0
    assert_refused(
        hostile.run("lint", "-", "--max-file-size", "10", stdin=json.dumps(TRUST).encode())
    )


def test_a_32_mb_policy_is_refused_and_an_8_mb_one_is_bounded(hostile: Hostile) -> None:
    accounts = ["arn:aws:iam::111122223333:root"] * 250_000
    big = {
        "Version": "2012-10-17",
        "Statement": [{**TRUST["Statement"], "Principal": {"AWS": accounts}}],
    }  # type: ignore[dict-item]
    hostile.write("eight.json", big)
    hostile.write("huge.json", {**big, "Padding": ["x" * 1000] * 32_000})
    assert_refused(hostile.run("validate", "huge.json"))
    run = hostile.run("validate", "eight.json")
    # Read and parsed within the bound, then refused: IAM saves no trust policy over 4,096
    # characters besides whitespace (issue 20; docs/errors.md POLICY_TOO_LARGE).
    assert run.status == 1
    assert "POLICY_TOO_LARGE" in run.out
    assert run.cpu < 20


def test_excerpts_are_computed_once_per_file_and_cut_around_the_column() -> None:
    """A megabyte of statements, each with a Resource (a problem each): linear, not quadratic;
    and a single 200,000-character line shows 120 characters of it."""
    statement = {**TRUST["Statement"], "Resource": "*"}  # type: ignore[dict-item]
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement] * 8000}, indent=1)
    assert len(text) > 1_000_000
    error = refused(lambda: load_policy(text), limit=10)
    # One Resource problem per statement, and the whole is over IAM's size quota (issue 20).
    codes = [p.code for p in error.problems]
    assert (len(codes), codes.count("PROHIBITED_RESOURCE"), codes.count("POLICY_TOO_LARGE")) == (
        8001,
        8000,
        1,
    )
    line = json.dumps({"Version": "2012-10-17", "Padding": "x" * 200_000, "Statement": [statement]})
    rendered = str(refused(lambda: load_policy(line)))
    assert max(len(row) for row in rendered.splitlines()) < 200


def test_many_duplicate_keys_cost_what_their_text_costs() -> None:
    """Each duplicate used to scan every position recorded so far (quadratic)."""
    keys = ",".join(f'"k{i}": 0' for i in range(20_000))
    duplicates = ",".join('"k0": [1, [2]]' for _ in range(20_000))
    text = "{" + keys + "," + duplicates + "}"
    error = refused(lambda: load_policy(text), limit=5)
    # The 20,000 duplicates are one problem (the same key, first seen at the same place).
    assert [p.code for p in error.problems].count("DUPLICATE_KEY") == 1
    assert len(error.problems) == 20_002  # each key unknown, and no Statement


# --------------------------------------------------------------------------- YAML


def test_the_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    lines.append(
        "Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: *i}}}"
    )
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1000
    error = refused(lambda: load_cloudformation(path), limit=1)
    assert "aliases are not supported" in error.problems[0].message
    assert "line 2, column" in error.problems[0].message


def test_merge_keys_deep_yaml_and_keys_that_are_not_text_are_refused(tmp_path: Path) -> None:
    cases = {
        "merge.yaml": ("x: 1\nResources:\n  <<: {R: 1}\n", "merge keys"),
        "deep.yaml": ("Resources: " + "[" * 20_000 + "]" * 20_000 + "\n", "nests deeper than 100"),
        "null.yaml": (
            "Resources:\n  null: {Type: AWS::IAM::Role}\n",
            "not text (line 2, column 3)",
        ),
        "int.yaml": ("Resources:\n  1: {Type: AWS::IAM::Role}\n", "not text (line 2, column 3)"),
        "list.yaml": ("Resources:\n  ? [a]\n  : 1\n", "not text"),
    }
    for name, (text, reason) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        error = refused(lambda path=path: load_cloudformation(path))
        assert reason in error.problems[0].message, name


def test_yaml_duplicate_keys_are_refused_like_json_ones(tmp_path: Path) -> None:
    """Two StringEquals blocks: a YAML reader keeps the second and drops sts:ExternalId."""
    path = tmp_path / "stack.yaml"
    path.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal: {AWS: '444455556666'}\n"
        "            Action: sts:AssumeRole\n"
        "            Condition:\n"
        "              StringEquals: {sts:ExternalId: x-42}\n"
        "              StringEquals: {aws:PrincipalTag/team: ops}\n"
    )
    error = refused(lambda: load_cloudformation(path))
    (problem,) = error.problems
    assert problem.code == "DUPLICATE_KEY"
    assert "'StringEquals'" in problem.message
    assert "line 12, column 15; first at line 11, column 15" in problem.message


def test_yaml_errors_do_not_quote_the_line(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text("Resources: [unclosed SECRET_TOKEN_VALUE\n")
    error = refused(lambda: load_cloudformation(path))
    assert "SECRET_TOKEN_VALUE" not in str(error)
    assert "line 2, column 1" in error.problems[0].message


def test_templates_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    for name in ("stack.yaml", "stack.json"):
        path = tmp_path / name
        path.write_bytes(b"Resources: \xff\xfe\n")
        error = refused(lambda path=path: load_cloudformation(path))
        assert error.problems[0].code == "INVALID_ENCODING"
    assert refused(lambda: load_cloudformation(b"\xff{}")).problems[0].code == "INVALID_ENCODING"


# --------------------------------------------------------------------------- intrinsics


def _nested_sub(levels: int) -> dict[str, Any]:
    value: object = "arn:aws:iam::111122223333:root"
    for _ in range(levels):
        value = {"Fn::Sub": ["${a}" * 16, {"a": value}]}
    return value  # type: ignore[return-value]


def test_nested_sub_and_join_are_bounded() -> None:
    nested = _nested_sub(8)
    assert len(json.dumps(nested)) < 1200
    error = refused(lambda: load_cloudformation(principal_template(nested)))
    assert error.problems[0].code == "UNRESOLVABLE_INTRINSIC"
    assert "more than the limit of 1,000,000" in error.problems[0].message
    join = {"Fn::Join": [_nested_sub(4), ["a"] * 10_000]}
    error = refused(lambda: load_cloudformation(principal_template(join)))
    assert "more than the limit of 1,000,000" in error.problems[0].message
    many = principal_template([_nested_sub(3)] * 400)
    error = refused(lambda: load_cloudformation(many), limit=5)
    assert "characters in all" in error.problems[0].message


def test_deep_intrinsics_and_long_condition_chains_are_refused() -> None:
    deep: object = "111122223333"
    for _ in range(200):
        deep = {"Fn::Select": [0, [deep]]}
    error = refused(lambda: load_cloudformation(principal_template(deep)))
    assert "nest deeper than 128" in error.problems[0].message
    conditions: dict[str, object] = {"C4999": {"Fn::Equals": ["a", "a"]}}
    for n in range(4999):
        conditions[f"C{n}"] = {"Fn::Not": [{"Condition": f"C{n + 1}"}]}
    chained = principal_template({"Fn::If": ["C0", "111122223333", "444455556666"]})
    error = refused(lambda: load_cloudformation({**chained, "Conditions": conditions}))
    assert "nest deeper than 128" in error.problems[0].message


# --------------------------------------------------------------------------- inventories


def test_deep_and_non_utf8_inventories_and_input_exit_2(hostile: Hostile) -> None:
    hostile.write("deep.json", "[" * 100_000 + "]" * 100_000)
    hostile.write("latin1.json", b'{"RoleDetailList": [{"RoleName": "caf\xe9"}]}')
    for name in ("deep.json", "latin1.json"):
        run = hostile.run("who-can", ROLE_ARN, "--inventory", name)
        assert_refused(run)
        assert "not JSON" in run.err
    run = hostile.run("check", "-", stdin=b"[" * 100_000 + b"]" * 100_000)
    assert_refused(run)
    assert "nested too deeply" in run.out
    with pytest.raises(InventoryError, match="nested too deeply"):
        load_inventory(hostile.repo / "deep.json")


def test_who_can_enumeration_is_bounded_and_says_undetermined(hostile: Hostile) -> None:
    """200 users × 20 statements × 2**10 request-time combinations: past the budget, answers
    are undetermined (with a note), never guessed, and the run ends in seconds."""
    # 400 users × 10 statements (the product of the former 200 × 20: a 20-statement trust
    # policy is over IAM's 4,096-character maximum, refused since issue 20).
    hostile.write("dump.json", dump_text(users=400, statements=10))
    run = hostile.run("who-can", ROLE_ARN, "--inventory", "dump.json", "--format", "json")
    assert run.status == 0, run.err
    assert run.cpu < 15
    report = run.json()
    accesses = [answer["access"] for answer in report["principals"]]
    assert "conditional" in accesses
    assert "undetermined" in accesses
    assert any(f"{MAX_ENUMERATION:,} statement evaluations" in note for note in report["notes"])


def test_the_budget_does_not_depend_on_what_was_cached(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Speed code may remember, never decide: a second query answers as the first."""
    monkeypatch.setattr(whocan_evaluator, "MAX_ENUMERATION", 200_000)
    hostile.write("dump.json", dump_text(users=40, statements=10))  # within IAM's quota
    inventory = load_inventory(hostile.repo / "dump.json")
    first = who_can_assume(inventory, ROLE_ARN)
    second = who_can_assume(inventory, ROLE_ARN)
    assert [a.access for a in first.principals] == [a.access for a in second.principals]
    assert first.notes == second.notes
    assert {a.access for a in first.principals} == {Access.CONDITIONAL, Access.UNDETERMINED}
    assert "limit of 200,000 statement evaluations" in first.notes[-1]
