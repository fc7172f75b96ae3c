"""An atheris (libFuzzer) harness for trustsim's front door: policy loading and request building.

Not run in CI (see fuzz/README.md). Each input is split by its first byte into one of the
entry points the hypothesis fuzz tests cover (tests/fuzz/): ``load_policy`` on the bytes, on
the text, ``parse_policy`` on decoded JSON, and ``RequestContext.of`` / ``build_request`` /
``evaluate`` with values taken from the input. Only the documented errors may escape; anything
else is a crash that libFuzzer saves as ``crash-<sha1>``: copy it to tests/data/fuzz/ (``.bin``
for bytes, ``.json`` for text) so the suite replays it.

Run:  python fuzz/fuzz_front_door.py -max_total_time=600 fuzz/corpus
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports():
    from trustsim.callers import IamUser, InvalidCaller, Role, WebIdentity
    from trustsim.context import RequestContext
    from trustsim.errors import InvalidContext, InvalidPolicy, InvalidRequest
    from trustsim.evaluation import evaluate
    from trustsim.loaders import load_policy
    from trustsim.parsing import parse_policy
    from trustsim.requests import build_request

ACCOUNT = "111122223333"
ROLE = Role(
    f"arn:aws:iam::{ACCOUNT}:role/fuzz",
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ACCOUNT},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": {
                        "DateGreaterThan": {"aws:CurrentTime": "2020-01-01"},
                        "NumericLessThan": {"x:n": "10"},
                        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                        "StringLike": {"x:s": "*a?*"},
                        "ForAnyValue:ArnLike": {"x:arn": "arn:aws:iam::*:role/*"},
                    },
                },
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"BinaryEquals": {"x:b": "QUJD"}, "Bool": {"x:flag": "true"}},
                },
            ],
        }
    ),
)
KEYS = ["aws:CurrentTime", "x:n", "aws:SourceIp", "x:s", "x:arn", "x:b", "x:flag"]
EXPECTED = (InvalidPolicy, InvalidContext, InvalidRequest, InvalidCaller)


def one_input(data: bytes) -> None:
    """One libFuzzer input; raising anything but the documented errors is a crash."""
    if not data:
        return
    provider = atheris.FuzzedDataProvider(data[1:])
    route = data[0] % 5
    try:
        if route == 0:
            load_policy(data[1:])
        elif route == 1:
            load_policy("{" + provider.ConsumeUnicode(len(data)))
        elif route == 2:
            try:
                document = json.loads(provider.ConsumeUnicode(len(data)))
            except (ValueError, RecursionError):
                return
            parse_policy(document)
        elif route == 3:
            context = {
                KEYS[provider.ConsumeIntInRange(0, len(KEYS) - 1)]: provider.ConsumeUnicode(64)
                for _ in range(provider.ConsumeIntInRange(0, 4))
            }
            evaluate(
                build_request(IamUser(f"arn:aws:iam::{ACCOUNT}:user/a"), ROLE, context=context)
            )
        else:
            caller = WebIdentity(provider.ConsumeUnicode(40), {"sub": provider.ConsumeUnicode(20)})
            evaluate(build_request(caller, ROLE, session_name=provider.ConsumeUnicode(12)))
            RequestContext.of({provider.ConsumeUnicode(10): provider.ConsumeUnicode(10)})
    except EXPECTED:
        pass


def main() -> None:
    """Hand the command line to libFuzzer and fuzz until stopped."""
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
