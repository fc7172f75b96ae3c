"""Users' ``mypy --strict`` accepts the documented constructor calls (tests/support/typing_examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

import tests.support.typing_examples as examples

EXAMPLES = Path(examples.__file__)


def test_the_examples_build_the_values_they_name() -> None:
    assert examples.ORG.paths == ("o-a1b2c3d4e5/r-ab12/",)
    assert examples.SESSION.transitive_tag_keys == ("team",)
    assert examples.SERVICE.source_org_paths == ("o-a1b2c3d4e5/r-ab12/",)


def test_the_request_examples_decide_and_build() -> None:
    assert examples.OUTCOME.request.context["sts:ExternalId"] == ("tenant-42",)
    assert examples.TAGGING.request.action == "sts:TagSession"
    assert examples.REQUEST.context["sts:TransitiveTagKeys"] == ("team",)


#: Calls mypy must refuse, each with the words of its error: the request options are typed
#: keywords, not an untyped ``**options``.
_WRONG_CALLS = {
    "assume_role(BOT, ROLE, external_id=42)": (
        'Argument "external_id" to "assume_role" has incompatible type "int"'
    ),
    'build_request(BOT, ROLE, extrnal_id="x")': (
        'Unexpected keyword argument "extrnal_id" for "build_request"'
    ),
    'check_action(BOT, ROLE, "sts:TagSession", tags=["team"])': (
        'Argument "tags" to "check_action" has incompatible type "list[str]"'
    ),
    'check_action(BOT, ROLE, "sts:TagSession", action="sts:SetContext")': (
        '"check_action" gets multiple values for keyword argument "action"'
    ),
    'assume_role(BOT, ROLE, at="2026-01-01T00:00:00Z")': (
        'Argument "at" to "assume_role" has incompatible type "str"'
    ),
}


@pytest.mark.parametrize("call", sorted(_WRONG_CALLS))
def test_mypy_strict_refuses_a_request_option_of_the_wrong_type_or_name(
    call: str, tmp_path: Path
) -> None:
    source = tmp_path / "wrong_call.py"
    source.write_text(
        "from tests.support.typing_examples import BOT, ROLE\n"
        "from trustsim.evaluation import assume_role, check_action\n"
        "from trustsim.requests import build_request\n"
        f"{call}\n",
        encoding="utf-8",
    )
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
    )
    assert status == 1, out + err
    assert _WRONG_CALLS[call] in out, out


def test_list_arguments_to_tuple_fields_type_check_under_mypy_strict(tmp_path: Path) -> None:
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path), str(EXAMPLES)]
    )
    assert status == 0, out + err
    assert "Success: no issues found in 1 source file" in out
