"""Condition keys against the statement's actions, and keys whose shape is a trap.

Access Analyzer's "Unsupported action for condition key" and "Missing action for condition
key" (docs/lint.md, Access Analyzer's checks), "Confirm audience claim type", a base operator on a multivalued key
(docs/semantics.md §5.12, reading 3) and ``aws:SourceIp`` (docs/semantics.md §6.2, §6.6).
"""

from __future__ import annotations

from trustsim.lint.base import LintBase
from trustsim.lint.knowledge import MULTIVALUED_KEYS, OIDC_CLAIM_KEY, holds_without_key
from trustsim.model import ConditionClause, Effect, SetQualifier, Statement
from trustsim.requests import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
)
from trustsim.wildcard import compile_pattern

_AR, _WEB, _SAML = (
    a.lower() for a in (ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML)
)
_SPELLED = {_AR: ASSUME_ROLE, _WEB: ASSUME_ROLE_WITH_WEB_IDENTITY, _SAML: ASSUME_ROLE_WITH_SAML}

#: SAML keys a session born from AssumeRoleWithSAML carries into the calls it makes later,
#: role chaining's AssumeRole included (docs/semantics.md §6.5).
_SAML_KEYS_CARRIED = frozenset({"saml:namequalifier", "saml:sub", "saml:sub_type"})

#: Keys that exist only when the caller passes session tags or a source identity: STS then
#: also authorises the companion action (docs/semantics.md §6.2, §6.3).
_TAG_KEYS = frozenset({"aws:tagkeys", "sts:transitivetagkeys"})

#: Keys that tell the request came through a VPC endpoint or from an AWS service; a
#: condition on any of them shows the aws:SourceIp trap was thought about.
_NETWORK_PATH_KEYS = frozenset(
    {"aws:viaawsservice", "aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip", "aws:calledvia"}
)


def carrying_actions(key: str) -> frozenset[str] | None:
    """The AssumeRole-family calls whose request can carry ``key`` (lower case), if known.

    ``sts:ExternalId`` is an AssumeRole parameter; ``saml:`` keys come from a SAML assertion;
    an OIDC claim key (``<issuer host>:<claim>``) from a web-identity token. A session born
    from federation carries its provider's keys into the AssumeRole calls it makes later
    (docs/semantics.md §6.3), so plain AssumeRole counts as carrying those.
    """
    if key == "sts:externalid":
        return frozenset({_AR})
    if key.startswith("saml:"):
        return frozenset({_SAML, _AR}) if key in _SAML_KEYS_CARRIED else frozenset({_SAML})
    match = OIDC_CLAIM_KEY.fullmatch(key)
    if match is not None and "." in match.group(1):
        return frozenset({_WEB, _AR})
    return None


def companion_action(key: str) -> str | None:
    """The action STS also authorises when the request has ``key`` (lower case)."""
    if key.startswith("aws:requesttag/") or key in _TAG_KEYS:
        return TAG_SESSION
    if key == "sts:sourceidentity":
        return SET_SOURCE_IDENTITY
    return None


def _requires_the_key(clause: ConditionClause) -> bool:
    # True only for clauses that fail when the key is absent (docs/semantics.md §5.3, §5.12).
    return clause.operator.base != "Null" and not holds_without_key(clause)


