"""Loaders from infrastructure as code and AWS dumps: the edges of every shape they read.

CloudFormation intrinsic functions follow the AWS template reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html);
what trustsim cannot resolve offline is an ``UNRESOLVABLE_INTRINSIC`` problem whose pointer names
the intrinsic in the template (docs/loaders.md, docs/loaders.md). AWS dumps follow
``get-account-authorization-details`` (https://docs.aws.amazon.com/IAM/latest/APIReference/
API_GetAccountAuthorizationDetails.html): groups give their members their policies, only the
default version of a managed policy is in force, and a permissions boundary is a managed policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.errors import InvalidPolicy, Problem
from trustsim.loaders import load_policy
from trustsim.loaders.aws import (
    AuthorizationDetails,
    load_authorization_details,
    load_role,
    load_roles,
)
from trustsim.loaders.iac import (
    PLACEHOLDER,
    IacRole,
    load_cdk_out,
    load_cloudformation,
    load_terraform,
)
from trustsim.model import PolicyKind

A = "111122223333"
ROLE_POINTER = "/Resources/R/Properties/AssumeRolePolicyDocument"
AWS_POINTER = f"{ROLE_POINTER}/Statement/0/Principal/AWS"


def _template(principal: object, **extra: Any) -> dict[str, Any]:
    """A template with one role ``R`` whose trust policy trusts ``principal`` (AWS)."""
    resources = {
        "R": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": principal},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        **extra.pop("resources", {}),
    }
    return {**extra, "Resources": resources}


def _trusted(template: dict[str, Any], **options: Any) -> tuple[str, ...]:
    """The AWS principals of role ``R`` after loading ``template``."""
    roles = {role.address: role for role in load_cloudformation(template, account_id=A, **options)}
    policy = roles["R"].trust_policy
    assert policy is not None
    principals = policy.statements[0].principal
    assert principals is not None
    return principals.aws


def _problems(call: Any, *args: Any, **kwargs: Any) -> list[Problem]:
    with pytest.raises(InvalidPolicy) as caught:
        call(*args, **kwargs)
    return list(caught.value.problems)


def _unresolvable(principal: object, **extra: Any) -> tuple[str, str]:
    """The one problem of a template trusting ``principal``: (pointer, message)."""
    (problem,) = _problems(load_cloudformation, _template(principal, **extra), account_id=A)
    assert problem.code == "UNRESOLVABLE_INTRINSIC"
    return problem.pointer, problem.message


# --------------------------------------------------------------------------- reading sources


def test_cloudformation_reads_a_template_given_as_bytes_with_a_bom() -> None:
    text = json.dumps(_template({"Ref": "AWS::AccountId"}))
    (role,) = load_cloudformation(b"\xef\xbb\xbf" + text.encode(), account_id=A)
    assert role.origin == "<bytes>#/Resources/R"
    assert role.trust_policy is not None
    assert role.trust_policy.statements[0].principal is not None
    assert role.trust_policy.statements[0].principal.aws == (A,)


def test_a_template_that_is_not_json_is_refused_with_its_origin() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation('{"Resources": ', origin="stack.json")
    assert caught.value.origin == "stack.json"
    assert caught.value.problems[0].pointer == ""


def test_a_template_with_a_duplicate_key_is_refused_at_that_key() -> None:
    """A JSON reader keeps the last of two equal keys; trustsim refuses the ambiguity (§1.12)."""
    text = '{"Resources": {}, "Resources": {}}'
    problems = _problems(load_cloudformation, text, origin="dup.json")
    assert [p.code for p in problems] == ["DUPLICATE_KEY"]


def test_a_template_must_be_an_object() -> None:
    (problem,) = _problems(load_cloudformation, "[1, 2]")
    assert (problem.code, problem.pointer) == ("INVALID_TEMPLATE", "")
    assert "object with Resources" in problem.message


def test_a_json_file_named_template_is_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "stack.template"
    path.write_text(json.dumps(_template("444455556666")))
    (role,) = load_cloudformation(path)
    assert role.origin == f"{path}#/Resources/R"


# --------------------------------------------------------------------------- YAML


def test_yaml_short_getatt_scalar_and_tagged_mappings(tmp_path: Path) -> None:
    """``!GetAtt Role.Arn`` is the short form of ``Fn::GetAtt: [Role, Arn]``; a tag on a
    mapping (``!Base64 {Ref: X}``) wraps the mapping the same way."""
    path = tmp_path / "stack.yaml"
    path.write_text(
        "Resources:\n"
        "  Source:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      RoleName: source\n"
        "      AssumeRolePolicyDocument:\n"
        "        Statement: {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n"
        "  R:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Version: 2012-10-17\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal: {AWS: !GetAtt Source.Arn}\n"
        "            Action: sts:AssumeRole\n"
        "            Condition:\n"
        "              StringEquals:\n"
        "                sts:ExternalId: !Base64 {Ref: AWS::StackName}\n"
    )
    roles = {
        role.address: role for role in load_cloudformation(path, account_id=A, stack_name="ci")
    }
    statement = roles["R"].trust_policy.to_dict()["Statement"][0]  # type: ignore[union-attr]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{A}:role/source"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "Y2k="}}  # base64("ci")


def test_a_yaml_file_that_is_not_yaml_is_an_invalid_template(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("Resources: [unclosed\n")
    (problem,) = _problems(load_cloudformation, path)
    assert problem.code == "INVALID_TEMPLATE"
    assert "not YAML" in problem.message


# --------------------------------------------------------------------------- Ref and GetAtt


def test_ref_to_a_role_with_a_name_is_its_name_and_getatt_arn_its_real_arn() -> None:
    """``Ref`` of an ``AWS::IAM::Role`` returns its name, ``GetAtt Arn`` its ARN (with Path)."""
    named = _template(A)["Resources"]["R"]
    named["Properties"].update(RoleName="deploy", Path="/ci/")
    by_ref = _template(
        {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/ci/${Named}"}, resources={"Named": named}
    )
    by_getatt = _template({"Fn::GetAtt": ["Named", "Arn"]}, resources={"Named": named})
    assert _trusted(by_ref) == _trusted(by_getatt) == (f"arn:aws:iam::{A}:role/ci/deploy",)


def test_a_role_without_a_trust_policy_is_refused_at_its_properties() -> None:
    """``AssumeRolePolicyDocument`` is required on ``AWS::IAM::Role``."""
    template = _template(A, resources={"Bare": {"Type": "AWS::IAM::Role"}})
    (problem,) = _problems(load_cloudformation, template)
    assert (problem.code, problem.pointer) == ("INVALID_TEMPLATE", "/Resources/Bare/Properties")
    assert problem.message == "the role has no AssumeRolePolicyDocument"


def test_ref_to_an_unnamed_role_or_other_resources_is_a_listed_placeholder() -> None:
    """Values that exist only after deployment are ARN-shaped, marked and listed."""
    resources = {
        "Anonymous": {"Type": "AWS::IAM::Role", "Condition": "Never"},
        "Saml": {"Type": "AWS::IAM::SAMLProvider"},
        "Oidc": {"Type": "AWS::IAM::OIDCProvider", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Broken": "not a resource",
    }
    template = _template(
        {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/${Anonymous}"},
        resources=resources,
        Conditions={"Never": {"Fn::Equals": ["a", "b"]}},
    )
    statement = template["Resources"]["R"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    statement["Principal"]["Federated"] = [{"Ref": "Saml"}, {"Fn::GetAtt": "Oidc.Arn"}]
    statement["Condition"] = {
        "StringEquals": {"aws:SourceArn": [{"Fn::Sub": "${Topic.TopicArn}"}, {"Ref": "Broken"}]}
    }
    (role,) = load_cloudformation(template, account_id=A, region="eu-west-1")
    assert role.address == "R"  # Anonymous is under a false condition: not created
    assert role.trust_policy is not None
    principal = role.trust_policy.statements[0].principal
    assert principal is not None
    assert principal.aws == (f"arn:aws:iam::{A}:role/{PLACEHOLDER}-Anonymous",)
    assert principal.federated == (
        f"arn:aws:iam::{A}:saml-provider/{PLACEHOLDER}-Saml",
        f"arn:aws:iam::{A}:oidc-provider/{PLACEHOLDER}-Oidc",
    )
    assert role.trust_policy.statements[0].condition[0].values == (
        f"arn:aws:{PLACEHOLDER}:eu-west-1:{A}:Topic/TopicArn",
        f"arn:aws:{PLACEHOLDER}:eu-west-1:{A}:Broken/Ref",
    )
    assert len(role.placeholders) == 5
    assert role.placeholders[1] == (
        f"{ROLE_POINTER}/Statement/0/Principal/Federated/0/Ref: "
        f"Ref Saml → arn:aws:iam::{A}:saml-provider/{PLACEHOLDER}-Saml"
    )


@pytest.mark.parametrize(
    ("principal", "pointer_tail", "message"),
    [
        ({"Ref": ["R"]}, "/Ref", "Ref takes the name of a parameter or resource"),
        ({"Ref": "AWS::NotificationARNs"}, "/Ref", "AWS::NotificationARNs has no value offline"),
        ({"Ref": "Missing"}, "/Ref", "Ref Missing: no parameter or resource of that name"),
        (
            {"Fn::GetAtt": ["Missing", "Arn"]},
            "/Fn::GetAtt",
            "Fn::GetAtt takes [LogicalId, Attribute]",
        ),
        ({"Fn::GetAtt": "R"}, "/Fn::GetAtt", "Fn::GetAtt takes [LogicalId, Attribute]"),
        ({"Fn::GetAtt": [["R"], "Arn"]}, "/Fn::GetAtt", "Fn::GetAtt takes [LogicalId, Attribute]"),
        ({"Fn::GetAZs": ""}, "/Fn::GetAZs", "Availability Zones"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "/Fn::Cidr", "not needed in trust policies"),
        ({"Fn::Transform": {"Name": "M"}}, "/Fn::Transform", "runs a macro at deploy time"),
        (
            {"Fn::Length": [1]},
            "/Fn::Length",
            "Fn::Length is not an intrinsic function trustsim resolves",
        ),
    ],
)
def test_refs_and_functions_without_an_offline_answer_point_at_the_intrinsic(
    principal: object, pointer_tail: str, message: str
) -> None:
    pointer, text = _unresolvable(principal)
    assert pointer == AWS_POINTER + pointer_tail
    assert message in text


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("principal", "pointer_tail", "message"),
    [
        ({"Fn::Join": [":"]}, "/Fn::Join", "Fn::Join takes [delimiter, [values…]]"),
        ({"Fn::Join": [":", "a"]}, "/Fn::Join", "Fn::Join takes [delimiter, [values…]]"),
        ({"Fn::Select": [0, "a"]}, "/Fn::Select", "Fn::Select takes [index, [values…]]"),
        ({"Fn::Select": [3, ["a"]]}, "/Fn::Select", "index 3 is outside the list of 1"),
        ({"Fn::Select": ["-1", ["a"]]}, "/Fn::Select", "index -1 is outside the list of 1"),
        ({"Fn::Select": ["first", ["a"]]}, "/Fn::Select", "the index 'first' is not an integer"),
        ({"Fn::Split": ","}, "/Fn::Split", "Fn::Split takes [delimiter, text]"),
        (
            {"Fn::FindInMap": ["M", "k"]},
            "/Fn::FindInMap",
            "takes [map, top-level key, second-level key]",
        ),
        ({"Fn::FindInMap": ["M", "k", "v"]}, "/Fn::FindInMap", "no M/k/v in Mappings"),
        (
            {"Fn::If": ["C", "a"]},
            "/Fn::If",
            "Fn::If takes [condition name, value if true, value if false]",
        ),
        ({"Fn::If": ["Nope", "a", "b"]}, "/Fn::If", "no condition named 'Nope' in Conditions"),
        ({"Fn::Sub": ["${X}"]}, "/Fn::Sub", "Fn::Sub takes a string or [string, {variables}]"),
        ({"Fn::Sub": "${Accounts}"}, "/Fn::Sub", "Fn::Sub: ${Accounts} is a list"),
    ],
)
def test_a_malformed_function_is_refused_at_its_pointer(
    principal: object, pointer_tail: str, message: str
) -> None:
    """Each function's argument shape is the one the template reference documents."""
    parameters = {"Accounts": {"Type": "CommaDelimitedList", "Default": "1,2"}}
    pointer, text = _unresolvable(principal, Parameters=parameters)
    assert pointer == AWS_POINTER + pointer_tail
    assert message in text


