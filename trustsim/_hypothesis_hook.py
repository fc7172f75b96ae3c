"""Hypothesis entry point: strategies for trustsim's types, registered when Hypothesis loads.

Registered under the ``hypothesis`` entry-point group, so ``st.from_type(IamUser)`` and
``st.builds(...)`` with trustsim-typed arguments work without importing
:mod:`trustsim.strategies` first (set ``HYPOTHESIS_NO_PLUGINS`` to opt out). Each strategy is
registered as a function of the type, so :mod:`trustsim.strategies` is only imported when
Hypothesis first resolves one of these types.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _register() -> None:
    """Register a strategy for every trustsim model and caller type (called by Hypothesis)."""
    from hypothesis import strategies as st  # noqa: PLC0415 - only when Hypothesis runs this

    from trustsim import callers, context, model  # noqa: PLC0415

    def lazily(name: str) -> Any:
        def resolve(_: type) -> st.SearchStrategy[Any]:
            from trustsim import strategies  # noqa: PLC0415 - imported on first use

            factory = getattr(strategies, name)
            return factory()  # type: ignore[no-any-return]

        return resolve

    for kind, name in (
        (callers.IamUser, "iam_users"),
        (callers.RoleSession, "role_sessions"),
        (callers.AccountRoot, "account_roots"),
        (callers.Anonymous, "anonymous_callers"),
        (callers.ServicePrincipal, "service_principals"),
        (callers.WebIdentity, "web_identities"),
        (callers.SamlIdentity, "saml_identities"),
        (callers.OrgMembership, "org_memberships"),
        (callers.Role, "roles"),
        (model.Policy, "trust_policies"),
        (model.Statement, "trust_statements"),
        (model.Principal, "principals"),
        (context.RequestContext, "request_contexts"),
    ):
        st.register_type_strategy(kind, lazily(name))
