"""Users' ``mypy --strict`` accepts the documented constructor calls (tests/support/typing_examples.py)."""

from __future__ import annotations

from pathlib import Path

from mypy import api

import tests.support.typing_examples as examples

EXAMPLES = Path(examples.__file__)


def test_the_examples_build_the_values_they_name() -> None:
    assert examples.ORG.paths == ("o-a1b2c3d4e5/r-ab12/",)
    assert examples.SESSION.transitive_tag_keys == ("team",)
    assert examples.SERVICE.source_org_paths == ("o-a1b2c3d4e5/r-ab12/",)


def test_list_arguments_to_tuple_fields_type_check_under_mypy_strict(tmp_path: Path) -> None:
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path), str(EXAMPLES)]
    )
    assert status == 0, out + err
    assert "Success: no issues found in 1 source file" in out
