"""The usual trust policy's one-pass reading decides nothing the general way would not (issue 22).

``load_policy(text)`` first tries ``trustsim._usual_trust``: the standard library's plain
reader (which keeps the last of two equal keys) and one walk that builds the policy and
applies the trust rules, giving up (``None``) on anything unusual. Whatever it returns must be
the policy the general, position-keeping way returns — every field, those left out of
equality too — and a text that repeats a key anywhere must never come out of it: that is
left to the general way, which refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import JSON, Pairs, documents, write
from tests.support.strategies_policies import trust_policies
from trustsim._usual_trust import usual_trust_document, usual_trust_policy
from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import _parse, clear_parse_caches, parse_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _general(text: str) -> Policy | None:
    """The policy the position-keeping way reads from ``text``, or ``None`` when it refuses it."""
    try:
        read = read_json(text)
        return parse_document(
            read.value,
            kind=PolicyKind.TRUST,
            origin="<string>",
            text=read.text,
            positions=read.positions,
            problems=read.problems,
        )
    except InvalidPolicy:
        return None


def _every_field(policy: Policy) -> object:
    """The policy, its repr and every field equality leaves out (places, origin, list flags)."""
    return (
        policy,
        repr(policy),
        policy.origin,
        [
            (
                statement.index,
                statement.pointer,
                statement.effect_written,
                repr(statement),
                [(clause.value_is_list, repr(clause)) for clause in statement.condition],
                [type(value) for value in attrs.astuple(statement, recurse=False)],
            )
            for statement in policy.statements
        ],
    )


def _holds(text: str) -> Policy | None:
    usual = usual_trust_policy(text, "<string>")
    if usual is not None:
        general = _general(text)
        assert general is not None, "the one-pass reading accepted what the general way refuses"
        assert _every_field(usual) == _every_field(general)
    return usual


@given(documents(), st.sampled_from(["", " ", "\n  "]), st.booleans(), st.booleans())
def test_what_the_one_pass_reading_accepts_is_what_the_general_way_reads(
    document: Any, indent: str, ensure_ascii: bool, cold: bool
) -> None:
    if cold:
        clear_parse_caches()  # the rules read every value; warm, the valid-values memo answers
    text = write(document, indent, ensure_ascii)
    _holds(text)
    # A file's bytes are read in one pass too, to the same policy.
    try:
        from_bytes: Policy | None = load_policy(text.encode(), origin="<string>")
    except InvalidPolicy:
        from_bytes = None
    general = _general(text)
    assert (from_bytes is None) == (general is None)
    if from_bytes is not None and general is not None:
        assert _every_field(from_bytes) == _every_field(general)


@st.composite
def repeated_keys(draw: st.DrawFn) -> str:
    """A valid trust policy written with one object, at any depth, repeating one of its keys."""
    document = draw(trust_policies())
    objects: list[dict[str, Any]] = []

    def collect(value: object) -> None:
        if isinstance(value, dict):
            objects.append(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(document)
    target = draw(st.sampled_from([item for item in objects if item]))
    key = draw(st.sampled_from(sorted(target)))
    again = target[key] if draw(st.booleans()) else draw(JSON)
    first = draw(st.booleans())  # the repeated member before or after the others

    def rewrite(value: object) -> object:
        if isinstance(value, dict):
            pairs = Pairs((name, rewrite(item)) for name, item in value.items())
            if value is target:
                if first:
                    pairs.insert(0, (key, again))
                else:
                    pairs.append((key, again))
            return pairs
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    return write(rewrite(document), draw(st.sampled_from(["", " "])), False)


@given(repeated_keys())
def test_a_key_written_twice_anywhere_is_never_read_in_one_pass(text: str) -> None:
    assert usual_trust_policy(text, "<string>") is None
    with pytest.raises(InvalidPolicy) as raised:
        load_policy(text)
    assert "DUPLICATE_KEY" in [problem.code for problem in raised.value.problems]


@given(trust_policies(), st.sampled_from(["", " ", "\n  "]))
def test_valid_trust_policies_read_in_one_pass_as_the_general_way_reads_them(
    document: dict[str, Any], indent: str
) -> None:
    _holds(write(document, indent, False))


@given(st.integers(1, 3), st.integers(600, 1500), st.sampled_from(["", " ", "\n    "]))
def test_long_documents_are_read_in_one_pass_within_the_size_quota_only(
    statements: int, sid: int, indent: str
) -> None:
    # Over 2,047 characters the text no longer bounds the canonical size: it is counted.
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"{number}" + "s" * sid,
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::11112222333{number}:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
            for number in range(statements)
        ],
    }
    text = write(document, indent, False)
    assert (_holds(text) is None) == (_general(text) is None)


def test_the_usual_documents_are_read_in_one_pass() -> None:
    # The fast reading is taken by the examples' usual trust policies (else it saves nothing).
    texts = [
        path.read_text()
        for path in sorted(EXAMPLES.glob("*.json"))
        if path.name != "scenarios.json"
    ]
    assert texts
    for text in texts:
        assert _holds(text) is not None, text[:80]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}', "*"),
        (
            '{"Statement": {"Effect": "allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:AssumeRole"}}',
            "Effect in another case",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:SecureTransport": true}}}}',
            "a value that is no text",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:Assume\\u0052ole"}}',
            "an escape",
        ),
        (
            '{"Statement": [{"Sid": "a", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:AssumeRole"}, {"Sid": "a", "Effect": "Deny", '
            '"Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}',
            "Sid twice",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Principal": {"Federated": '
            '"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, '
            '"Action": "sts:AssumeRoleWithWebIdentity"}}',
            "GitHub without a sub condition",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:AssumeRole"}} x',
            "text after the document",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
            '"Action": "sts:AssumeRole", "Sid": "' + "s" * 4100 + '"}}',
            "over IAM's size quota",
        ),
    ],
)
def test_the_unusual_goes_the_general_way(text: str, why: str) -> None:
    assert usual_trust_policy(text, "<string>") is None, why
    assert json.loads(text.removesuffix(" x"))  # each is JSON (but the one with text after it)


def _general_of_value(value: object) -> Policy | None:
    """What the general way (structuring, then every rule) makes of a decoded document."""
    try:
        return _parse(
            value,
            kind=PolicyKind.TRUST,
            origin="d.json",
            text=None,
            positions=None,
            problems=(),
            from_json=False,
            size_bound=None,
        )
    except InvalidPolicy:
        return None


@given(documents(), st.booleans(), st.data())
def test_what_the_one_pass_reading_accepts_of_a_dict_is_what_the_general_way_reads(
    document: Any, odd_key: bool, data: st.DataObject
) -> None:
    value = json.loads(write(document, "", False))  # the last of two equal keys, as dicts do
    if odd_key:  # a dict built in code may hold a key no JSON has
        objects: list[dict[Any, Any]] = []
        stack: list[object] = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                objects.append(node)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        target = data.draw(st.sampled_from(objects))
        target[data.draw(st.sampled_from([1, None, ("a",)]))] = "x"
    usual = usual_trust_document(value, "d.json")
    general = _general_of_value(value)
    if usual is not None:
        assert general is not None, "the one-pass reading accepted what the general way refuses"
        assert _every_field(usual) == _every_field(general)
    # And parse_policy, which takes the one pass first, gives what the general way gives.
    try:
        parsed: Policy | None = parse_document(value, kind=PolicyKind.TRUST, origin="d.json")
    except InvalidPolicy:
        parsed = None
    assert (parsed is None) == (general is None)
    if parsed is not None and general is not None:
        assert _every_field(parsed) == _every_field(general)


@given(trust_policies())
def test_valid_trust_policy_dicts_read_in_one_pass_as_the_general_way_reads_them(
    document: dict[str, Any],
) -> None:
    usual = usual_trust_document(document, "d.json")
    general = _general_of_value(document)
    assert general is not None
    if usual is not None:
        assert _every_field(usual) == _every_field(general)
