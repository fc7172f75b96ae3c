"""AssumeRole-family requests: what a caller asks STS for, and the context AWS derives.

(Skeleton: the request value is fixed here so evaluation and context derivation can be
built side by side; the derivation functions land with issue 4.)
"""

from __future__ import annotations

import attrs

from trustsim.callers import Caller, Role
from trustsim.context import RequestContext

__all__ = ["AssumeRoleRequest"]

ASSUME_ROLE = "sts:AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ROLE_WITH_SAML = "sts:AssumeRoleWithSAML"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
SET_CONTEXT = "sts:SetContext"


@attrs.frozen
class AssumeRoleRequest:
    """One call of the AssumeRole family, with the full request context AWS would build.

    Attributes:
        caller: who calls.
        role: the role to assume.
        action: the API called: ``sts:AssumeRole``, ``sts:AssumeRoleWithWebIdentity`` or
            ``sts:AssumeRoleWithSAML`` (or, to decide one permission alone, a companion action).
        context: every condition key the request carries, derived from the caller and the
            request options, with the user's explicit entries applied last.
        companion_actions: the permission-only actions the call exercises and that must be
            allowed too (``sts:TagSession`` when session tags or transitive keys are passed,
            ``sts:SetSourceIdentity`` when a source identity is passed, ``sts:SetContext`` for
            provided contexts), in that order.
    """

    caller: Caller
    role: Role
    action: str
    context: RequestContext
    companion_actions: tuple[str, ...] = ()
