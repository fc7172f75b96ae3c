"""CloudFormation and Terraform loaders (docs/loaders.md) on realistic files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.loaders.iac import (
    PLACEHOLDER,
    IacRole,
    load_cdk_out,
    load_cloudformation,
    load_terraform,
)

DATA = Path(__file__).parents[1] / "data" / "loaders"
CFN = DATA / "cloudformation-ci.json"


def _roles(*args: Any, **kwargs: Any) -> dict[str, IacRole]:
    return {role.address: role for role in load_cloudformation(*args, **kwargs)}


def _statement(role: IacRole) -> dict[str, Any]:
    assert role.trust_policy is not None
    statement: dict[str, Any] = role.trust_policy.to_dict()["Statement"][0]
    return statement


def test_sub_with_parameters_escapes_and_known_provider_arn() -> None:
    roles = _roles(CFN, account_id="111122223333")
    deploy = roles["DeployRole"]
    statement = _statement(deploy)
    # Ref/GetAtt of an OIDC provider whose Url is in the template gives its real ARN
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    }
    # ${GitHubOrg} from the parameter's Default; ${!main} is written as the literal ${main}
    assert statement["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:acme/*:ref:refs/heads/${main}"
    }
    assert deploy.arn == "arn:aws:iam::111122223333:role/ci/gh-deploy"
    assert deploy.placeholders == ()
    assert deploy.origin.endswith("#/Resources/DeployRole")


def test_join_findinmap_select_split_and_comma_delimited_lists() -> None:
    audit = _roles(CFN, partition="aws-us-gov")["AuditRole"]
    assert _statement(audit)["Principal"]["AWS"] == [
        "arn:aws-us-gov:iam::444455556666:root",  # Join with Ref AWS::Partition and FindInMap
        "777788889999",  # Select 1 of the CommaDelimitedList parameter's Default
        "111122223333",  # Select 0 of Split
    ]


@pytest.mark.parametrize(
    ("parameters", "mfa_condition", "break_glass"),
    [
        (None, False, False),
        ({"Environment": "prod"}, True, True),
        ({"Parameters": {"Environment": "prod"}}, True, True),
        ([{"ParameterKey": "Environment", "ParameterValue": "prod"}], True, True),
        (["Environment=prod"], True, True),
    ],
)
def test_conditions_if_and_novalue_follow_the_parameters(
    parameters: Any, mfa_condition: bool, break_glass: bool
) -> None:
    roles = _roles(CFN, parameters=parameters)
    assert ("Condition" in _statement(roles["AuditRole"])) is mfa_condition
    assert (
        "BreakGlassRole" in roles
    ) is break_glass  # a role with a false Condition is not created


def test_a_policy_written_as_a_sub_json_string_uses_the_pseudo_parameters() -> None:
    lam = _roles(CFN, account_id="111122223333", partition="aws-cn")["LambdaRole"]
    statement = _statement(lam)
    assert statement["Principal"] == {
        "Service": "lambda.amazonaws.com.cn"
    }  # AWS::URLSuffix in aws-cn
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_getatt_of_a_role_is_a_marked_placeholder() -> None:
    chain = _roles(CFN)["ChainRole"]
    principal = _statement(chain)["Principal"]["AWS"]
    assert PLACEHOLDER in principal
    assert principal == f"arn:aws:iam::123456789012:role/{PLACEHOLDER}-AuditRole"
    assert chain.placeholders == (
        "/Resources/ChainRole/Properties/AssumeRolePolicyDocument/Statement/0/Principal/AWS/Fn::GetAtt: "
        f"GetAtt AuditRole.Arn → {principal}",
    )


def test_importvalue_and_ssm_references_are_precise_errors_with_positions() -> None:
    path = DATA / "cloudformation-unresolvable.json"
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation(path)
    error = caught.value
    assert [(p.code, p.pointer) for p in error.problems] == [
        (
            "UNRESOLVABLE_INTRINSIC",
            "/Resources/Imported/Properties/AssumeRolePolicyDocument/Statement/0/Principal/AWS/Fn::ImportValue",
        ),
        (
            "UNRESOLVABLE_INTRINSIC",
            "/Resources/FromSsm/Properties/AssumeRolePolicyDocument/Statement/0/Condition/StringEquals/sts:ExternalId",
        ),
    ]
    assert "another stack's export" in error.problems[0].message
    assert "{{resolve:ssm:/vendor/external-id}}" in error.problems[1].message
    assert error.position_of(error.problems[0].pointer) is not None


def test_a_parameter_without_value_or_default_is_an_error_naming_it() -> None:
    template = {
        "Parameters": {"Vendor": {"Type": "String"}},
        "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Ref": "Vendor"}}, "Action": "sts:AssumeRole"}]}}}},
    }  # fmt: skip
    with pytest.raises(InvalidPolicy, match="the parameter Vendor has no Default"):
        load_cloudformation(template)
    role = load_cloudformation(template, parameters={"Vendor": "444455556666"})[0]
    assert _statement(role)["Principal"] == {"AWS": "444455556666"}


def test_a_resolved_policy_aws_refuses_points_into_the_template() -> None:
    template = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}}}}}  # fmt: skip
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation(json.dumps(template, indent=2), origin="stack.json")
    assert (
        caught.value.problems[0].pointer
        == "/Resources/R/Properties/AssumeRolePolicyDocument/Statement/0/Principal"
    )
    assert caught.value.origin == "stack.json"


def test_yaml_short_tags_and_an_unquoted_version() -> None:
    """YAML 1.1 would read Version: 2012-10-17 as a date; it must stay the string (docs/loaders.md)."""
    roles = _roles(
        DATA / "cloudformation-vendor.yaml", account_id="111122223333", region="eu-west-1"
    )
    vendor = roles["VendorRole"]
    assert vendor.trust_policy is not None
    assert vendor.trust_policy.version == "2012-10-17"
    statement = _statement(vendor)
    assert statement["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "acme-111122223333"}}
    assert _statement(roles["EcsRole"])["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:111122223333:*"}
    }


# --------------------------------------------------------------------------- Terraform


def test_terraform_plan_known_child_module_and_unknown_until_apply() -> None:
    roles = {role.address: role for role in load_terraform(DATA / "terraform-plan.json")}
    assert set(roles) == {
        "aws_iam_role.ec2",
        "module.ci.aws_iam_role.this[0]",
        "aws_iam_role.github",
    }
    assert _statement(roles["aws_iam_role.ec2"])["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert _statement(roles["module.ci.aws_iam_role.this[0]"])["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:root"
    }
    github = roles["aws_iam_role.github"]
    assert github.trust_policy is None
    assert github.unknown is not None
    assert "unknown until apply" in github.unknown
    assert github.origin.endswith("#/resource_changes/1")


def test_terraform_state_gives_arns_and_skips_data_sources() -> None:
    (role,) = load_terraform(DATA / "terraform-state.json")
    assert (role.address, role.arn) == (
        "aws_iam_role.ec2",
        "arn:aws:iam::111122223333:role/ec2-instance",
    )


def test_terraform_refused_policy_points_into_the_plan() -> None:
    plan = json.loads((DATA / "terraform-plan.json").read_text())
    plan["planned_values"]["root_module"]["resources"][0]["values"]["assume_role_policy"] = (
        json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                    }
                ]
            }
        )
    )
    with pytest.raises(InvalidPolicy) as caught:
        load_terraform(plan)
    assert caught.value.problems[0].pointer == (
        "/planned_values/root_module/resources/0/values/assume_role_policy/Statement/0/Resource"
    )


def test_cdk_out_stacks_with_construct_paths() -> None:
    """CDK writes account roots as Fn::Join of AWS::Partition and AWS::AccountId (docs/loaders.md)."""
    (role,) = load_cdk_out(DATA / "cdk.out", account_id="111122223333")
    assert role.address == "PipelineStack/DeployRole/Resource"
    assert _statement(role)["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert role.origin.endswith("PipelineStack.template.json#/Resources/DeployRole1A2B3C4D")
