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

    # The strategy of trustsim.strategies that draws each type, by the type's module, as
    # "Type:strategy" pairs separated by spaces (the way the front door lists its lazy names).
    drawn_by = {
        callers: "IamUser:iam_users RoleSession:role_sessions AccountRoot:account_roots "
        "Anonymous:anonymous_callers ServicePrincipal:service_principals "
        "WebIdentity:web_identities SamlIdentity:saml_identities "
        "OrgMembership:org_memberships Role:roles",
        model: "Policy:trust_policies Statement:trust_statements Principal:principals",
        context: "RequestContext:request_contexts",
    }
    for module, pairs in drawn_by.items():
        for pair in pairs.split():
            kind, name = pair.split(":")
            st.register_type_strategy(getattr(module, kind), lazily(name))
