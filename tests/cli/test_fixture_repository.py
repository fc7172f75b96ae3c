"""A fixture repository linted as a folder in one command (issue 20): CloudFormation YAML and
JSON, a cdk.out, a Terraform plan, an account dump, a plain policy, a package.json and a README.
The findings are at the right file:line:col in text, JSON and SARIF; the JSON report matches
its shipped JSON Schema and the SARIF log the OASIS SARIF 2.1.0 schema (tests/data, no network).
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import jsonschema
import pytest

from trustsim.cli import config as _config
from trustsim.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURE = "tests/data/ci-repo"
SARIF_SCHEMA = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text("utf-8"))
REPORT_SCHEMA = json.loads((REPO / "trustsim/schemas/lint-report.schema.json").read_text("utf-8"))

#: (file, line, column, code, address): what the fixture holds, read off the files by hand.
EXPECTED = [
    (
        f"{FIXTURE}/cdk.out/AppStack.template.json",
        12,
        20,
        "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
        "AppStack/Handler/ServiceRole/Resource",
    ),
    (
        f"{FIXTURE}/cdk.out/AppStack.template.json",
        32,
        16,
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        "AppStack/CrossAccountRole/Resource",
    ),
    (
        f"{FIXTURE}/dumps/gaad.json",
        19,
        92,
        "OIDC_ISSUER_MISMATCH",
        "arn:aws:iam::111122223333:role/eks-app",
    ),
    (f"{FIXTURE}/templates/github.json", 23, 75, "OIDC_SUB_TOO_BROAD", "DeployRole"),
    (
        f"{FIXTURE}/templates/roles.yaml",
        16,
        20,
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        "VendorRole",
    ),
    (
        f"{FIXTURE}/terraform/plan.json",
        30,
        135,  # inside the assume_role_policy string: at the escaped "*" itself
        "ANY_AWS_PRINCIPAL",
        "module.ci.aws_iam_role.deploy[0]",
    ),
]


def lint(*argv: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(REPO)
    out = io.StringIO()
    status = main(["lint", "--no-config", *argv], stdout=out)
    return status, out.getvalue()


def test_each_position_is_at_the_offending_value() -> None:
    expected_text = {
        "SERVICE_PRINCIPAL_WITHOUT_SOURCE": '"lambda.amazonaws.com"',
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID": ('"arn:aws:iam::444455556666:root"', "!Sub"),
        "OIDC_ISSUER_MISMATCH": '"system:serviceaccount:app:web"',
        "OIDC_SUB_TOO_BROAD": '"repo:acme*"',
        "ANY_AWS_PRINCIPAL": '\\"*\\"',
    }
    for file, line, column, code, _ in EXPECTED:
        text = (REPO / file).read_text("utf-8").splitlines()[line - 1][column - 1 :]
        assert text.startswith(expected_text[code]), (file, code, text)


def test_text_report(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out = lint(FIXTURE, monkeypatch=monkeypatch)
    assert status == 1
    heads = [line for line in out.splitlines() if line.startswith(FIXTURE) and ": " in line]
    found = []
    for line in heads:
        place, _, rest = line.partition(": ")
        parts = place.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit():
            _severity, code, address, _pointer = rest.split(" ", 3)
            found.append((parts[0], int(parts[1]), int(parts[2]), code, address))
    assert found == EXPECTED
    assert f"{FIXTURE}/package.json: skipped: not a policy, template, plan or account dump" in out
    assert "README" not in out  # not a kind of file trustsim looks at
    assert f"{FIXTURE}/policies/ec2-trust.json: no findings" in out
    assert "cdk.out/manifest.json" not in out  # CDK's own files are not templates
    assert "cdk.out/tree.json" not in out
    assert "LegacyRole" not in out  # Metadata: {trustsim: {ignore: [WILDCARD_ACTION]}}
    assert out.splitlines()[-1].startswith(f"{len(EXPECTED)} findings (")


def test_json_report_matches_its_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out = lint("--format", "json", FIXTURE, monkeypatch=monkeypatch)
    assert status == 1
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    found = [
        (entry["file"], f["line"], f["column"], f["code"], f["address"])
        for entry in report["files"]
        for f in entry.get("findings", [])
    ]
    assert found == EXPECTED
    kinds = {
        entry["file"].removeprefix(FIXTURE + "/"): entry.get("kind") for entry in report["files"]
    }
    assert kinds == {
        "cdk.out/AppStack.template.json": "cdk-out",
        "dumps/gaad.json": "account-dump",
        "package.json": None,
        "policies/ec2-trust.json": "policy",
        "templates/github.json": "cloudformation",
        "templates/roles.yaml": "cloudformation",
        "terraform/plan.json": "terraform",
    }


def test_the_report_schema_is_not_vacuous() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": 2, "tool": "trustsim 1", "files": []}, REPORT_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"schema_version": 1, "tool": "trustsim 1", "files": [{"file": "x", "valid": True}]},
            REPORT_SCHEMA,
        )


def test_sarif_log_matches_the_sarif_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out = lint("--format", "sarif", FIXTURE, monkeypatch=monkeypatch)
    assert status == 1
    log = json.loads(out)
    jsonschema.validate(log, SARIF_SCHEMA)
    [run] = log["runs"]
    found = []
    for result in run["results"]:
        [location] = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        address = location["logicalLocations"][0]["fullyQualifiedName"]
        found.append(
            (
                physical["artifactLocation"]["uri"],
                region["startLine"],
                region["startColumn"],
                result["ruleId"],
                address,
            )
        )
    assert found == EXPECTED
    for rule in run["tool"]["driver"]["rules"]:
        # No public home to link to: without a configured docs-url the help names the anchor.
        assert "helpUri" not in rule
        assert rule["help"]["text"].endswith(
            f"docs/lint.md#{rule['id'].lower()} in trustsim's documentation."
        )
    anchors = {
        line.removeprefix("## `").removesuffix("`").lower()
        for line in (REPO / "docs/lint.md").read_text("utf-8").splitlines()
        if line.startswith("## `")
    }
    assert {rule["id"].lower() for rule in run["tool"]["driver"]["rules"]} <= anchors


def test_a_configured_docs_url_links_each_rule_to_its_anchor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "trustsim.toml"
    config.write_text('docs-url = "https://docs.example.com/trustsim/docs"\n', "utf-8")
    monkeypatch.chdir(REPO)
    out = io.StringIO()
    status = main(["lint", "--config", str(config), "--format", "sarif", FIXTURE], stdout=out)
    assert status == 1
    log = json.loads(out.getvalue())
    jsonschema.validate(log, SARIF_SCHEMA)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        assert (
            rule["helpUri"]
            == f"https://docs.example.com/trustsim/docs/lint.md#{rule['id'].lower()}"
        )


def test_a_docs_url_that_is_not_a_web_address_is_refused() -> None:
    with pytest.raises(_config.ConfigError, match="docs-url"):
        _config.parse({"docs-url": "docs/"}, base=Path("."))


def test_the_sarif_schema_check_is_not_vacuous() -> None:
    log = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "A", "helpUri": 3}]}}}],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SARIF_SCHEMA)


def test_the_run_is_quick(monkeypatch: pytest.MonkeyPatch) -> None:
    started = time.perf_counter()
    lint(FIXTURE, monkeypatch=monkeypatch)
    assert time.perf_counter() - started < 20  # measured ~0.3 s; a generous bound for CI


def test_the_report_schema_ships_in_the_package() -> None:
    import importlib.resources  # noqa: PLC0415

    shipped = importlib.resources.files("trustsim") / "schemas" / "lint-report.schema.json"
    assert json.loads(shipped.read_text("utf-8")) == REPORT_SCHEMA
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
