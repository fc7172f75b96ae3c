"""Issue 24, items 3 and 4: only exits 0, 1 and 2, and no output a pull request can forge.

Text output escapes control, bidi and non-printable characters in everything that came from
input, and no input can begin a line (``::error …`` is a GitHub workflow command); SARIF
URIs are percent-encoded (RFC 3986); an unexpected exception is exit 2 with one line.
"""

from __future__ import annotations

import io
import json
import urllib.parse
from pathlib import Path

import pytest

from tests.hostile.conftest import Hostile
from trustsim.cli import lint as lint_command
from trustsim.cli import main

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}
FORGED_SUMMARY = "1 scenario: 1 passed, 0 failed"


def lines_are_safe(text: str) -> None:
    """No raw control (but the line breaks), bidi or non-printable character; no line that a
    CI runner would read as a workflow command."""
    for line in text.splitlines():
        assert line.isprintable(), repr(line)
        assert not line.lstrip().startswith(("::", "##")), repr(line)
        assert "##[" not in line
        assert "##vso[" not in line.lower()


def test_a_scenario_name_cannot_forge_a_pass_line_or_hide_the_summary(hostile: Hostile) -> None:
    hostile.write("trust.json", TRUST)
    name = f"x\x1b[2K\rPASS ok.json::fine: Allow (expected Allow)\n{FORGED_SUMMARY}\x1b[8m"
    role = {"arn": "arn:aws:iam::111122223333:role/r", "trust_policy": "trust.json"}
    scenario = {"name": name, "role": role, "caller": "anonymous", "action": "sts:AssumeRole"}
    scenario["expected"] = "Allow"
    hostile.write("scenarios.json", [scenario])
    run = hostile.run("check", "scenarios.json")
    assert run.status == 1
    lines_are_safe(run.out)
    assert FORGED_SUMMARY not in run.out.splitlines()
    assert run.out.splitlines()[-1] == "1 scenario: 0 passed, 1 failed"
    assert run.out.startswith("FAIL scenarios.json::x\\x1b[2K\\rPASS ok.json::fine")
    # JSON keeps the name exactly, escaped as JSON.
    report = hostile.run("check", "scenarios.json", "--format", "json").json()
    assert report["scenarios"][0]["name"] == name


def test_a_file_name_cannot_start_a_workflow_command(hostile: Hostile) -> None:
    names = [
        "::error file=a.json::pwned",
        "a\n::warning::x.json",
        "##[error]y.json",
        "x ##vso[task.setvariable variable=a]b.json",
        "e\u202esc.json",
    ]
    for name in names:
        hostile.write(name, TRUST)
    for command in (("lint",), ("validate",), ("lint", "--format", "json")):
        run = hostile.run(*command, "--", *names)
        assert run.status == 0, run.both
        lines_are_safe(run.out)
    run = hostile.run("validate", "--", names[0])
    assert run.out.startswith("\\x3a:error file=a.json::pwned: valid trust policy")


def test_values_in_summaries_and_errors_are_escaped(hostile: Hostile) -> None:
    sid = "a\n::error::forged \x1b[31m\u202e"
    hostile.write("sid.json", {**TRUST, "Statement": {**TRUST["Statement"], "Sid": sid}})  # type: ignore[dict-item]
    hostile.write(
        "bad.json", '{"Statement": [\n  {"Effect": "Allow\x1b[2J\\u001b", "Sid": "::x"}]}'
    )
    for command in (("validate", "sid.json"), ("validate", "bad.json"), ("lint", "bad.json")):
        run = hostile.run(*command)
        lines_are_safe(run.both)
    run = hostile.run("validate", "bad.json")
    assert '"Allow\\x1b' in run.out  # the raw ESC that stopped the reader, escaped
    assert "\x1b" not in run.out


def test_who_can_output_is_escaped(hostile: Hostile) -> None:
    role = "arn:aws:iam::111122223333:role/r"
    dump = {
        "RoleDetailList": [
            {"RoleName": "r", "Path": "/", "Arn": role, "AssumeRolePolicyDocument": TRUST}
        ],
        "UserDetailList": [
            {"UserName": "u\x1b[8m", "Path": "/", "Arn": "arn:aws:iam::111122223333:user/u\x1b[8m"}
        ],
    }
    hostile.write("dump.json", dump)
    run = hostile.run("who-can", role, "--inventory", "dump.json")
    lines_are_safe(run.both)
    assert run.status in (0, 2)


@pytest.mark.parametrize(
    "name", ["x#y.json", "p%41.json", "a b.json", "n\nl.json", "e\x1bsc.json", "ü?.json"]
)
def test_sarif_uris_are_percent_encoded(hostile: Hostile, name: str) -> None:
    hostile.write(name, {**TRUST, "Statement": {**TRUST["Statement"], "Principal": {"AWS": "*"}}})  # type: ignore[dict-item]
    run = hostile.run("lint", "--format", "sarif", "--", name)
    assert run.status == 1
    results = run.json()["runs"][0]["results"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert urllib.parse.unquote(uri) == name
    assert all(c.isascii() and c.isprintable() and c not in " #?" for c in uri), uri
    assert "%" not in urllib.parse.unquote(uri) or name == "p%41.json"


def test_an_unexpected_error_is_exit_2_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def broken(*_: object) -> int:
        raise RecursionError("maximum recursion depth exceeded \x1b[2J")

    path = tmp_path / "trust.json"
    path.write_text(json.dumps(TRUST))
    monkeypatch.setattr(lint_command, "run", broken)
    assert main(["lint", str(path)], stdout=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "trustsim lint: error: unexpected RecursionError: maximum recursion depth exceeded "
        "\\x1b[2J (--debug prints the traceback)"
    ]
    assert main(["lint", str(path), "--debug"], stdout=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1].startswith("trustsim lint: error: unexpected RecursionError")


def test_every_command_exits_0_1_or_2(hostile: Hostile) -> None:
    """Wrong option values are usage errors (2), never a traceback."""
    for argv in (
        ("lint", "x.json", "--max-file-size", "-1"),
        ("lint", "x.json", "--max-file-size", "lots"),
        ("who-can", "arn", "--inventory", "none.json"),
        ("check", "-"),
        ("nope",),
    ):
        run = hostile.run(*argv, stdin=b'"x.json"')
        assert run.status == 2, (argv, run.both)
        assert "Traceback" not in run.both
