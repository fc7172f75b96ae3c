"""Loader fixes found on real repositories (issue 20): YAML positions, the StackId idiom,
not-a-plan refusal, a dump page given twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustsim.errors import InvalidPolicy, Position
from trustsim.loaders import load_authorization_details, load_cloudformation, load_terraform
from trustsim.loaders.iac import STACK_UUID_PLACEHOLDER

YAML_BAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
            Resource: "*"
"""


def test_yaml_problems_carry_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "role.yaml"
    path.write_text(YAML_BAD)
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation(path)
    error = caught.value
    (problem,) = error.problems
    assert problem.pointer.endswith("/Statement/0/Resource")
    assert error.position_of(problem.pointer) == Position(12, 23)
    assert "12:23" in str(error)
    assert 'Resource: "*"' in str(error)  # the offending line is shown


def test_yaml_duplicate_key_problem_keeps_the_text(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("Resources: {}\nResources: {}\n")
    with pytest.raises(InvalidPolicy) as caught:
        load_cloudformation(path)
    assert caught.value.text is not None
    assert [p.code for p in caught.value.problems] == ["DUPLICATE_KEY"]


STACK_ID_IDIOM = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::444455556666:root"}
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId: !Select [4, !Split ['-', !Select [2, !Split ['/', !Ref AWS::StackId]]]]
"""


def test_stack_id_idiom_resolves_to_the_uuid_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK_ID_IDIOM)
    (role,) = load_cloudformation(path)
    clause = role.trust_policy.statements[0].condition[0]
    assert clause.values == (STACK_UUID_PLACEHOLDER.rsplit("-", 1)[1],)
    assert any("AWS::StackId" in placeholder for placeholder in role.placeholders)


def test_stack_id_given_as_uuid_or_arn(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK_ID_IDIOM)
    uuid = "51a5e1a0-1234-11ef-9abc-0a1b2c3d4e5f"
    for stack_id in (uuid, f"arn:aws:cloudformation:us-east-1:111122223333:stack/app/{uuid}"):
        (role,) = load_cloudformation(path, stack_id=stack_id)
        assert role.trust_policy.statements[0].condition[0].values == ("0a1b2c3d4e5f",)
        assert not role.placeholders


def test_stack_id_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK_ID_IDIOM)
    with pytest.raises(InvalidPolicy, match="stack_id must be"):
        load_cloudformation(path, stack_id="app")
    with pytest.raises(TypeError, match="stack_id"):
        load_cloudformation(path, stack_id=42)  # type: ignore[arg-type]


def test_pytest_terraform_resources_are_not_a_plan() -> None:
    tf_resources = {
        "resources": {"aws_iam_role": {"ci": {"name": "ci", "assume_role_policy": "{}"}}},
        "outputs": {},
    }
    with pytest.raises(InvalidPolicy, match="not terraform show -json output"):
        load_terraform(tf_resources, origin="tf_resources.json")
    raw_state = {"version": 4, "terraform_version": "1.6.0", "resources": []}
    with pytest.raises(InvalidPolicy, match=r"tf_resources\.json"):
        load_terraform(raw_state)
    assert load_terraform({"format_version": "1.0"}) == ()  # an empty state is a state


def _page(external_id: str) -> dict[str, object]:
    trust = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        },
    }
    role = {
        "RoleName": "vendor",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/vendor",
        "AssumeRolePolicyDocument": trust,
    }
    return {"RoleDetailList": [role], "UserDetailList": [], "GroupDetailList": [], "Policies": []}


def test_the_same_page_twice_merges() -> None:
    details = load_authorization_details(_page("x-1"), _page("x-1"))
    assert [role.arn for role in details.roles] == ["arn:aws:iam::111122223333:role/vendor"]
    details = load_authorization_details([_page("x-1"), _page("x-1")])
    assert len(details.roles) == 1


def test_one_arn_with_two_contents_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(_page("x-1")))
    second.write_text(json.dumps(_page("x-2")))
    with pytest.raises(InvalidPolicy, match="appears twice with different contents"):
        load_authorization_details(first, second)
