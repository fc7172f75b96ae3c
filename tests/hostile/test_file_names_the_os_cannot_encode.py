"""A file name no file system can hold is refused as unreadable, never a crash of another kind.

A lone surrogate (``"\\ud800"``) is text Python holds but the OS cannot encode; before, a
manifest naming such a dump raised ``UnicodeEncodeError`` from ``os.path.realpath`` instead
of the ``OSError`` every unreadable file gives (found by tests/fuzz/test_fuzz_loaders.py under
the ci profile).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustsim._files import RefusedFile
from trustsim.inventory import load_inventory
from trustsim.loaders import load_policy


@pytest.mark.parametrize("name", ["\ud800", "dumps/\udfff.json", "a\ud83d.json"])
def test_a_manifest_naming_an_unencodable_file_refuses_it(tmp_path: Path, name: str) -> None:
    manifest = tmp_path / "inventory.json"
    manifest.write_text(json.dumps({"authorization_details": [name]}))
    with pytest.raises(RefusedFile, match="cannot encode") as raised:
        load_inventory(manifest)
    assert isinstance(raised.value, OSError)
    assert "\\u" in str(raised.value)  # the name is shown escaped, printable anywhere


def test_a_policy_path_the_os_cannot_encode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="cannot encode"):
        load_policy(tmp_path / "\ud800.json")
