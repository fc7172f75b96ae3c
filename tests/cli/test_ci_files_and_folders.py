"""The command line in CI (issue 20): files and folders of every kind, refusals, hygiene."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trustsim.cli import main
from trustsim.linter import lint

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "data" / "ci-repo"
TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        status = main(list(argv), stdout=out)
    finally:
        sys.stderr = saved
    return status, out.getvalue(), err.getvalue()


def write(path: Path, document: Any) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return str(path)


# --- kinds, refusals, discovery --------------------------------------------------------------


def test_a_named_file_of_no_kind_is_refused_and_skipped_with_skip_unknown(tmp_path: Path) -> None:
    package = write(tmp_path / "package.json", {"name": "app", "version": "1.0.0"})
    status, out, _ = run("lint", "--no-config", package)
    assert status == 2
    assert out.splitlines()[0] == (
        f"{package}: refused: not a policy, template, plan or account dump; "
        "name its kind with --format-in"
    )
    status, out, _ = run("validate", package)  # validate refuses it the same way
    assert (status, out.splitlines()[0].startswith(f"{package}: refused: not a policy")) == (
        2,
        True,
    )
    status, out, _ = run("lint", "--no-config", "--skip-unknown", package)
    assert status == 0
    assert (
        out.splitlines()[0] == f"{package}: skipped: not a policy, template, plan or account dump"
    )


def test_a_folder_skips_files_of_no_kind_and_non_template_yaml(tmp_path: Path) -> None:
    write(tmp_path / "package.json", {"name": "app"})
    write(tmp_path / ".github" / "workflows" / "ci.yml", "on: push\njobs: {}\n")  # hidden: pruned
    write(tmp_path / "docker-compose.yml", "services:\n  web: {image: nginx}\n")
    write(tmp_path / "trust.json", TRUST)
    write(tmp_path / "node_modules" / "x" / "trust.json", {"Statement": 1})  # pruned
    status, out, _ = run("lint", "--no-config", str(tmp_path))
    assert status == 0
    assert out.splitlines() == [
        f"{tmp_path / 'docker-compose.yml'}: skipped: not a policy, template, plan or account dump",
        f"{tmp_path / 'package.json'}: skipped: not a policy, template, plan or account dump",
        f"{tmp_path / 'trust.json'}: no findings",
        "no findings in 1 file",
    ]


def test_a_symlink_in_a_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    write(outside, {**TRUST, "Statement": {**TRUST["Statement"], "Principal": {"AWS": "*"}}})
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(outside, repo / "trust.json")
    status, out, _ = run("lint", "--no-config", str(repo))
    assert status == 0
    assert out.splitlines()[0] == f"{repo / 'trust.json'}: skipped: a symbolic link (not followed)"


def test_tf_resources_json_is_not_a_plan(tmp_path: Path) -> None:
    resources = {"resources": {"aws_iam_role": {"ci": {"name": "ci"}}}, "outputs": {}}
    path = write(tmp_path / "tf_resources.json", resources)
    assert run("lint", "--no-config", path)[0] == 2  # no kind: refused
    status, out, _ = run("lint", "--no-config", "--format-in", "terraform", path)
    assert status == 1
    assert "not terraform show -json output" in out


def test_get_role_and_list_roles_outputs(tmp_path: Path) -> None:
    role = {
        "RoleName": "vendor",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/vendor",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
            },
        },
    }
    get_role = write(tmp_path / "get-role.json", {"Role": role})
    list_roles = write(
        tmp_path / "list-roles.json", {"Roles": [role, {**role, "Arn": role["Arn"] + "2"}]}
    )
    status, out, _ = run("lint", "--no-config", "--format", "json", get_role, list_roles)
    assert status == 1
    first, second = json.loads(out)["files"]
    assert (first["kind"], second["kind"]) == ("get-role", "list-roles")
    # The ARN in the file tells the role's account: another account is a security warning.
    assert [f["code"] for f in first["findings"]] == ["CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID"]
    assert first["findings"][0]["address"] == role["Arn"]
    lines = Path(get_role).read_text().splitlines()
    [line] = [n for n, text in enumerate(lines, 1) if '"AWS": "arn:aws:iam::444455556666' in text]
    column = lines[line - 1].index('"arn:aws') + 1
    assert (first["findings"][0]["line"], first["findings"][0]["column"]) == (line, column)
    assert len(second["findings"]) == 2


def test_an_explicit_yaml_template_has_positions_and_the_stack_id_option(tmp_path: Path) -> None:
    template = FIXTURE / "templates" / "roles.yaml"
    status, out, _ = run("lint", "--no-config", str(template))
    assert status == 1
    assert (
        f"{template}:16:20: security_warning CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID VendorRole"
        in out
    )
    assert "StackVendorRole" not in out  # the ExternalId idiom resolved to the placeholder UUID
    status, _, err = run("lint", "--no-config", "--stack-id", "not-a-stack", str(template))
    assert status == 2
    assert "stack_id must be a stack ARN" in err


def test_the_template_s_account_id_is_the_role_s_own(tmp_path: Path) -> None:
    template = str(FIXTURE / "templates" / "roles.yaml")
    # Deployed to the vendor's own account, the vendor role is same-account trust.
    status, out, _ = run("lint", "--no-config", "--account-id", "444455556666", template)
    assert "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID" not in out
    assert status == 0


def test_validate_takes_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    status, out, _ = run("validate", "tests/data/ci-repo")
    assert status == 0
    assert "tests/data/ci-repo/templates/roles.yaml: cloudformation, 3 roles" in out
    assert "tests/data/ci-repo/templates/roles.yaml [VendorRole]: valid trust policy" in out
    assert "tests/data/ci-repo/terraform/plan.json [module.ci.aws_iam_role.deploy[0]]: valid" in out
    assert "tests/data/ci-repo/package.json: skipped" in out


def test_validate_reports_a_broken_template_with_its_yaml_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        "            Principal: '*'\n            Action: sts:AssumeRole\n",
    )
    status, out, _ = run("validate", path)
    assert status == 1
    assert "line 8:24" in out
    assert "BARE_STAR_PRINCIPAL" in out


# --- configuration, suppressions, baseline ---------------------------------------------------


def test_metadata_suppression_is_per_role(tmp_path: Path) -> None:
    text = (FIXTURE / "templates" / "roles.yaml").read_text()
    path = write(tmp_path / "roles.yaml", text.replace("ignore: [WILDCARD_ACTION]", "ignore: []"))
    status, out, _ = run("lint", "--no-config", "--fail-on", "warning", path)
    assert "WILDCARD_ACTION LegacyRole" in out
    assert status == 1
    _, out, _ = run(
        "lint", "--no-config", "--fail-on", "warning", str(FIXTURE / "templates" / "roles.yaml")
    )
    assert "WILDCARD_ACTION" not in out


def test_configuration_in_pyproject_and_trustsim_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    public = {**TRUST, "Statement": {**TRUST["Statement"], "Principal": {"AWS": "*"}}}
    write(tmp_path / "policies" / "public.json", public)
    write(tmp_path / "legacy" / "old.json", public)
    assert run("lint", "policies", "legacy")[0] == 1
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.trustsim]\nexclude = ["legacy/**"]\n'
        'ignore = ["ANY_AWS_PRINCIPAL"]\n',
    )
    status, out, _ = run("lint", "policies", "legacy")
    assert status == 0
    assert "legacy" not in out
    write(tmp_path / ".trustsim.toml", 'fail-on = "error"\n')  # wins over pyproject.toml
    status, out, _ = run("lint", "policies", "legacy")
    assert status == 0
    assert "ANY_AWS_PRINCIPAL" in out  # below the threshold, still reported
    write(tmp_path / ".trustsim.toml", 'fail-on = "severe"\n')
    status, _, err = run("lint", "policies")
    assert status == 2
    assert "fail-on: 'severe' is not a severity" in err
    write(tmp_path / ".trustsim.toml", 'colour = "red"\n')
    assert "unknown key 'colour'" in run("lint", "policies")[2]


def test_configured_role_arns_and_terraform_suppressions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    plan = (FIXTURE / "terraform" / "plan.json").read_text()
    write(tmp_path / "plan.json", plan)
    assert "ANY_AWS_PRINCIPAL" in run("lint", "plan.json")[1]
    write(
        tmp_path / ".trustsim.toml",
        '[suppress]\n"module.ci.aws_iam_role.deploy[0]" = ["ANY_AWS_PRINCIPAL"]\n',
    )
    status, out, _ = run("lint", "plan.json")
    assert (status, "ANY_AWS_PRINCIPAL" in out) == (0, False)
    write(tmp_path / ".trustsim.toml", 'role-arn = "nonsense"\n')
    assert "is not an IAM role ARN" in run("lint", "plan.json")[2]


def test_baseline_leaves_out_known_findings_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    public = {**TRUST, "Statement": {**TRUST["Statement"], "Principal": {"AWS": "*"}}}
    write(tmp_path / "a.json", public)
    status, _, err = run("lint", "--write-baseline", "baseline.json", "a.json")
    assert status == 0
    assert "wrote 1 finding(s)" in err
    assert run("lint", "--baseline", "baseline.json", "a.json")[0] == 0
    write(tmp_path / "b.json", public)  # a new finding fails the run
    status, out, _ = run("lint", "--baseline", "baseline.json", "a.json", "b.json")
    assert status == 1
    assert "b.json:" in out
    assert "a.json: no findings" in out
    write(tmp_path / "bad-baseline.json", {"findings": []})
    status, _, err = run("lint", "--baseline", "bad-baseline.json", "a.json")
    assert status == 2
    assert "not a trustsim baseline" in err


# --- hygiene -----------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from trustsim import __version__  # noqa: PLC0415

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"trustsim {__version__}\n"


def test_a_closed_pipe_is_no_error(tmp_path: Path) -> None:
    path = write(tmp_path / "trust.json", TRUST)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "trustsim", "validate", *[path] * 3000],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # `| head -1`
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 0
    assert first.startswith(path.encode())
    assert err == b""


@pytest.mark.parametrize("command", ["who-can", "reach"])
def test_who_can_and_reach_help_describe_themselves(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 answered" in text
    assert "get-account-authorization-details output" in text  # --inventory's help
    assert "output format (default: text)" in text


def test_did_you_mean_for_flags(tmp_path: Path) -> None:
    path = write(tmp_path / "trust.json", TRUST)
    status, _, err = run("lint", "--formt", "json", path)
    assert status == 2
    assert "unrecognized arguments: --formt (did you mean --format?)" in err
    status, _, err = run("validate", "--kindd=trust", path)
    assert "(did you mean --kind?)" in err
    status, _, err = run("lint", "--zzzzzz", path)
    assert "did you mean" not in err


def test_who_can_on_a_non_inventory_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "trust.json", TRUST)
    status, _, err = run("who-can", "arn:aws:iam::111122223333:role/x", "--inventory", path)
    assert status == 2
    assert f"{path} is not an inventory" in err
    assert "has no role" not in err


def test_check_hints_at_caller_allowed_and_the_external_id_clause(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x-42"}},
        },
    }
    path = write(tmp_path / "vendor.json", policy)
    common = ["check", path, "--role-arn", "arn:aws:iam::111122223333:role/v"]
    caller = "arn:aws:iam::444455556666:user/bob"
    status, out, _ = run(*common, "--caller", caller, "--context", "sts:ExternalId=x-42")
    assert status == 1
    assert "(hint: the caller's own account must allow the call too: --caller-allowed" in out
    assert "(hint: trust policy statement 0: the sts:ExternalId clause matched)" in out
    status, out, _ = run(
        *common, "--caller", caller, "--context", "sts:ExternalId=x-42", "--caller-allowed"
    )
    assert status == 0
    assert "hint" not in out


# --- lint rules and validation -----------------------------------------------------------------

EKS = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
OTHER = "oidc.eks.us-east-1.amazonaws.com/id/0THERC1USTER0000000000000000000"


def eks_trust(operator: str, issuer: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{EKS}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{EKS}:aud": "sts.amazonaws.com"},
            }
            | {operator: {f"{issuer}:sub": "system:serviceaccount:app:web"}}
            if operator != "StringEquals"
            else {
                "StringEquals": {
                    f"{EKS}:aud": "sts.amazonaws.com",
                    f"{issuer}:sub": "system:serviceaccount:app:web",
                }
            },
        },
    }


@pytest.mark.parametrize(
    ("operator", "issuer", "expected"),
    [
        ("StringEquals", OTHER, ["OIDC_ISSUER_MISMATCH"]),
        ("StringLike", OTHER.upper(), ["OIDC_ISSUER_MISMATCH"]),
        ("StringEquals", EKS, []),
        ("StringEquals", EKS.upper(), []),  # condition keys are case-insensitive
        ("StringEqualsIfExists", OTHER, []),  # absent: the clause is true, another matter
        ("StringNotEquals", OTHER, []),
    ],
)
def test_oidc_issuer_mismatch(operator: str, issuer: str, expected: list[str]) -> None:
    codes = [f.code for f in lint(eks_trust(operator, issuer))]
    assert [
        c for c in codes if c in ("OIDC_ISSUER_MISMATCH", "CASE_VARIANT_CONDITION_KEY")
    ] == expected


def _sized(count: int, indent: int | None = None) -> str:
    arns = [f"arn:aws:iam::111122223333:role/team-{i:04d}/Deployer" for i in range(count)]
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": arns}, "Action": "sts:AssumeRole"},
    }
    return json.dumps(document, indent=indent)


def test_trust_policy_size_quota(tmp_path: Path) -> None:
    small, over_default, over_max = _sized(10), _sized(50), _sized(90)
    assert len(over_default) > 2048
    assert len(over_max.replace(" ", "")) > 4096
    assert run("validate", write(tmp_path / "small.json", small))[0] == 0
    assert run("validate", write(tmp_path / "mid.json", over_default))[0] == 0
    status, out, _ = run("lint", "--no-config", "--fail-on", "warning", str(tmp_path / "mid.json"))
    assert "POLICY_SIZE_EXCEEDS_QUOTA" in out
    status, out, _ = run("validate", write(tmp_path / "big.json", over_max))
    assert status == 1
    assert "POLICY_TOO_LARGE" in out
    assert "ACLSizePerRole: 4096" in out
    # Whitespace is not counted: a policy under the maximum stays valid however indented.
    under = _sized(70, indent=40)
    assert len(under) > 4096 * 2
    assert run("validate", write(tmp_path / "indented.json", under))[0] == 0


# --- Effect spelled in another case (docs/semantics.md, reading 13) ---------------------------


def _effect_policy(*effects: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": effect,
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
            for effect in effects
        ],
    }


def test_a_trust_policy_reads_effect_in_another_case_flagged() -> None:
    from trustsim.callers import Role, ServicePrincipal  # noqa: PLC0415
    from trustsim.errors import InvalidPolicy  # noqa: PLC0415
    from trustsim.model import Effect, PolicyKind  # noqa: PLC0415
    from trustsim.parsing import parse_policy  # noqa: PLC0415
    from trustsim.requests import assume_role  # noqa: PLC0415

    policy = parse_policy(_effect_policy("allow"), kind=PolicyKind.TRUST)
    assert policy.statements[0].effect is Effect.ALLOW
    assert policy.statements[0].effect_written == "allow"
    identity = {
        **_effect_policy("allow"),
        "Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"},
    }
    with pytest.raises(InvalidPolicy, match="INVALID_EFFECT"):
        parse_policy(identity, kind=PolicyKind.IDENTITY)  # identity-side policies keep refusing
    backup = ServicePrincipal("backup.amazonaws.com")
    role_arn = "arn:aws:iam::111122223333:role/aft-backup"
    outcome = assume_role(backup, Role(role_arn, policy))
    assert outcome.allowed
    assert [d.code for d in outcome.errors] == ["UNCERTAIN_SEMANTICS"]
    assert "reading 13" in outcome.errors[0].message
    exact = assume_role(backup, Role(role_arn, parse_policy(_effect_policy("Allow"))))
    assert exact.allowed
    assert exact.errors == ()  # the flag comes from the spelling alone
    denied = assume_role(backup, Role(role_arn, parse_policy(_effect_policy("Allow", "DENY"))))
    assert denied.denied
    assert ['"Effect": "DENY" is read as "Deny"' in d.message for d in denied.errors] == [True]


def test_lint_warns_and_validate_accepts_effect_in_another_case(tmp_path: Path) -> None:
    path = write(tmp_path / "backup.json", _effect_policy("allow"))
    codes = [f.code for f in lint(_effect_policy("allow"))]
    assert codes == ["EFFECT_CASE", "SERVICE_PRINCIPAL_WITHOUT_SOURCE"]
    assert [f.code for f in lint(_effect_policy("Allow"))] == codes[1:]
    assert run("validate", path)[0] == 0
    status, out, _ = run("lint", "--no-config", "--fail-on", "warning", path)
    assert status == 1
    assert f"{path}:5:17: warning EFFECT_CASE /Statement/0/Effect" in out


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    for index in range(60):
        write(tmp_path / f"p{index:02d}.json", TRUST)
    terminal = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", terminal)
    out = io.StringIO()
    assert main(["lint", "--no-config", str(tmp_path)], stdout=out) == 0
    progress = terminal.getvalue()
    if tty:
        assert "\rtrustsim: 25 files read" in progress
        assert "\rtrustsim: 50 files read" in progress
        assert progress.endswith("\r\x1b[K")  # the line is cleared
    else:
        assert progress == ""
    assert "files read" not in out.getvalue()


@pytest.mark.parametrize("tty", [True, False])
def test_who_can_shows_its_status_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    dump = FIXTURE / "dumps" / "gaad.json"
    terminal = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", terminal)
    out = io.StringIO()
    status = main(
        ["who-can", "arn:aws:iam::111122223333:role/ops", "--inventory", str(dump)], stdout=out
    )
    assert status == 0
    shown = terminal.getvalue()
    if tty:
        assert f"\rtrustsim: reading {dump}…" in shown
        assert "\rtrustsim: 0 users, 2 roles: answering…" in shown
        assert shown.endswith("\r\x1b[K")
    else:
        assert shown == ""
    assert "answering" not in out.getvalue()


def test_role_arn_applies_to_templates_too() -> None:
    template = str(FIXTURE / "templates" / "roles.yaml")
    status, out, _ = run("lint", "--no-config", template)
    assert "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID VendorRole" in out
    vendor_own = "arn:aws:iam::444455556666:role/VendorRole"
    status, out, _ = run("lint", "--no-config", "--role-arn", vendor_own, template)
    # The role ARN's account is the template's AWS::AccountId too: ${AWS::AccountId}:root is
    # the role's own account, the vendor's account is no other account.
    assert (status, "CROSS_ACCOUNT_ROOT" in out) == (0, False)
    other = "arn:aws:iam::111122223333:role/VendorRole"
    assert (
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID VendorRole"
        in run("lint", "--no-config", "--role-arn", other, template)[1]
    )


def test_account_id_must_be_an_account(tmp_path: Path) -> None:
    path = write(tmp_path / "trust.json", TRUST)
    status, _, err = run("lint", "--account-id", "12345", path)
    assert status == 2
    assert "not an AWS account ID (12 digits): '12345'" in err
