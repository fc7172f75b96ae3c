"""Shared test configuration: Hypothesis profiles and the conformance folder."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from trustsim import _memo

REPO_ROOT = Path(__file__).resolve().parent.parent

settings.register_profile("dev", max_examples=100, deadline=None)
# A quick pass (e.g. a first coverage picture); not a substitute for dev or ci.
settings.register_profile("quick", max_examples=10, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


#: The repository's copy of the conformance cases (kept equal to the upstream folder by
#: ``scripts/sync_conformance.py``; CI checks it with ``--check``).
CONFORMANCE_COPY = REPO_ROOT / "tests" / "data" / "conformance"


def conformance_dir() -> Path:
    """The conformance folder: $TRUSTSIM_CONFORMANCE_DIR, else the copy in tests/data/conformance."""
    override = os.environ.get("TRUSTSIM_CONFORMANCE_DIR")
    return Path(override) if override else CONFORMANCE_COPY


@pytest.fixture(scope="session")
def conformance_path() -> Path:
    path = conformance_dir()
    assert path.is_dir(), f"conformance folder not found: {path} (set TRUSTSIM_CONFORMANCE_DIR)"
    return path


@pytest.fixture(autouse=True)
def _cold_when_asked() -> Iterator[None]:
    """With ``TRUSTSIM_FRESH_CACHES=1``, every public call of every test starts cold; with
    ``TRUSTSIM_NO_FAST_PATH=1``, every decision is made by the full scan alone.

    The switches that prove speed code never decides: the suite (its decision properties
    first: ``TRUSTSIM_NO_FAST_PATH=1 pytest tests/property``) must pass the same with them.
    """
    with contextlib.ExitStack() as switches:
        if os.environ.get("TRUSTSIM_FRESH_CACHES") == "1":
            switches.enter_context(_memo.fresh_caches())
        if os.environ.get("TRUSTSIM_NO_FAST_PATH") == "1":
            switches.enter_context(_memo.without_fast_path())
        yield
