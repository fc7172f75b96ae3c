"""The small values :mod:`trustsim.strategies` builds callers, roles and policies from.

Account and organisation IDs, memberships, names, paths, tags and times, each shrinking
towards the examples AWS documentation uses. ``account_ids``, ``org_ids`` and
``org_memberships`` are public as ``trustsim.strategies.*``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from hypothesis import strategies as st

from trustsim.callers import (
    OrgMembership,
)

__all__ = [
    "REGIONS",
    "SERVICES",
    "account_ids",
    "examples_first",
    "iam_names",
    "iam_paths",
    "org_ids",
    "org_memberships",
    "request_times",
    "tag_dicts",
]


# Account IDs from AWS documentation come first: users' fixtures use them, so an outsider
# strategy that tries them first finds "trusts the wrong example account" mistakes at once.
_EXAMPLE_ACCOUNTS = ("111122223333", "444455556666", "123456789012", "777788889999")


_NAMES = ("alice", "bob", "deploy", "ci", "admin")


SERVICES = (
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
)


REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


_UTC = _dt.timezone.utc


def examples_first(
    examples: Sequence[str], fallback: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """The examples (shrinking to the first), then anything ``fallback`` makes."""
    return st.sampled_from(examples) | fallback


def account_ids(*, exclude: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """12-digit account IDs, never one of ``exclude``.

    Shrinks towards ``111122223333`` (documentation accounts first), else the smallest
    allowed ID.

    >>> from hypothesis import find
    >>> find(account_ids(exclude=["111122223333"]), lambda _: True)
    '444455556666'
    """
    excluded = frozenset(exclude)
    ids = examples_first(_EXAMPLE_ACCOUNTS, st.from_regex(r"[0-9]{12}", fullmatch=True))
    return ids.filter(lambda account: account not in excluded)


def org_ids(*, exclude: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """AWS Organizations IDs (``o-`` and 10 lowercase letters or digits), never one of ``exclude``.

    Shrinks towards ``o-a1b2c3d4e5``.
    """
    excluded = frozenset(exclude)
    ids = examples_first(
        ("o-a1b2c3d4e5", "o-exampleorgid"), st.from_regex(r"o-[a-z0-9]{10}", fullmatch=True)
    )
    return ids.filter(lambda org: org not in excluded)


def org_memberships(
    *, org_id: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[OrgMembership]:
    """An account's membership of an organisation, with no SCPs or RCPs.

    Shrinks towards ``OrgMembership("o-a1b2c3d4e5")`` with no OU paths.
    """

    @st.composite
    def build(draw: st.DrawFn) -> OrgMembership:
        org = draw(org_id if org_id is not None else org_ids())
        root = f"{org}/r-ab12/"
        paths = draw(st.lists(st.sampled_from([root, f"{root}ou-ab12-11111111/"]), max_size=1))
        # cast: mypy's attrs plugin types a ``converter=tuple`` field as ``Iterable[_T_co]``.
        return OrgMembership(org, paths=cast("Any", paths))

    return build()


def iam_names() -> st.SearchStrategy[str]:
    return examples_first(_NAMES, st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,20}", fullmatch=True))


def iam_paths() -> st.SearchStrategy[str]:
    return st.sampled_from(["/", "/ci/", "/eng/team/"])


def tag_dicts(max_size: int = 3) -> st.SearchStrategy[dict[str, str]]:
    keys = examples_first(
        ("team", "project", "env"),
        st.from_regex(r"[A-Za-z][A-Za-z0-9_.:/=+@-]{0,15}", fullmatch=True),
    )
    values = examples_first(
        ("blue", "prod", ""), st.from_regex(r"[A-Za-z0-9 _.:/=+@-]{0,16}", fullmatch=True)
    )
    return st.dictionaries(keys, values, max_size=max_size).filter(
        lambda tags: len({key.lower() for key in tags}) == len(tags)
    )


def request_times() -> st.SearchStrategy[_dt.datetime]:
    return st.datetimes(
        min_value=_dt.datetime(2020, 1, 1),
        max_value=_dt.datetime(2035, 1, 1),
        timezones=st.just(_UTC),
    ).map(lambda moment: moment.replace(microsecond=0))
