"""Calls a user writes, type-checked by ``mypy --strict`` in tests/api/test_typing_examples.py.

Not a test module: running it only builds the values. Each call passes a plain list where the
field stores a tuple, which mypy rejected while the fields used ``converter=tuple``; the request
doors take every option as a keyword mypy checks (``**options: Unpack[RequestOptions]``); reading
an explanation needs ``Outcome.explain`` typed with its :class:`Explanation`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from trustsim.callers import IamUser, OrgMembership, Role, RoleSession, ServicePrincipal
from trustsim.decision import Outcome
from trustsim.evaluation import assume_role, check_action
from trustsim.explain import Explanation, StatementRecord
from trustsim.model import Policy
from trustsim.requests import AssumeRoleRequest, RequestOptions, build_request

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

BOT = IamUser("arn:aws:iam::444455556666:user/bot")
ROLE = Role("arn:aws:iam::111122223333:role/vendor", Policy(()))
AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
OUTCOME: Outcome = assume_role(BOT, ROLE, external_id="tenant-42", tags={"team": "blue"}, at=AT)
TAGGING: Outcome = check_action(BOT, ROLE, "sts:TagSession", tags={"team": "blue"}, mfa=True)
OPTIONS: RequestOptions = {"tags": {"team": "blue"}, "transitive_tag_keys": ["team"], "at": AT}
REQUEST: AssumeRoleRequest = build_request(BOT, ROLE, **OPTIONS)


def explained(outcome: Outcome) -> tuple[str, tuple[StatementRecord, ...], str]:
    """A user's helper reading an explanation: mypy knows what ``outcome.explain()`` returns."""
    explanation = assert_type(outcome.explain(), Explanation)  # not Any
    return explanation.reason, explanation.failures, explanation.to_text("all")
