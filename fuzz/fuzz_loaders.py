"""An atheris (libFuzzer) harness for the template and inventory loaders (issue 24).

Not run in CI (see fuzz/README.md). The first input byte picks the entry point
(``byte % 5``): ``load_cloudformation`` on the bytes as JSON, on the text as a YAML file,
``load_terraform`` on the bytes, ``load_inventory`` on the bytes as a dump or a manifest
(written next to a small dump it may name). Only the documented refusals may escape
(``InvalidPolicy``; ``InventoryError`` and ``OSError`` for inventories); anything else is a
crash that libFuzzer saves as ``crash-<sha1>``. ``-timeout`` and ``-rss_limit_mb`` turn a
runaway input (an alias bomb, nested intrinsics) into a crash as well. The hypothesis tests
in tests/fuzz/test_fuzz_loaders.py cover the same entry points in the suite.

Run:  python fuzz/fuzz_loaders.py -max_total_time=600 -timeout=10 -rss_limit_mb=2048 fuzz/corpus-loaders
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from trustsim.errors import InvalidPolicy
    from trustsim.inventory import InventoryError, load_inventory
    from trustsim.loaders import load_cloudformation, load_terraform

FOLDER = Path(tempfile.mkdtemp(prefix="trustsim-fuzz-loaders-"))
DUMP = {
    "RoleDetailList": [
        {
            "RoleName": "r",
            "Path": "/",
            "Arn": "arn:aws:iam::111122223333:role/r",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "111122223333"},
                    "Action": "sts:AssumeRole",
                },
            },
        }
    ]
}
(FOLDER / "dump.json").write_text(json.dumps(DUMP))


def one_input(data: bytes) -> None:
    """One libFuzzer input; raising anything but the documented refusals is a crash."""
    if not data:
        return
    route, body = data[0] % 5, data[1:]
    try:
        if route == 0:
            load_cloudformation(body)
        elif route == 1:
            path = FOLDER / "stack.yaml"
            path.write_bytes(body)
            load_cloudformation(path)
        elif route == 2:
            load_terraform(body)
        else:
            path = FOLDER / ("inventory.json" if route == 3 else "other.json")
            path.write_bytes(body)
            load_inventory(path)
    except InvalidPolicy as error:
        refusal = error
    except (InventoryError, OSError):
        if route < 3:
            raise
        return
    else:
        return
    if not refusal.problems or not str(refusal).startswith("invalid policy"):
        raise AssertionError("a refusal names its problems and renders")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
