"""An account is named by its ID or its root ARN, in every entry point (issue 21)."""

from __future__ import annotations

import pytest

from trustsim.callers import AccountRoot, InvalidCaller
from trustsim.identities import EksServiceAccount, GitHubActions
from trustsim.scenarios import caller_from_spec

# --- accounts as an ID or a root ARN (issue 21) ---------------------------------------------


def test_an_account_root_is_given_by_id_or_root_arn() -> None:
    by_id = AccountRoot("111122223333")
    assert AccountRoot("arn:aws:iam::111122223333:root") == by_id
    assert AccountRoot("arn:aws-us-gov:iam::111122223333:root").arn == (
        "arn:aws-us-gov:iam::111122223333:root"
    )
    assert caller_from_spec("111122223333") == by_id
    assert caller_from_spec("arn:aws:iam::111122223333:root") == by_id
    with pytest.raises(InvalidCaller, match="partition 'aws-cn', not 'aws-us-gov'"):
        AccountRoot("arn:aws-cn:iam::111122223333:root", partition="aws-us-gov")
    with pytest.raises(InvalidCaller, match="12-digit account ID or its root ARN"):
        AccountRoot("arn:aws:iam::111122223333:user/root")


def test_identity_builders_take_the_account_as_id_or_root_arn() -> None:
    by_id = GitHubActions("acme/app", branch="main", account_id="111122223333")
    assert (
        GitHubActions("acme/app", branch="main", account_id="arn:aws:iam::111122223333:root")
        == by_id
    )
    gov = GitHubActions(
        "acme/app", branch="main", account_id="arn:aws-us-gov:iam::111122223333:root"
    )
    assert gov.provider.startswith("arn:aws-us-gov:iam::111122223333:oidc-provider/")
    eks = EksServiceAccount(
        "ns", "sa", cluster_id="ABC", region="us-east-1", account_id="111122223333"
    )
    assert eks == EksServiceAccount(
        "ns",
        "sa",
        cluster_id="ABC",
        region="us-east-1",
        account_id="arn:aws:iam::111122223333:root",
    )
    with pytest.raises(InvalidCaller, match="12-digit account ID or its root ARN"):
        GitHubActions("acme/app", branch="main", account_id="arn:aws:iam::111122223333:user/x")
    with pytest.raises(InvalidCaller, match="partition 'aws-cn', not 'aws-us-gov'"):
        GitHubActions(
            "acme/app",
            branch="main",
            account_id="arn:aws-cn:iam::111122223333:root",
            partition="aws-us-gov",
        )
