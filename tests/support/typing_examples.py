"""Calls a user writes, type-checked by ``mypy --strict`` in tests/api/test_typing_examples.py.

Not a test module: running it only builds the values. Each call passes a plain list where the
field stores a tuple, which mypy rejected while the fields used ``converter=tuple``; reading an
explanation needs ``Outcome.explain`` typed with its :class:`Explanation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trustsim.callers import OrgMembership, RoleSession, ServicePrincipal
from trustsim.decision import Outcome
from trustsim.explain import Explanation, StatementRecord
from trustsim.model import Policy

if TYPE_CHECKING:  # typing.assert_type is Python 3.11's; the helper below is never run
    from typing_extensions import assert_type

NO_POLICIES: list[tuple[Policy, ...]] = []

ORG = OrgMembership(
    "o-a1b2c3d4e5", paths=["o-a1b2c3d4e5/r-ab12/"], scps=NO_POLICIES, rcps=NO_POLICIES
)
SESSION = RoleSession(
    "arn:aws:iam::111122223333:role/ci/Deployer",
    "run-1",
    session_tags={"team": "ci"},
    transitive_tag_keys=["team"],
)
SERVICE = ServicePrincipal("lambda.amazonaws.com", source_org_paths=["o-a1b2c3d4e5/r-ab12/"])
PATHS: tuple[str, ...] = ORG.paths
KEYS: tuple[str, ...] = SESSION.transitive_tag_keys


def explained(outcome: Outcome) -> tuple[str, tuple[StatementRecord, ...], str]:
    """A user's helper reading an explanation: mypy knows what ``outcome.explain()`` returns."""
    explanation = assert_type(outcome.explain(), Explanation)  # not Any
    return explanation.reason, explanation.failures, explanation.to_text("all")
