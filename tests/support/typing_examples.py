"""Calls a user writes, type-checked by ``mypy --strict`` in tests/api/test_typing_examples.py.

Not a test module: running it only builds the values. Each call passes a plain list where the
field stores a tuple, which mypy rejected while the fields used ``converter=tuple``.
"""

from __future__ import annotations

from trustsim.callers import OrgMembership, RoleSession, ServicePrincipal
from trustsim.model import Policy

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