def test_sub_list_form_variables_and_literals() -> None:
    """``Fn::Sub: [text, {Var: value}]`` substitutes the given variables first; ``${!X}`` is a
    literal ``${X}``; ``${Resource.Attribute}`` is ``GetAtt``."""
    sub = {"Fn::Sub": ["arn:aws:iam::${Vendor}:root", {"Vendor": {"Ref": "AWS::AccountId"}}]}
    assert _trusted(_template(sub)) == (f"arn:aws:iam::{A}:root",)


def test_findinmap_select_and_split_compute_the_principal() -> None:
    mappings = {"Vendors": {"prod": {"Account": "444455556666"}}}
    principal = {
        "Fn::Select": [
            "1",
            {
                "Fn::Split": [
                    ",",
                    {"Fn::Join": [",", ["x", {"Fn::FindInMap": ["Vendors", "prod", "Account"]}]]},
                ]
            },
        ]
    }
    assert _trusted(_template(principal, Mappings=mappings)) == ("444455556666",)


def test_conditions_not_and_or_choose_the_branch() -> None:
    """``Fn::Not``/``And``/``Or`` combine conditions (``{"Condition": name}`` refers to one)."""
    conditions = {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "ProdAndEu": {
            "Fn::And": [
                {"Condition": "IsProd"},
                {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
            ]
        },
        "ProdOrEu": {
            "Fn::Or": [
                {"Condition": "IsProd"},
                {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
            ]
        },
    }
    principal = [
        {"Fn::If": [name, f"{i}11111111111", {"Ref": "AWS::NoValue"}]}
        for i, name in enumerate(("IsProd", "NotProd", "ProdAndEu", "ProdOrEu"), start=1)
    ]
    template = _template(principal, Conditions=conditions, Parameters={"Env": {"Default": "dev"}})
    assert _trusted(template) == ("211111111111",)
    assert _trusted(template, region="eu-west-1") == ("211111111111", "411111111111")
    assert _trusted(template, parameters={"Env": "prod"}, region="eu-west-1") == (
        "111111111111",
        "311111111111",
        "411111111111",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"Fn::Equals": ["a"]}, "Fn::Equals takes two values"),
        ({"Fn::Not": ["yes"]}, "Fn::Not takes a list of conditions"),
        ({"Fn::And": "a"}, "Fn::And takes a list of conditions"),
        ("true", "a condition must give true or false"),
        ({"Fn::Not": [{"Condition": "C"}]}, "the condition 'C' depends on itself"),
    ],
)
def test_a_malformed_or_circular_condition_is_refused_at_its_definition(
    spec: object, message: str
) -> None:
    """CloudFormation refuses a condition that does not give a boolean, and a circular one."""
    principal = {"Fn::If": ["C", "111111111111", "222222222222"]}
    (problem,) = _problems(
        load_cloudformation, _template(principal, Conditions={"C": spec}), account_id=A
    )
    assert problem.code == "UNRESOLVABLE_INTRINSIC"
    assert problem.pointer.startswith("/Conditions/C")
    assert message in problem.message