class KeyRules(LintBase):
    """Findings about condition keys: whether the statement's calls carry them, and traps."""

    def keys(self, statement: Statement) -> None:
        self.keys_and_actions(statement)
        for clause in statement.condition:
            self.audience_claim_type(statement, clause)
            self.multivalued_without_set(statement, clause)
        self.source_ip(statement)

    def keys_and_actions(self, statement: Statement) -> None:
        if statement.effect is not Effect.ALLOW or statement.action is None:
            return
        named = {action.lower() for action in statement.action}
        if any("*" in action or "?" in action for action in named):
            return
        apis = named & {_AR, _WEB, _SAML}
        federated_only = self.principal_kinds(statement) == {"federated"}
        for clause in statement.condition:
            if not _requires_the_key(clause):
                continue
            key = clause.key.lower()
            pointer = self.clause_pointer(statement, clause)
            carriers = carrying_actions(key)
            # sts:ExternalId under a federated principal is EXTERNAL_ID_ON_FEDERATED.
            if (
                carriers is not None
                and apis
                and not carriers & apis
                and not (key == "sts:externalid" and federated_only)
            ):
                calls = ", ".join(sorted(_SPELLED[a] for a in apis))
                self.add(
                    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
                    pointer,
                    f"no {calls} request carries {clause.key} (only "
                    f"{' or '.join(sorted(_SPELLED[a] for a in carriers))} does), so "
                    f"{clause.operator.name} never matches and the statement never applies",
                    "use the keys of the statement's own call (sts:ExternalId for AssumeRole, "
                    "saml: keys for AssumeRoleWithSAML, the issuer's claim keys for "
                    "AssumeRoleWithWebIdentity), or allow the call that carries the key",
                )
            companion = companion_action(key)
            if companion is not None and not self.policy_allows(companion):
                self.add(
                    "MISSING_ACTION_FOR_CONDITION_KEY",
                    pointer,
                    f"{clause.key} is only in requests that also need {companion}, which no "
                    f"statement allows: without it the key is absent and {clause.operator.name} "
                    f"fails, with it STS refuses {companion}",
                    f'add "{companion}" to the statement\'s Action',
                )

    def policy_allows(self, action: str) -> bool:
        """Whether some Allow statement names ``action`` (or uses NotAction).

        Asked for every clause of every statement, about the whole policy: the answer is
        remembered per action for this lint, so the policy is scanned once per action, not
        once per clause (issue 22).
        """
        wanted = action.lower()
        found = self._allows_action.get(wanted)
        if found is None:
            found = self._allows_action[wanted] = any(
                statement.action is None  # NotAction: whether it allows is NotAction's finding
                or any(compile_pattern(named.lower())(wanted) for named in statement.action)
                for statement in self.policy.statements
                if statement.effect is Effect.ALLOW
            )
        return found

    def audience_claim_type(self, statement: Statement, clause: ConditionClause) -> None:
        match = OIDC_CLAIM_KEY.fullmatch(clause.key.lower())
        if match is None or match.group(2) != "aud" or "." not in match.group(1):
            return
        # ForAllValues on aud is FORALLVALUES_WITH_SINGLE_VALUED_KEY already.
        if clause.operator.qualifier is not SetQualifier.FOR_ANY_VALUE:
            return
        self.add(
            "CONFIRM_AUDIENCE_CLAIM_TYPE",
            self.clause_pointer(statement, clause),
            f"{clause.operator.name} treats {clause.key} as a list of audiences; the tokens of "
            "most issuers (GitHub, GitLab, EKS, HCP Terraform, Cognito) carry one string",
            f"if your issuer's aud is a single string, write "
            f"{clause.operator.name.split(':', 1)[1]}; keep ForAnyValue only for an array",
        )

    def multivalued_without_set(self, statement: Statement, clause: ConditionClause) -> None:
        key = clause.key.lower()
        if key not in MULTIVALUED_KEYS or clause.operator.qualifier is not None:
            return
        if clause.operator.base == "Null":
            return
        example = (
            ' (a signed-in identity\'s amr is "authenticated" plus its login providers)'
            if key.endswith(":amr")
            else ""
        )
        self.add(
            "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR",
            self.clause_pointer(statement, clause),
            f"{clause.key} can carry several values{example}, and {clause.operator.name} "
            "without ForAnyValue:/ForAllValues: does not match a request with more than one",
            f"write ForAnyValue:{clause.operator.name} (at least one value matches) or "
            f"ForAllValues:{clause.operator.name} (every value matches)",
        )

    def source_ip(self, statement: Statement) -> None:
        keys = {clause.key.lower() for clause in statement.condition}
        if keys & _NETWORK_PATH_KEYS:
            return
        for clause in statement.condition:
            if clause.key.lower() != "aws:sourceip":
                continue
            outcome = "denied" if statement.effect is Effect.DENY else "refused"
            self.add(
                "SOURCE_IP_CONDITION",
                self.clause_pointer(statement, clause),
                "aws:SourceIp is absent for calls through a VPC endpoint (they carry "
                "aws:VpcSourceIp) and is the service's own address when an AWS service calls "
                f"for the caller: such calls are {outcome} whatever their origin",
                'pair the check with {"Bool": {"aws:ViaAWSService": "false"}} and '
                '{"Null": {"aws:SourceVpce": "true"}} (in a Deny), or check aws:VpcSourceIp '
                "for endpoint traffic",
            )
