"""Fuzzing the template and inventory loaders: whatever comes in, roles come out or a refusal.

Issue 24 (a hostile repository): CloudFormation templates built from intrinsic functions,
conditions, mappings and parameters in any combination (JSON values, JSON text and YAML
text, short tags, aliases and duplicate keys included), Terraform plans of any shape, and
inventory files and manifests of any content go into the loaders. The only exceptions allowed
out are the documented refusals: :class:`~trustsim.errors.InvalidPolicy`, and for inventories
:class:`~trustsim.inventory.InventoryError` and :class:`OSError` (a file that cannot be read,
or that the read boundary refuses). Never a ``RecursionError``, ``MemoryError``,
``AttributeError``, ``TypeError``…; and each input is decided in bounded time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz._support import ANY_TEXT, FUZZ_EXAMPLES, JSON_VALUES
from trustsim.errors import InvalidPolicy
from trustsim.inventory import InventoryError, load_inventory
from trustsim.loaders import load_cloudformation, load_terraform

pytestmark = pytest.mark.property

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: CPU seconds one input may take (the bounds of docs/security.md make every input cheap).
PER_INPUT = 5.0

NAMES = st.sampled_from(["P", "Q", "Cond", "R", "Other", "AWS::AccountId", "AWS::NoValue", "Map"])
SCALARS = st.one_of(
    st.sampled_from(["111122223333", "${P}", "${Q}${P}", "a,b", "", "${!x}", "{{resolve:ssm:x}}"]),
    st.integers(-3, 3),
    st.booleans(),
    ANY_TEXT,
)


def _intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    lists = st.lists(children, max_size=4)
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, NAMES),
        st.builds(lambda n: {"Condition": n}, NAMES),
        st.builds(lambda a: {"Fn::Sub": a}, st.one_of(children, st.tuples(children, st.dictionaries(NAMES, children, max_size=3)).map(list))),  # noqa: E501
        st.builds(lambda d, items: {"Fn::Join": [d, items]}, children, lists),
        st.builds(lambda i, items: {"Fn::Select": [i, items]}, children, lists),
        st.builds(lambda d, t: {"Fn::Split": [d, t]}, children, children),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, NAMES, children, children),
        st.builds(lambda a, b: {"Fn::Equals": [a, b]}, children, children),
        st.builds(lambda items: {"Fn::Not": items}, lists),
        st.builds(lambda items: {"Fn::And": items}, lists),
        st.builds(lambda items: {"Fn::Or": items}, lists),
        st.builds(lambda a: {"Fn::Base64": a}, children),
        st.builds(lambda a: {"Fn::GetAtt": a}, st.one_of(children, st.tuples(NAMES, children).map(list))),
        st.builds(lambda a: {"Fn::FindInMap": a}, lists),
        st.builds(lambda a: {"Fn::ImportValue": a}, children),
        lists,
        st.dictionaries(NAMES, children, max_size=3),
    )  # fmt: skip


VALUES = st.recursive(SCALARS, _intrinsics, max_leaves=30)


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    statement = {
        "Effect": draw(st.one_of(st.just("Allow"), VALUES)),
        "Principal": {"AWS": draw(VALUES)},
        "Action": draw(st.one_of(st.just("sts:AssumeRole"), VALUES)),
    }
    if draw(st.booleans()):
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": draw(VALUES)}}
    properties: dict[str, Any] = {
        "AssumeRolePolicyDocument": draw(
            st.one_of(st.just({"Version": "2012-10-17", "Statement": [statement]}), VALUES)
        )
    }
    if draw(st.booleans()):
        properties["RoleName"] = draw(VALUES)
    resource: dict[str, Any] = {"Type": "AWS::IAM::Role", "Properties": properties}
    if draw(st.booleans()):
        resource["Condition"] = draw(NAMES)
    template: dict[str, Any] = {
        "Resources": {
            "R": resource,
            "Other": {"Type": draw(st.sampled_from(["AWS::IAM::User", "AWS::IAM::Role", "X"]))},
        },
        "Parameters": {
            "P": {"Type": "String", "Default": draw(SCALARS)},
            "Q": {"Type": draw(st.sampled_from(["String", "CommaDelimitedList"]))},
        },
        "Conditions": draw(st.dictionaries(NAMES, VALUES, max_size=3)),
        "Mappings": {"Map": draw(st.dictionaries(NAMES, st.dictionaries(NAMES, VALUES, max_size=2), max_size=2))},
    }  # fmt: skip
    return template


def decided(call: Callable[[], object], *allowed: type[BaseException]) -> object:
    """Run ``call``; only a result or one of ``allowed`` may come out, in bounded time."""
    start = time.process_time()
    try:
        result = call()
    except (InvalidPolicy, *allowed) as error:
        result = error
    assert time.process_time() - start < PER_INPUT
    if isinstance(result, InvalidPolicy):
        assert result.problems
        assert str(result).startswith("invalid policy")
    return result


@FUZZ
@given(template=templates(), parameters=st.dictionaries(NAMES, SCALARS, max_size=2))
def test_any_template_is_resolved_or_refused(template: dict[str, Any], parameters: Any) -> None:
    roles = decided(lambda: load_cloudformation(template, parameters=parameters))
    if isinstance(roles, tuple):
        for role in roles:
            assert role.trust_policy is not None


@FUZZ
@given(template=templates())
def test_any_template_as_json_text_is_resolved_or_refused_like_the_value(
    template: dict[str, Any],
) -> None:
    """The same template as a value and as text: the same roles, or both refused."""
    from_value = decided(lambda: load_cloudformation(template))
    text = json.dumps(template).encode()
    from_text = decided(lambda: load_cloudformation(text, origin="<template>"))
    assert isinstance(from_value, InvalidPolicy) == isinstance(from_text, InvalidPolicy)
    if not isinstance(from_value, InvalidPolicy):
        assert from_value == from_text


SECTIONS = st.sampled_from(["Resources", "Parameters", "Mappings", "Conditions", "Outputs"])


@FUZZ
@given(
    value=st.one_of(
        JSON_VALUES,
        st.dictionaries(SECTIONS, JSON_VALUES, max_size=4),
        st.builds(lambda r: {"Resources": {"R": r}}, JSON_VALUES),
        st.builds(
            lambda p: {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": p}}}, JSON_VALUES
        ),
    )
)
def test_any_json_value_is_a_template_or_refused(value: Any) -> None:
    """Sections, resources and properties of any shape (a list where an object belongs…)."""
    decided(
        lambda: (
            load_cloudformation(value)
            if isinstance(value, dict)
            else load_cloudformation(json.dumps(value, default=str).encode())
        )
    )


YAML_PIECES = st.sampled_from(
    [
        "Resources:\n", "  R:\n", "    Type: AWS::IAM::Role\n", "    Properties:\n",
        "      AssumeRolePolicyDocument:\n", "        Statement:\n", "          - Effect: Allow\n",
        "            Principal: {AWS: !Ref P}\n", "            Action: sts:AssumeRole\n",
        "&a x", "*a", "<<: {}", "!Sub '${P}'", "!GetAtt R.Arn", "!Join [',', [a, b]]", "null: 1\n",
        "1: 2\n", "? [a]\n: b\n", "[", "]", "{", "}", "- ", ": ", "\n", "  ", "'", '"', "!!python/name:os.system",
        "Parameters: {P: {Type: String, Default: '111122223333'}}\n", "Version: 2012-10-17\n",
    ]
)  # fmt: skip


@FUZZ
@given(pieces=st.lists(st.one_of(YAML_PIECES, ANY_TEXT), max_size=25))
def test_any_yaml_text_is_read_or_refused(tmp_path_factory: Any, pieces: list[str]) -> None:
    pytest.importorskip("yaml")
    path = Path(tmp_path_factory.mktemp("yaml")) / "stack.yaml"
    path.write_text("".join(pieces), encoding="utf-8", errors="surrogatepass")
    decided(lambda: load_cloudformation(path), OSError)


TERRAFORM_KEYS = st.sampled_from(["values", "planned_values", "resource_changes", "format_version"])


@FUZZ
@given(value=st.one_of(JSON_VALUES, st.dictionaries(TERRAFORM_KEYS, JSON_VALUES, max_size=3)))
def test_any_terraform_document_is_read_or_refused(value: Any) -> None:
    decided(lambda: load_terraform(value if isinstance(value, dict) else {"values": value}))
    decided(lambda: load_terraform(json.dumps(value, default=str).encode()))


TERRAFORM_RESOURCE = st.fixed_dictionaries(
    {
        "address": st.one_of(ANY_TEXT, st.just("aws_iam_role.r")),
        "type": st.just("aws_iam_role"),
        "mode": st.sampled_from(["managed", "data"]),
        "values": st.fixed_dictionaries({}, optional={"assume_role_policy": JSON_VALUES, "arn": JSON_VALUES}),
    }
)  # fmt: skip


@FUZZ
@given(
    resources=st.lists(TERRAFORM_RESOURCE, max_size=3),
    depth=st.sampled_from([0, 1, 2, 3, 200, 5000]),
)
def test_terraform_modules_of_any_depth_are_read_or_refused(
    resources: list[Any], depth: int
) -> None:
    module: dict[str, Any] = {"resources": resources}
    for _ in range(depth):
        module = {"resources": [], "child_modules": [module]}
    decided(lambda: load_terraform({"planned_values": {"root_module": module}}))
    if depth < 500:  # deeper, json.dumps itself recurses too far; the text is refused anyway
        text = json.dumps({"values": {"root_module": module}}, default=str)
        decided(lambda: load_terraform(text))


MANIFEST_PATHS = st.one_of(
    st.sampled_from(["dump.json", "../dump.json", "/etc/passwd", "sub/../dump.json", "nope.json", "", ".", "-"]),
    ANY_TEXT,
)  # fmt: skip


@FUZZ
@given(
    manifest=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {"authorization_details": st.one_of(st.lists(MANIFEST_PATHS, max_size=3), JSON_VALUES)},
            optional={
                "organization": st.one_of(
                    JSON_VALUES,
                    st.fixed_dictionaries(
                        {"id": st.just("o-a1b2c3d4e5"), "root": st.just("r-ab12")},
                        optional={
                            "scps": st.lists(st.one_of(MANIFEST_PATHS, JSON_VALUES), max_size=2),
                            "units": JSON_VALUES,
                            "accounts": JSON_VALUES,
                        },
                    ),
                ),
                "oidc_providers": JSON_VALUES,
            },
        ),
    ),
    dump=JSON_VALUES,
)
def test_any_inventory_file_is_read_or_refused(
    tmp_path_factory: Any, manifest: Any, dump: Any
) -> None:
    folder = Path(tmp_path_factory.mktemp("inventory"))
    (folder / "dump.json").write_text(json.dumps(dump, default=str))
    (folder / "inventory.json").write_text(json.dumps(manifest, default=str))
    decided(lambda: load_inventory(folder / "inventory.json"), InventoryError, OSError)
    decided(lambda: load_inventory(folder / "dump.json"), InventoryError, OSError)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_are_a_template_or_an_inventory_or_refused(
    tmp_path_factory: Any, data: bytes
) -> None:
    decided(lambda: load_cloudformation(data))
    decided(lambda: load_terraform(data))
    path = Path(tmp_path_factory.mktemp("bytes")) / "inventory.json"
    path.write_bytes(data)
    decided(lambda: load_inventory(path), InventoryError, OSError)