def test_a_role_under_an_unknown_condition_is_refused_at_its_condition() -> None:
    template = _template(A)
    template["Resources"]["R"]["Condition"] = "Missing"
    (problem,) = _problems(load_cloudformation, template)
    assert (problem.code, problem.pointer) == ("UNRESOLVABLE_INTRINSIC", "/Resources/R/Condition")


def test_a_list_parameter_given_as_text_is_split_and_unused_parameters_are_ignored() -> None:
    """``List<…>`` and ``CommaDelimitedList`` parameters are comma-separated texts."""
    parameters = {
        "Accounts": {"Type": "List<String>"},
        "Unused": {"Type": "String"},
        "Untyped": "not a spec",
        "OddType": {"Type": 5, "Default": "a,b"},
    }
    principal = {"Fn::Select": [1, {"Ref": "Accounts"}]}
    template = _template(principal, Parameters=parameters)
    given = ["Accounts=111111111111, 222222222222"]
    assert _trusted(template, parameters=given) == ("222222222222",)
    assert _trusted(template, parameters={"Accounts": "3,444455556666", "Untyped": "x"}) == (
        "444455556666",
    )


# --------------------------------------------------------------------------- roles


def test_a_policy_given_as_json_text_with_a_duplicate_key_points_into_the_role() -> None:
    template = _template(A)
    template["Resources"]["R"]["Properties"]["AssumeRolePolicyDocument"] = (
        '{"Statement": [], "Statement": []}'
    )
    (problem,) = _problems(load_cloudformation, template)
    assert problem.code == "DUPLICATE_KEY"
    assert problem.pointer.startswith(ROLE_POINTER)


