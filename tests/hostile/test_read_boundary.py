"""Issue 24, items 1, 2 and 6: nothing is read outside the repository, nor anything but a file.

A symlink to a credentials file, to ``/proc/self/environ``, to ``/dev/zero``; a FIFO; ``../``
and absolute paths in scenario files and inventory manifests; a symlinked ``cdk.out``
template: each is refused with exit 2 and a message naming the path, and nothing of what it
points to reaches standard output, standard error, JSON or SARIF.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.conftest import SECRET, Hostile, assert_refused
from trustsim._files import RefusedFile, limits, read_named, read_reference
from trustsim.inventory import load_inventory
from trustsim.loaders import load_cdk_out, load_cloudformation, load_policy
from trustsim.scenarios import load_scenarios

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}
COMMANDS = [
    ("lint", "--format", "text"),
    ("lint", "--format", "json"),
    ("lint", "--format", "sarif"),
    ("validate", "--format", "text"),
    ("validate", "--format", "json"),
    ("explain", "--caller", "anonymous"),
    ("check", "--caller", "anonymous"),
    ("grants", "--format", "text"),
    ("grants", "--format", "json"),
    ("diff", "leak.json", "--format", "sarif"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_symlink_to_a_secret_outside_is_refused_by_every_command(
    hostile: Hostile, command: tuple[str, ...]
) -> None:
    hostile.link("leak.json", "../outside/credentials")
    run = hostile.run(command[0], "leak.json", *command[1:])
    assert_refused(run)
    assert "leak.json" in run.both
    assert "outside the allowed root" in run.both


def test_the_read_boundary_in_sarif_is_a_failed_execution_without_content(
    hostile: Hostile,
) -> None:
    hostile.link("leak.json", "../outside/credentials")
    run = hostile.run("lint", "--format", "sarif", "leak.json")
    assert_refused(run)
    (invocation,) = run.json()["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "refused" in invocation["toolExecutionNotifications"][0]["message"]["text"]


@pytest.mark.parametrize(
    ("name", "target", "reason"),
    [
        ("environ.json", "/proc/self/environ", "outside the allowed root"),
        ("zero.json", "/dev/zero", "outside the allowed root"),
        ("urandom.json", "/dev/urandom", "outside the allowed root"),
    ],
)
def test_symlinks_to_the_environment_and_devices_are_refused(
    hostile: Hostile, name: str, target: str, reason: str
) -> None:
    hostile.link(name, target)
    run = hostile.run("validate", name, "--format", "json")
    assert_refused(run)
    assert reason in run.out


def test_allowing_a_device_outside_still_refuses_it_as_not_a_file(hostile: Hostile) -> None:
    """--allow-outside widens the root; it never makes a device or FIFO readable."""
    hostile.link("zero.json", "/dev/zero")
    run = hostile.run("lint", "zero.json", "--allow-outside", "/dev/zero")
    assert_refused(run)
    assert "not a regular file (a character device)" in run.out


def test_allowing_the_environment_shows_no_byte_of_it(hostile: Hostile) -> None:
    """With the boundary lifted, /proc/self/environ is read (capped) but is not JSON: the
    refusal quotes nothing of it, not even its first character."""
    hostile.link("environ.json", "/proc/self/environ")
    run = hostile.run("validate", "environ.json", "--allow-outside", "/proc/self/environ")
    assert_refused(run, status=1)
    assert "expected a value, found other text" in run.out
    assert " | " not in run.out  # no excerpt


def test_a_fifo_is_refused_without_hanging(hostile: Hostile) -> None:
    os.mkfifo(hostile.repo / "fifo.json")
    for command in (("lint", "fifo.json"), ("check", "fifo.json"), ("validate", "fifo.json")):
        run = hostile.run(*command, timeout=30)
        assert_refused(run)
        assert "not a regular file (a FIFO)" in run.out


def test_a_secret_in_the_repository_that_is_not_json_is_not_quoted(hostile: Hostile) -> None:
    """Inside the repository the file is read; a syntax error before any JSON shows no line."""
    hostile.write("notes.json", (hostile.outside / "credentials").read_text())
    for fmt in ("text", "json", "sarif"):
        run = hostile.run("lint", "notes.json", "--format", fmt)
        assert run.status == 1
        assert SECRET not in run.both
        assert "[default]" not in run.both


def test_a_syntax_error_later_in_a_file_shows_only_what_was_read_as_json(
    hostile: Hostile,
) -> None:
    hostile.write("policy.json", '{"Version": "2012-10-17", "Statement": [] , ' + SECRET + "}")
    run = hostile.run("validate", "policy.json")
    assert run.status == 1
    assert SECRET[1:] not in run.both
    assert '{"Version": "2012-10-17", "Statement": [] , S' in run.out


@pytest.mark.parametrize(
    "reference",
    ["../outside/credentials", "{outside}/credentials", "sub/../../outside/credentials"],
)
def test_scenario_policy_paths_cannot_leave_the_repository(
    hostile: Hostile, reference: str
) -> None:
    reference = reference.format(outside=hostile.outside)
    scenarios = [
        {
            "name": "leak",
            "role": {"arn": "arn:aws:iam::111122223333:role/r", "trust_policy": reference},
            "caller": "anonymous",
            "action": "sts:AssumeRole",
            "expected": "InvalidPolicy",
        }
    ]
    (hostile.repo / "sub").mkdir()
    hostile.write("scenarios.json", scenarios)
    for fmt in ("text", "json"):
        run = hostile.run("check", "scenarios.json", "--format", fmt)
        assert_refused(run)
        assert "refused" in run.out


def test_scenario_policy_paths_through_a_symlinked_folder_are_refused(hostile: Hostile) -> None:
    hostile.link("policies", hostile.outside)
    scenarios = [
        {
            "name": "leak",
            "role": {
                "arn": "arn:aws:iam::111122223333:role/r",
                "trust_policy": "policies/credentials",
            },
            "caller": "anonymous",
            "action": "sts:AssumeRole",
            "expected": "InvalidPolicy",
        }
    ]
    hostile.write("scenarios.json", scenarios)
    assert_refused(hostile.run("check", "scenarios.json", "--format", "json"))


def test_scenario_references_inside_the_repository_still_work(hostile: Hostile) -> None:
    hostile.write("policies/trust.json", TRUST)
    scenarios = [
        {
            "name": "ec2",
            "role": {
                "arn": "arn:aws:iam::111122223333:role/r",
                "trust_policy": "../policies/trust.json",
            },
            "caller": "service:ec2.amazonaws.com",
            "action": "sts:AssumeRole",
            "expected": "Allow",
        }
    ]
    hostile.write("tests/scenarios.json", scenarios)
    run = hostile.run("check", "tests/scenarios.json")
    assert run.status == 0, run.both
    assert "1 scenario: 1 passed, 0 failed" in run.out


def test_manifest_paths_cannot_leave_the_repository(hostile: Hostile) -> None:
    for name, manifest in {
        "dumps.json": {"authorization_details": ["../outside/credentials"]},
        "absolute.json": {"authorization_details": [str(hostile.outside / "credentials")]},
        "scps.json": {
            "authorization_details": [],
            "organization": {
                "id": "o-a1b2c3d4e5",
                "root": "r-ab12",
                "scps": ["../outside/credentials"],
            },
        },
        "device.json": {"authorization_details": ["zero.json"]},
    }.items():
        hostile.write(name, manifest)
    hostile.link("zero.json", "/dev/zero")
    role = "arn:aws:iam::111122223333:role/r"
    for name in ("dumps.json", "absolute.json", "scps.json", "device.json"):
        run = hostile.run("who-can", role, "--inventory", name)
        assert_refused(run)
        assert "refused" in run.err


def test_the_library_refuses_the_same_reads(hostile: Hostile) -> None:
    """The boundary is the library's, not only the command's."""
    hostile.link("leak.json", "../outside/credentials")
    hostile.link("zero.json", "/dev/zero")
    for name in ("leak.json", "zero.json"):
        with pytest.raises(RefusedFile) as refused:
            load_policy(Path(name))
        assert SECRET not in str(refused.value)
    (hostile.repo / "cdk.out").mkdir()
    os.symlink(hostile.outside / "credentials", hostile.repo / "cdk.out" / "Stack.template.json")
    with pytest.raises(RefusedFile, match="outside the allowed root"):
        load_cdk_out("cdk.out")
    hostile.link("linked.out", hostile.outside)
    (hostile.outside / "Leak.template.json").write_text('{"Resources": {}}')
    with pytest.raises(RefusedFile, match="outside the allowed root"):
        load_cdk_out("linked.out")
    with pytest.raises(RefusedFile):
        load_cloudformation(Path("leak.json"))
    hostile.write("inventory.json", {"authorization_details": ["../outside/credentials"]})
    with pytest.raises(RefusedFile):
        load_inventory("inventory.json")
    scenario = {"name": "x", "role": {"arn": "a", "trust_policy": "/etc/passwd"}}
    scenario |= {"caller": "anonymous", "action": "sts:AssumeRole", "expected": "InvalidPolicy"}
    hostile.write("s.json", [scenario])
    with pytest.raises(ValueError, match="an absolute path"):
        load_scenarios("s.json")


def test_allow_outside_lets_a_named_reference_through(hostile: Hostile) -> None:
    (hostile.outside / "trust.json").write_text(__import__("json").dumps(TRUST))
    hostile.link("trust.json", hostile.outside / "trust.json")
    with pytest.raises(RefusedFile):
        read_named("trust.json")
    with limits(allow_outside=[hostile.outside]):
        assert read_named("trust.json")[0].startswith(b"{")
        data = read_reference(
            str(hostile.outside / "trust.json"), folder=hostile.repo, root=hostile.repo
        )
        assert data.startswith(b"{")
    run = hostile.run("validate", "trust.json", "--allow-outside", str(hostile.outside))
    assert run.status == 0, run.both


def test_a_file_named_like_an_option_is_a_file_after_double_dash(hostile: Hostile) -> None:
    """Item 6: `trustsim lint -- *` reads '--format=text' as a file, and '-' as a file too."""
    hostile.write("--format=text", TRUST)
    hostile.write("-", TRUST)
    run = hostile.run("lint", "--format", "json", "--", "--format=text", "-", stdin=b"[")
    assert run.status == 0, run.both
    files = [entry["file"] for entry in run.json()["files"]]
    assert files == ["--format=text", "./-"]
    # Among several files, '-' is a file too (a glob's expansion cannot read stdin).
    hostile.write("a.json", TRUST)
    run = hostile.run("lint", "--format", "json", "a.json", "-", stdin=b"[")
    assert [entry["file"] for entry in run.json()["files"]] == ["a.json", "./-"]
    # Before '--', a lone '-' is standard input.
    run = hostile.run("validate", "-", stdin=b'{"Statement": []}')
    assert run.status == 1
    assert "<stdin>" in run.out


def test_option_abbreviations_are_off(hostile: Hostile) -> None:
    """A file named --form cannot pass for --format (argparse's prefix matching is off)."""
    hostile.write("policy.json", TRUST)
    run = hostile.run("lint", "--form", "json", "policy.json")
    assert run.status == 2
    assert "unrecognized arguments: --form" in run.err


def test_a_json_secret_in_the_workspace_is_not_quoted_as_a_policy(hostile: Hostile) -> None:
    """A credentials JSON a CI step left in the checkout (gha-creds-*.json), named as a policy
    by a scenario: it is JSON, but holds no Statement, so none of its lines is shown."""
    hostile.write(
        "gha-creds-1234.json",
        {"type": "service_account", "private_key": f"-----BEGIN PRIVATE KEY-----{SECRET}"},
    )
    scenario = {"name": "creds", "role": {"arn": "arn:aws:iam::111122223333:role/r"}}
    scenario["role"]["trust_policy"] = "gha-creds-1234.json"  # type: ignore[index]
    scenario |= {"caller": "anonymous", "action": "sts:AssumeRole", "expected": "Allow"}
    hostile.write("scenarios.json", [scenario])
    for fmt in ("text", "json"):
        run = hostile.run("check", "scenarios.json", "--format", fmt)
        assert run.status == 1
        assert SECRET not in run.both
        assert "PRIVATE KEY" not in run.both
    run = hostile.run("validate", "gha-creds-1234.json")
    assert SECRET not in run.both
    assert "unknown top-level element" in run.out


def test_an_inventory_database_that_is_a_fifo_or_a_device_is_refused_without_hanging(
    hostile: Hostile,
) -> None:
    """--inventory FILE.db is opened by SQLite, not the read boundary: it must still be a file."""
    os.mkfifo(hostile.repo / "org.db")
    (hostile.repo / "zero.db").symlink_to("/dev/zero")
    for name in ("org.db", "zero.db"):
        run = hostile.run(
            "who-can", "--inventory", name, "arn:aws:iam::111122223333:role/r", timeout=30
        )
        assert_refused(run)
        assert f"'{name}': refused" in run.both, run.both
