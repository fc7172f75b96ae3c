"""IAM's recorded answers to CreatePolicy and UpdateAssumeRolePolicy, replayed through trustsim.

The cases are moto's (Apache-2.0; source and attribution in the ``_source`` member of
``tests/data/moto_iam_policies.json``): 78 documents CreatePolicy refuses, each with IAM's exact
message, 51 it accepts, and moto's four UpdateAssumeRolePolicy cases.

* As ``PolicyKind.MANAGED`` (what CreatePolicy saves) trustsim agrees with every answer, and the
  problem it puts first (``InvalidPolicy.first``) carries IAM's exact message.
* As ``PolicyKind.IDENTITY`` (an inline policy) the problems are the same but for the Version
  rule, which only CreatePolicy applies.
* As ``PolicyKind.TRUST`` every CreatePolicy document is refused: none names a Principal.

Deliberate divergences, each checked below to still diverge (so the list stays true):

* ``DIVERGENT_WORDING``: three UpdateAssumeRolePolicy messages whose wording trustsim takes
  from answers AWS gave on record elsewhere rather than from moto's own implementation.
* Not in the data: moto's newer suite accepts a ``null`` inside a ``Resource`` list (CloudFormation
  drops such nulls before IAM sees the document). trustsim reads documents as IAM stores them
  and refuses a ``null`` where a string belongs (``WRONG_TYPE``): a document with a hole is not
  the one AWS would hold, and guessing what the hole meant could widen an Allow.
* Role trust policies keep refusing an unknown condition operator even with an empty block
  (``{"x": {}}``), which CreatePolicy accepts in identity policies (accepted-20, accepted-32):
  in a trust policy a misspelt operator is far more likely a lost condition than a no-op, so
  ``UNKNOWN_OPERATOR`` stays an error there (docs/errors.md). The identity-side kinds drop
  such blocks, as IAM does; they constrain nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy

DATA = json.loads(
    (Path(__file__).parents[1] / "data" / "moto_iam_policies.json").read_text(encoding="utf-8")
)
CREATE_POLICY: list[dict[str, Any]] = DATA["create_policy"]
UPDATE_TRUST: list[dict[str, Any]] = DATA["update_assume_role_policy"]
REFUSED = [case for case in CREATE_POLICY if case["aws_says"] is not None]
ACCEPTED = [case for case in CREATE_POLICY if case["aws_says"] is None]

_MANAGED_VERSION = "MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater."

#: name → (what trustsim answers, why it keeps its own wording)
DIVERGENT_WORDING: dict[str, tuple[str, str]] = {
    "update-assume-role-invalid-policy": (
        "MalformedPolicyDocument: This policy contains invalid Json",
        "IAM's answer to a role trust policy that is no JSON, on record from a real CreateRole "
        "(aws-samples/aws-microservices-deploy-options#118); moto answers as for CreatePolicy",
    ),
    "update-assume-role-invalid-policy-bad-action": (
        "MalformedPolicyDocument: AssumeRole policy may only specify STS AssumeRole actions.",
        "IAM's answer on record (hashicorp/terraform-provider-aws#32872); moto's message is its "
        "own and also lists fewer actions than trust policies accept (TagSession…)",
    ),
    "update-assume-role-invalid-policy-with-resource": (
        "MalformedPolicyDocument: Has prohibited field Resource",
        "the wording on record without the final period (docs/errors.md, PROHIBITED_RESOURCE)",
    ),
}


def _read(case: dict[str, Any], kind: PolicyKind) -> Policy | InvalidPolicy:
    try:
        if "text" in case:
            return load_policy(case["text"].encode(), kind=kind)
        return parse_policy(case["document"], kind=kind)
    except InvalidPolicy as error:
        return error


def test_the_data_holds_what_the_module_says() -> None:
    assert (len(REFUSED), len(ACCEPTED), len(UPDATE_TRUST)) == (78, 51, 4)
    assert "Apache-2.0" in DATA["_source"]["license"]
    assert "Steve Pulec" in DATA["_source"]["copyright"]


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_a_document_createpolicy_refuses_is_refused_with_iams_answer_first(
    case: dict[str, Any],
) -> None:
    result = _read(case, PolicyKind.MANAGED)
    assert isinstance(result, InvalidPolicy), case
    assert result.first is not None
    assert result.aws_says == result.first.aws_says == case["aws_says"]


@pytest.mark.parametrize("case", ACCEPTED, ids=[case["name"] for case in ACCEPTED])
def test_a_document_createpolicy_accepts_is_accepted(case: dict[str, Any]) -> None:
    for kind in (PolicyKind.MANAGED, PolicyKind.IDENTITY):
        policy = _read(case, kind)
        assert isinstance(policy, Policy), f"{case['name']} as {kind.value}:\n{policy}"
        assert policy.kind is kind


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_an_inline_policy_has_the_same_problems_but_the_version_rule(
    case: dict[str, Any],
) -> None:
    managed = _read(case, PolicyKind.MANAGED)
    inline = _read(case, PolicyKind.IDENTITY)
    assert isinstance(managed, InvalidPolicy)
    others = [p for p in managed.problems if p.aws_says != _MANAGED_VERSION]
    if not others:
        assert case["aws_says"] == _MANAGED_VERSION
        assert isinstance(inline, Policy)
        return
    assert isinstance(inline, InvalidPolicy)
    # the same problems; only the kind named in a message may differ
    assert [(p.code, p.pointer, p.aws_says) for p in inline.problems] == [
        (p.code, p.pointer, p.aws_says) for p in others
    ]
    if case["aws_says"] != _MANAGED_VERSION:
        assert inline.aws_says == case["aws_says"]


@pytest.mark.parametrize("case", CREATE_POLICY, ids=[case["name"] for case in CREATE_POLICY])
def test_no_createpolicy_document_is_a_trust_policy(case: dict[str, Any]) -> None:
    result = _read(case, PolicyKind.TRUST)
    assert isinstance(result, InvalidPolicy)
    if case["aws_says"] is None:  # a valid identity policy: no Principal, a Resource
        codes = {problem.code for problem in result.problems}
        assert "MISSING_PRINCIPAL" in codes
        assert codes & {"PROHIBITED_RESOURCE"}


@pytest.mark.parametrize("case", UPDATE_TRUST, ids=[case["name"] for case in UPDATE_TRUST])
def test_update_assume_role_policy_answers(case: dict[str, Any]) -> None:
    result = _read(case, PolicyKind.TRUST)
    if case["aws_says"] is None:
        assert isinstance(result, Policy)
        return
    assert isinstance(result, InvalidPolicy)
    if case["name"] in DIVERGENT_WORDING:
        ours, _ = DIVERGENT_WORDING[case["name"]]
        assert result.aws_says == ours != case["aws_says"]
    else:
        assert result.aws_says == case["aws_says"]


def test_agreement_is_total_for_managed_policies() -> None:
    """The numbers of issue 25: decisions and first problems, all of them."""
    decided = sum(
        isinstance(_read(case, PolicyKind.MANAGED), InvalidPolicy) == (case["aws_says"] is not None)
        for case in CREATE_POLICY
    )
    first = 0
    for case in REFUSED:
        result = _read(case, PolicyKind.MANAGED)
        first += isinstance(result, InvalidPolicy) and result.aws_says == case["aws_says"]
    assert (decided, first) == (len(CREATE_POLICY), len(REFUSED))


def test_a_null_in_a_resource_list_is_refused_not_dropped() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": ["arn:aws:s3:::example_bucket", None],
        },
    }
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind=PolicyKind.MANAGED)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("WRONG_TYPE", "/Statement/Resource/1")
    ]


def test_trust_policies_still_refuse_an_unknown_operator_with_an_empty_block() -> None:
    document = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEqualz": {}},
        }
    }
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind=PolicyKind.TRUST)
    assert [p.code for p in caught.value.problems] == ["UNKNOWN_OPERATOR"]
    assert caught.value.aws_says == "MalformedPolicyDocument: Invalid Condition type : StringEqualz"