def test_a_policy_that_is_neither_object_nor_text_is_an_invalid_template() -> None:
    template = _template(A)
    template["Resources"]["R"]["Properties"]["AssumeRolePolicyDocument"] = ["Statement"]
    (problem,) = _problems(load_cloudformation, template)
    assert (problem.code, problem.pointer) == ("INVALID_TEMPLATE", ROLE_POINTER)


def test_every_problem_of_every_role_is_reported_at_once() -> None:
    template = _template({"Ref": "Nope"})
    template["Resources"]["Other"] = {"Type": "AWS::IAM::Role", "Properties": {}}
    template["Resources"]["NotARole"] = {"Type": "AWS::S3::Bucket"}
    problems = _problems(load_cloudformation, template)
    assert [p.pointer for p in problems] == [f"{AWS_POINTER}/Ref", "/Resources/Other/Properties"]


def test_a_role_name_gives_the_role_arn_with_its_path() -> None:
    template = _template(A)
    template["Resources"]["R"]["Properties"]["RoleName"] = {"Fn::Sub": "${AWS::StackName}-deploy"}
    (role,) = load_cloudformation(template, account_id=A, stack_name="ci", partition="aws-cn")
    assert role.arn == f"arn:aws-cn:iam::{A}:role/ci-deploy"


# --------------------------------------------------------------------------- cdk.out


