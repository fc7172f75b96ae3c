"""One phrase per caller that tells callers of one kind apart, for failure messages.

The assertions of :mod:`trustsim.testing` and :mod:`trustsim.analysis.testing` name the
caller that went the wrong way with it; ``trustsim.testing.describe_caller`` is its public
name.
"""

from __future__ import annotations

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)

__all__ = ["describe_caller"]


def describe_caller(caller: Caller) -> str:
    """One phrase that tells callers of the same kind apart (the token's ``sub`` included).

    >>> from trustsim.callers import ServicePrincipal
    >>> from trustsim.identities import GitHubActions
    >>> describe_caller(GitHubActions("acme/app", branch="main"))
    'web identity token.actions.githubusercontent.com sub "repo:acme/app:ref:refs/heads/main"'
    >>> describe_caller(ServicePrincipal("lambda.amazonaws.com", source_account="111122223333"))
    'service lambda.amazonaws.com (aws:SourceAccount 111122223333)'
    """
    if isinstance(caller, IamUser):
        return f"IAM user {caller.arn}"
    if isinstance(caller, RoleSession):
        return f"session {caller.session_arn} of role {caller.role_arn}"
    if isinstance(caller, AccountRoot):
        return f"root user of account {caller.account_id}"
    if isinstance(caller, Anonymous):
        return "an anonymous caller"
    if isinstance(caller, ServicePrincipal):
        sources = [
            f"{key} {value}"
            for key, value in (
                ("aws:SourceAccount", caller.source_account),
                ("aws:SourceArn", caller.source_arn),
                ("aws:SourceOrgID", caller.source_org_id),
            )
            if value is not None
        ]
        return f"service {caller.name}" + (f" ({', '.join(sources)})" if sources else "")
    if isinstance(caller, WebIdentity):
        sub = caller.claims.get("sub")
        shown = f' sub "{sub}"' if isinstance(sub, str) else ""
        return f"web identity {caller.issuer}{shown}"
    subject = caller.attributes.get("saml:sub")
    shown = f' saml:sub "{subject}"' if isinstance(subject, str) else ""
    return f"SAML identity {caller.provider}{shown}"
