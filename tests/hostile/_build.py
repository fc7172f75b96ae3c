"""Builders of hostile inputs shared by the hostile tests (tests/hostile/)."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/target"

#: Request-time keys: each clause on one is an unknown atom of who-can's enumeration.
_REQUEST_KEYS = [f"aws:RequestTag/k{i}" for i in range(10)]


def trust(statements: int = 1) -> dict[str, Any]:
    """A trust policy naming the account, with ten request-time conditions per statement."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S{n}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": dict.fromkeys(_REQUEST_KEYS, "v")},
            }
            for n in range(statements)
        ],
    }


def authorization_details(users: int, statements: int) -> dict[str, Any]:
    """A dump: one role trusting its account, ``users`` users allowed ``sts:AssumeRole``."""
    identity = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}
            for _ in range(statements)
        ],
    }
    return {
        "UserDetailList": [
            {
                "UserName": f"u{n}",
                "Path": "/",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/u{n}",
                "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": identity}],
            }
            for n in range(users)
        ],
        "RoleDetailList": [
            {
                "RoleName": "target",
                "Path": "/",
                "Arn": ROLE_ARN,
                "AssumeRolePolicyDocument": trust(statements),
            }
        ],
    }


def dump_text(users: int, statements: int) -> str:
    return json.dumps(authorization_details(users, statements))