def test_cdk_out_without_a_construct_path_addresses_by_stack_and_logical_id(tmp_path: Path) -> None:
    """Nested stacks (``*.nested.template.json``) are stacks of their own (docs/loaders.md)."""
    (tmp_path / "Outer.template.json").write_text(json.dumps({"Resources": {}}))
    (tmp_path / "Inner.nested.template.json").write_text(
        json.dumps(_template({"Ref": "AWS::StackName"}))
    )
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(InvalidPolicy):  # Principal AWS "Inner" is no account or ARN
        load_cdk_out(tmp_path)
    (tmp_path / "Inner.nested.template.json").write_text(
        json.dumps(_template({"Ref": "AWS::AccountId"}))
    )
    (role,) = load_cdk_out(tmp_path, account_id=A)
    assert role.address == "Inner/R"
    assert isinstance(role, IacRole)


# --------------------------------------------------------------------------- Terraform

TRUST_TEXT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}],
    }
)


def _resource(
    address: str, values: object, kind: str = "aws_iam_role", mode: str = "managed"
) -> dict[str, object]:
    return {"address": address, "mode": mode, "type": kind, "values": values}


def test_terraform_output_must_be_an_object() -> None:
    (problem,) = _problems(load_terraform, "[]")
    assert (problem.code, problem.pointer) == ("INVALID_TEMPLATE", "")


def test_terraform_a_role_without_a_policy_that_is_not_pending_is_an_error() -> None:
    state = {"values": {"root_module": {"resources": [_resource("aws_iam_role.x", {"name": "x"})]}}}
    (problem,) = _problems(load_terraform, state)
    assert problem.pointer == "/values/root_module/resources/0/values"
    assert "aws_iam_role.x has no assume_role_policy" in problem.message


def test_terraform_a_known_policy_is_kept_even_when_another_change_is_pending() -> None:
    """A plan lists both ``planned_values`` and ``resource_changes``: a known document wins; other
    resource types, data sources and non-object entries are ignored."""
    plan = {
        "planned_values": {
            "root_module": {
                "resources": [
                    _resource("aws_iam_role.known", {"assume_role_policy": TRUST_TEXT}),
                    _resource("data.aws_iam_role.d", {}, mode="data"),
                    _resource("aws_s3_bucket.b", {}, kind="aws_s3_bucket"),
                    "junk",
                ],
                "child_modules": ["junk", {"resources": []}],
            }
        },
        "resource_changes": [
            {
                "address": "aws_iam_role.known",
                "type": "aws_iam_role",
                "change": {"after_unknown": {"assume_role_policy": True}},
            },
            {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "change": {}},
            {
                "address": "aws_iam_role.tags",
                "type": "aws_iam_role",
                "change": {"after_unknown": {"tags": True}},
            },
            "junk",
        ],
    }
    (role,) = load_terraform(json.dumps(plan), origin="plan.json")
    assert role.address == "aws_iam_role.known"
    assert role.unknown is None
    assert role.trust_policy is not None
    assert role.origin == "plan.json#/planned_values/root_module/resources/0"


def test_terraform_an_unreadable_policy_text_points_into_the_plan() -> None:
    state = {
        "values": {
            "root_module": {"resources": [_resource("aws_iam_role.x", {"assume_role_policy": 5})]}
        }
    }
    (problem,) = _problems(load_terraform, state)
    assert (problem.code, problem.pointer) == (
        "INVALID_TEMPLATE",
        "/values/root_module/resources/0/values/assume_role_policy",
    )


# --------------------------------------------------------------------------- AWS dumps

TRUST = json.loads(TRUST_TEXT)
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
}
BOUNDARY_ARN = f"arn:aws:iam::{A}:policy/boundary"
READ_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _managed(arn: str, document: object, **extra: object) -> dict[str, object]:
    return {
        "Arn": arn,
        "DefaultVersionId": "v2",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": {"Statement": "old"}},
            {"VersionId": "v2", "Document": document},
        ],
        **extra,
    }


def _dump() -> dict[str, Any]:
    return {
        "Policies": [_managed(BOUNDARY_ARN, ALLOW_ALL), _managed(READ_ARN, json.dumps(ALLOW_ALL))],
        "GroupDetailList": [
            {
                "GroupName": "ops",
                "Arn": f"arn:aws:iam::{A}:group/ops",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": [
                    {"PolicyArn": READ_ARN},
                    {"PolicyArn": f"arn:aws:iam::{A}:policy/not-in-dump"},
                ],
            }
        ],
        "UserDetailList": [
            {
                "Arn": f"arn:aws:iam::{A}:user/alice",
                "UserId": "AIDAEXAMPLEEXAMPLE01",
                "GroupList": ["ops"],
                "PermissionsBoundary": {"PermissionsBoundaryArn": BOUNDARY_ARN},
                "Tags": {"team": "ops"},
            },
            {
                "Arn": f"arn:aws:iam::{A}:user/bob",
                "UserId": "not-an-aida-id",
                "PermissionsBoundary": {"PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/gone"},
            },
        ],
        "RoleDetailList": [
            {
                "Arn": f"arn:aws:iam::{A}:role/app",
                "AssumeRolePolicyDocument": TRUST,
                "PermissionsBoundary": {"PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/gone"},
                "AttachedManagedPolicies": [{"PolicyArn": READ_ARN}],
                "Tags": [],
            }
        ],
    }


