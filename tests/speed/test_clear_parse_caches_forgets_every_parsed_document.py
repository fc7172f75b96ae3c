"""``clear_parse_caches()`` forgets everything parsing remembers, the loaders' memos too (issue 22).

docs/loaders.md promises that every answer is the same with all of it forgotten by
``trustsim.parsing.clear_parse_caches()``: documents by text and by content, documents inside
API output (``trustsim.loaders.embedded``), statements and values found valid, statement
sizes. Once they were not all forgotten: the embedded-document memo kept its entries, so a
"first load" after clearing still found the dump's documents parsed.
"""

from __future__ import annotations

import json

from trustsim import _memo
from trustsim.loaders import load_authorization_details, load_policy
from trustsim.parsing import clear_parse_caches, parse_policy

#: Every memo parsing fills, by its registered name (trustsim._memo).
PARSING_MEMOS = (
    "parsing: documents",
    "loaders: embedded documents",
    "validation: statements found valid",
    "validation: values found valid",
    "model: statements' canonical characters",
    "trustsim.validation.required_claim",
)

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/ci/run"},
            "Action": "sts:AssumeRole",
            "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        },
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": "arn:aws:iam::111122223333:oidc-provider/"
                "token.actions.githubusercontent.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:a/b"}},
        },
    ],
}
DUMP = json.dumps(
    {
        "RoleDetailList": [
            {
                "RoleName": "r",
                "Path": "/",
                "Arn": "arn:aws:iam::111122223333:role/r",
                "AssumeRolePolicyDocument": TRUST,
            }
        ]
    }
)


def _parse_everything() -> object:
    details = load_authorization_details(DUMP, origin="gaad.json")
    text = load_policy(json.dumps(TRUST))
    # A dict the one-pass reading leaves to the general way (a value that is no text):
    # its statements are counted and remembered.
    unusual = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:SecureTransport": True}},
        }
    }
    counted = parse_policy(unusual)
    return details.roles[0].trust_policy, text, counted


def test_every_memo_of_parsing_is_filled_and_then_forgotten() -> None:
    _memo.clear_caches()
    before = _parse_everything()
    filled = _memo.sizes()
    assert [name for name in PARSING_MEMOS if not filled[name][0]] == []
    clear_parse_caches()
    emptied = _memo.sizes()
    assert {name: emptied[name][0] for name in PARSING_MEMOS} == dict.fromkeys(PARSING_MEMOS, 0)
    assert _parse_everything() == before  # and parsed again, the same
