"""Configuration, discovery and baseline edge cases (trustsim.cli.config, discovery, baseline)."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from trustsim.cli import config as _config
from trustsim.cli import discovery as _discovery
from trustsim.cli import main

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}


def options(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"config": None, "no_config": False, **values})


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("legacy/**", "legacy/a/b.json", True),
        ("legacy/**", "new/legacy/b.json", False),
        ("**/fixtures/*.json", "tests/fixtures/a.json", True),
        ("**/fixtures/*.json", "fixtures/a.json", True),
        ("**/fixtures/*.json", "tests/fixtures/x/a.json", False),
        ("a?.json", "ab.json", True),
        ("a?.json", "a/.json", False),
        ("*.json", "x/y.json", False),
        ("a.json", "aXjson", False),  # the dot is literal
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(_config.glob_regex(pattern).fullmatch(path)) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignore = 'X'\n", "ignore must be a list of strings"),
        ("exclude = [1]\n", "exclude must be a list of strings"),
        ("role-arns = 3\n", "role-arns and suppress must be tables"),
        ('[role-arns]\nA = "arn:aws:iam::111122223333:user/u"\n', "role-arns.A"),
        ("[suppress]\nA = 'X'\n", "A must be a list of strings"),
        ("this is = not toml [\n", "not TOML"),
    ],
)
def test_configuration_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".trustsim.toml").write_text(text)
    with pytest.raises(_config.ConfigError, match=message):
        _config.load(options())


def test_configuration_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _config.load(options()) == _config.Settings()  # none
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert _config.load(options()).origin is None  # no [tool.trustsim]: nothing
    (tmp_path / "pyproject.toml").write_text('[tool.trustsim]\nignore = ["WILDCARD_ACTION"]\n')
    assert _config.load(options()).ignore == frozenset({"WILDCARD_ACTION"})
    (tmp_path / "other.toml").write_text('[tool.trustsim]\nfail-on = "error"\n')
    named = _config.load(options(config="other.toml"))
    assert (named.fail_on, named.ignore) == ("error", frozenset())
    assert _config.load(options(no_config=True)) == _config.Settings()
    with pytest.raises(_config.ConfigError, match=r"--config absent\.toml"):
        _config.load(options(config="absent.toml"))
    (tmp_path / ".trustsim.toml").write_text(
        '[tool.trustsim]\nrole-arn = "arn:aws:iam::111122223333:role/r"\n'
    )
    settings = _config.load(options())
    assert settings.role_arn_for("anything") == "arn:aws:iam::111122223333:role/r"
    assert settings.path_ignored("-") is False


def test_a_list_of_dump_pages_is_an_account_dump(tmp_path: Path) -> None:
    role = {
        "RoleName": "r",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/r",
        "AssumeRolePolicyDocument": TRUST,
    }
    pages = [{"RoleDetailList": [role]}, {"RoleDetailList": [], "UserDetailList": []}]
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(pages))
    loaded = _discovery.load(_discovery.Candidate(str(path)))
    assert (loaded.kind, [s.address for s in loaded.sources]) == ("account-dump", [role["Arn"]])
    assert loaded.sources[0].pointer == "/0/RoleDetailList/0/AssumeRolePolicyDocument"


def test_kind_detection_does_not_guess(tmp_path: Path) -> None:
    assert _discovery._kind_of([1, 2]) is None
    assert _discovery._kind_of([]) is None
    assert _discovery._kind_of("x") is None
    assert _discovery._kind_of({"format_version": "1.0", "values": {}}) == "terraform"
    assert _discovery._kind_of({"resources": {}, "outputs": {}}) is None  # tf_resources.json


def test_format_in_reads_any_file_as_that_kind(tmp_path: Path) -> None:
    path = tmp_path / "trust.txt"
    path.write_text(json.dumps(TRUST))
    assert main(["lint", "--no-config", "--format-in", "policy", str(path)]) == 0
    yaml_path = tmp_path / "stack.txt"
    yaml_path.write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n"
        "        Statement:\n          Effect: Allow\n"
        "          Principal: {AWS: '*'}\n          Action: sts:AssumeRole\n"
    )
    assert main(["lint", "--no-config", "--format-in", "cloudformation", str(yaml_path)]) == 1


def test_a_broken_yaml_template_in_a_folder_is_invalid_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stack.yaml").write_text("Resources:\n  R: [unclosed\n")
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {}, // a comment\n}')
    assert main(["lint", "--no-config", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "stack.yaml: 1 problem" in out
    assert "the template is not YAML" in out
    assert (
        "tsconfig.json: skipped: not a policy, template, plan or account dump (the document is not valid JSON"
        in out
    )


def test_an_unknown_ignore_code_in_the_configuration_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".trustsim.toml").write_text('ignore = ["NOT_A_CODE"]\n')
    (tmp_path / "t.json").write_text(json.dumps(TRUST))
    assert main(["lint", "t.json"]) == 2
    assert "unknown finding code 'NOT_A_CODE'" in capsys.readouterr().err


def test_a_url_encoded_trust_policy_is_placed_at_its_string(tmp_path: Path) -> None:
    import urllib.parse  # noqa: PLC0415

    public = {**TRUST, "Statement": {**TRUST["Statement"], "Principal": {"AWS": "*"}}}
    role = {
        "RoleName": "r",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/r",
        "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(public)),
    }
    path = tmp_path / "get-role.json"
    path.write_text(json.dumps({"Role": role}, indent=2))
    out = io.StringIO()
    assert main(["lint", "--no-config", "--format", "json", str(path)], stdout=out) == 1
    [finding] = json.loads(out.getvalue())["files"][0]["findings"]
    line = path.read_text().splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1 :].startswith('"%7B')


def test_a_yaml_template_with_the_policy_as_a_json_string(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        '      AssumeRolePolicyDocument: \'{"Version": "2012-10-17", "Statement": '
        '{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}}\'\n'
    )
    out = io.StringIO()
    assert main(["lint", "--no-config", "--format", "json", str(path)], stdout=out) == 1
    [finding] = json.loads(out.getvalue())["files"][0]["findings"]
    assert (finding["code"], finding["line"], finding["column"]) == ("ANY_AWS_PRINCIPAL", 5, 33)


def test_a_plan_role_unknown_until_apply_is_a_note(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role.ci",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "values": {"name": "ci"},
                    }
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_iam_role.ci",
                "type": "aws_iam_role",
                "change": {"actions": ["create"], "after_unknown": {"assume_role_policy": True}},
            }
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    out = io.StringIO()
    assert main(["lint", "--no-config", str(path)], stdout=out) == 0
    assert out.getvalue().splitlines() == [
        f"{path}: note: aws_iam_role.ci: the trust policy is unknown until apply (it depends on "
        "values the plan creates)",
        f"{path}: no findings (1 role)",
    ]
    out = io.StringIO()
    main(["lint", "--no-config", "--format", "json", str(path)], stdout=out)
    entry = json.loads(out.getvalue())["files"][0]
    assert (entry["roles"], len(entry["notes"]), entry["findings"]) == (["aws_iam_role.ci"], 1, [])