def test_gaad_users_get_group_managed_policies_boundaries_and_unresolved_arns() -> None:
    details = load_authorization_details(_dump(), origin="gaad.json")
    assert isinstance(details, AuthorizationDetails)
    alice, bob = details.users
    assert alice.groups == (f"arn:aws:iam::{A}:group/ops",)
    assert [p.origin for p in alice.policies] == [
        "gaad.json#/Policies/1/PolicyVersionList/1/Document"
    ]
    assert alice.permissions_boundary is not None
    assert alice.permissions_boundary.kind is PolicyKind.PERMISSIONS_BOUNDARY
    assert alice.unresolved_policy_arns == (f"arn:aws:iam::{A}:policy/not-in-dump",)
    assert (alice.unique_id, alice.tags, alice.account_id) == (
        "AIDAEXAMPLEEXAMPLE01",
        {"team": "ops"},
        A,
    )
    assert bob.unique_id is None  # only AIDA… is a user's unique ID
    assert (bob.permissions_boundary, bob.unresolved_policy_arns) == (
        None,
        (f"arn:aws:iam::{A}:policy/gone",),
    )
    (app,) = details.roles
    assert app.unresolved_policy_arns == (f"arn:aws:iam::{A}:policy/gone",)
    assert app.permissions_boundary_arn == f"arn:aws:iam::{A}:policy/gone"
    assert app.tags == {}
    assert details.groups[0].name == "ops"
    assert details.account_ids == frozenset({A})
    assert set(details.managed_policies) == {BOUNDARY_ARN, READ_ARN}


def test_a_role_session_from_a_dump_carries_its_policies_boundary_and_tags() -> None:
    dump = _dump()
    dump["RoleDetailList"][0]["PermissionsBoundary"] = {"PermissionsBoundaryArn": BOUNDARY_ARN}
    dump["RoleDetailList"][0]["Tags"] = [{"Key": "team", "Value": "app"}, {"Key": "empty"}]
    (app,) = load_authorization_details(dump).roles
    session = app.session("build")
    assert session.session_name == "build"
    assert session.policies == app.policies
    assert session.permissions_boundary is app.permissions_boundary
    assert app.tags == {"team": "app", "empty": ""}
    assert app.account_id == A


def test_gaad_refuses_every_malformed_entry_with_its_pointer() -> None:
    dump: dict[str, Any] = {
        "Policies": [
            {"PolicyName": "no arn"},
            {
                "Arn": f"arn:aws:iam::{A}:policy/nodefault",
                "PolicyVersionList": ["junk", {"VersionId": "v1"}],
            },
            _managed(f"arn:aws:iam::{A}:policy/bad", {"Statement": {"Effect": "Maybe"}}),
        ],
        "GroupDetailList": [
            {"GroupName": "no arn"},
            {"Arn": f"arn:aws:iam::{A}:group/g", "GroupPolicyList": "x"},
        ],
        "UserDetailList": [
            "junk",
            {
                "Arn": f"arn:aws:iam::{A}:user/u",
                "UserPolicyList": [{"PolicyName": "no document"}],
                "AttachedManagedPolicies": [{"PolicyName": "no arn"}],
                "PermissionsBoundary": {"Type": "no arn"},
            },
            {"Arn": "arn:aws:iam::123:user/short-account"},
            {"Arn": f"arn:aws:iam::{A}:user/v", "GroupList": "ops", "Tags": [{"Key": 1}, "x"]},
        ],
        "RoleDetailList": [
            "junk",
            {"RoleName": "no arn"},
            {"Arn": f"arn:aws:iam::{A}:role/notrust"},
            {
                "Arn": f"arn:aws:iam::{A}:role/r",
                "AssumeRolePolicyDocument": TRUST,
                "AttachedManagedPolicies": {},
            },
            {
                "Arn": f"arn:aws:iam::{A}:role/r2",
                "AssumeRolePolicyDocument": TRUST,
                "AttachedManagedPolicies": "x",
            },
            {"Arn": f"arn:aws:iam::{A}:role/r3", "AssumeRolePolicyDocument": 7, "Tags": "team=ci"},
            {
                "Arn": f"arn:aws:iam::{A}:role/r4",
                "AssumeRolePolicyDocument": TRUST,
                "Tags": [{"Key": "k", "Value": 1}],
            },
            {
                "Arn": f"arn:aws:iam::{A}:role/r5",
                "AssumeRolePolicyDocument": TRUST,
                "Tags": {"team": "ci", "on": True, "a/b~c": None, "n": 1},
            },
        ],
    }
    problems = _problems(load_authorization_details, dump)
    by_pointer = {p.pointer: p.message for p in problems}
    assert by_pointer["/Policies/0"] == "a managed policy needs an Arn"
    assert "has no default version document" in by_pointer["/Policies/1"]
    assert any(
        p.startswith("/Policies/2/PolicyVersionList/1/Document/Statement") for p in by_pointer
    )
    assert by_pointer["/GroupDetailList/0"] == "a group needs an Arn"
    assert by_pointer["/GroupDetailList/1/GroupPolicyList"] == "GroupPolicyList must be a list"
    assert by_pointer["/UserDetailList/0"] == "a user needs an Arn"
    assert (
        by_pointer["/UserDetailList/1/UserPolicyList/0"]
        == "an inline policy needs a PolicyDocument"
    )
    assert (
        by_pointer["/UserDetailList/1/AttachedManagedPolicies/0"]
        == "an attached policy needs a PolicyArn"
    )
    assert by_pointer["/UserDetailList/1/PermissionsBoundary"] == "no PermissionsBoundaryArn"
    assert "/UserDetailList/2/Arn" in by_pointer
    assert by_pointer["/RoleDetailList/0"] == "a role must be an object"
    assert by_pointer["/RoleDetailList/1/Arn"] == "the role has no Arn"
    assert "has no AssumeRolePolicyDocument" in by_pointer["/RoleDetailList/2"]
    assert "/RoleDetailList/3/AttachedManagedPolicies" not in by_pointer  # {} is "none"
    assert by_pointer["/RoleDetailList/4/AttachedManagedPolicies"] == "must be a list"
    assert by_pointer["/RoleDetailList/5/AssumeRolePolicyDocument"] == (
        "a policy document must be an object or its JSON text"
    )
    # Tags decide conditions (aws:ResourceTag): one that cannot be read is never dropped.
    assert by_pointer["/RoleDetailList/5/Tags"] == 'Tags must be a list of {"Key", "Value"}'
    assert by_pointer["/RoleDetailList/6/Tags/0"] == 'a tag is {"Key": text, "Value": text}'
    # In the {key: value} form too: true, null or 1 is no tag "True", "None" or "1".
    assert by_pointer["/RoleDetailList/7/Tags/on"] == "a tag's value is text"
    assert by_pointer["/RoleDetailList/7/Tags/a~1b~0c"] == "a tag's value is text"
    assert by_pointer["/RoleDetailList/7/Tags/n"] == "a tag's value is text"
    assert not any(p.startswith("/RoleDetailList/7/Tags/team") for p in by_pointer)
    assert by_pointer["/UserDetailList/3/GroupList"] == "GroupList must be a list of names"
    assert "/UserDetailList/3/Tags/0" in by_pointer
    assert "/UserDetailList/3/Tags/1" in by_pointer


def test_gaad_pages_given_as_a_list_and_several_files_merge(tmp_path: Path) -> None:
    first, second = _dump(), _dump()
    del second["Policies"], second["GroupDetailList"], second["UserDetailList"]
    second["RoleDetailList"][0]["Arn"] = f"arn:aws:iam::{A}:role/other"
    details = load_authorization_details([first, "not a page", second])
    assert [r.arn for r in details.roles] == [
        f"arn:aws:iam::{A}:role/app",
        f"arn:aws:iam::{A}:role/other",
    ]
    assert details.roles[1].origin == "<value>#/2/RoleDetailList/0"
    path = tmp_path / "page2.json"
    path.write_text(json.dumps(second))
    merged = load_authorization_details(first, path)
    assert merged.origin == f"<value>, {path}"
    assert merged.roles[1].policies == details.roles[0].policies


def test_gaad_problems_in_several_files_name_every_file(tmp_path: Path) -> None:
    bad = {"RoleDetailList": [{"RoleName": "no arn"}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InvalidPolicy) as caught:
        load_authorization_details(_dump(), path)
    assert caught.value.origin == f"<value>, {path}"
    assert [p.pointer for p in caught.value.problems] == ["/RoleDetailList/0/Arn"]


def test_gaad_of_something_else_is_refused() -> None:
    (problem,) = _problems(load_authorization_details, b'"text"')
    assert (problem.code, problem.pointer) == ("INVALID_AWS_RESPONSE", "")
    assert "get-account-authorization-details" in problem.message


def test_a_file_that_is_not_json_is_refused_with_the_file_as_origin(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text('{"Roles": [')
    with pytest.raises(InvalidPolicy) as caught:
        load_roles(path)
    assert caught.value.origin == str(path)


def test_list_roles_of_something_else_or_a_non_list_page_is_refused() -> None:
    (problem,) = _problems(load_roles, b"42")
    assert problem.message == "expected an object with Roles or a list"
    (problem,) = _problems(load_roles, {"Roles": {"RoleName": "r"}})
    assert (problem.pointer, problem.message) == ("/Roles", "Roles must be a list")


def test_a_role_with_an_arn_aws_never_issues_is_refused_at_its_arn() -> None:
    (problem,) = _problems(
        load_role, {"Role": {"Arn": "arn:aws:iam::1:role/x", "AssumeRolePolicyDocument": TRUST}}
    )
    assert (problem.code, problem.pointer) == ("INVALID_AWS_RESPONSE", "/Role/Arn")


def test_an_encoded_trust_policy_with_a_duplicate_key_and_a_refused_inline_policy() -> None:
    """Both problems of one role are reported, each at its place in the dump."""
    role = {
        "Arn": f"arn:aws:iam::{A}:role/r",
        "AssumeRolePolicyDocument": '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}',
        "RolePolicyList": [
            {"PolicyName": "p", "PolicyDocument": {"Statement": {"Effect": "Allow"}}}
        ],
    }
    problems = _problems(load_authorization_details, {"RoleDetailList": [role]})
    assert problems[0].code == "DUPLICATE_KEY"
    assert problems[0].pointer.startswith("/RoleDetailList/0/AssumeRolePolicyDocument")
    assert any(
        p.pointer.startswith("/RoleDetailList/0/RolePolicyList/0/PolicyDocument") for p in problems
    )


@pytest.mark.parametrize(
    "item",
    [
        "Vendor",  # no "="
        {"ParameterKey": "Vendor", "UsePreviousValue": True},  # the previous value is not known
        7,
    ],
)
def test_a_parameter_value_in_none_of_the_three_shapes_is_refused(item: object) -> None:
    """Ignoring it would silently fall back to the Default: fail closed instead."""
    template = _template({"Ref": "Vendor"}, Parameters={"Vendor": {"Default": A}})
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation(template, parameters=[item])
    assert caught.value.origin == "parameters"
    assert "neither {'ParameterKey': …, 'ParameterValue': …} nor 'Name=value'" in str(caught.value)


def test_role_properties_that_are_not_an_object_are_refused() -> None:
    template = _template({"Fn::GetAtt": ["Odd", "Arn"]})
    template["Resources"]["Odd"] = {"Type": "AWS::IAM::Role", "Properties": "none"}
    problems = _problems(load_cloudformation, template, account_id=A)
    assert [(p.code, p.pointer, p.message) for p in problems] == [
        ("INVALID_TEMPLATE", "/Resources/Odd/Properties", "Properties must be an object")
    ]


def test_cdk_out_template_errors_are_precise_invalid_policies(tmp_path: Path) -> None:
    """A cdk.out template that is not JSON is refused like any template, with its file."""
    path = tmp_path / "Broken.template.json"
    path.write_text('{"Resources": {', encoding="utf-8")
    with pytest.raises(InvalidPolicy) as caught:
        load_cdk_out(tmp_path)
    assert caught.value.origin == str(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(InvalidPolicy):
        load_cdk_out(tmp_path)


def test_cdk_out_metadata_that_is_not_an_object_is_ignored(tmp_path: Path) -> None:
    template = _template(A)
    template["Resources"]["R"]["Metadata"] = "none"
    (tmp_path / "Stack.template.json").write_text(json.dumps(template), encoding="utf-8")
    (tmp_path / "Empty.template.json").write_text("{}", encoding="utf-8")
    (role,) = load_cdk_out(tmp_path)
    assert role.address == "Stack/R"


def test_terraform_entries_of_unexpected_shapes_are_skipped_or_refused() -> None:
    """A change or values member that is not an object carries no trust policy."""
    plan: dict[str, Any] = {
        "planned_values": {
            "root_module": {
                "resources": [
                    _resource("aws_iam_role.listed", ["not", "values"]),
                    _resource("aws_iam_role.ok", {"assume_role_policy": TRUST_TEXT, "arn": 5}),
                ]
            }
        },
        "resource_changes": [
            {"address": "aws_iam_role.ok", "type": "aws_iam_role", "change": ["create"]}
        ],
    }
    (problem,) = _problems(load_terraform, plan)
    assert problem.pointer == "/planned_values/root_module/resources/0/values"
    del plan["planned_values"]["root_module"]["resources"][0]
    (role,) = load_terraform(plan)
    assert (role.address, role.arn) == ("aws_iam_role.ok", None)


def test_load_policy_text_that_is_not_json_names_its_origin_and_a_nul_is_no_file_name() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        load_policy(b'{"Statement": [', origin="trust.json")
    assert caught.value.origin == "trust.json"
    assert caught.value.problems[0].pointer == ""
    with pytest.raises(FileNotFoundError, match="no file can be named"):
        load_policy("trust\x00.json")
