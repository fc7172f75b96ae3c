"""Breadth findings: the policy admits outsiders (any account, any repository...)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from trustsim.arn import Arn
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS,
    IamUser,
    InvalidCaller,
    ServicePrincipal,
)
from trustsim.lint.findings import Witness
from trustsim.lint.knowledge import (
    COGNITO,
    GENERIC_FORMAT,
    OUTSIDER,
    OUTSIDER_ACCOUNT,
    SERVICES_WITHOUT_SOURCE_KEYS,
    SubjectFormat,
    has_wildcard,
    instance,
    is_positive,
    subject_format,
)
from trustsim.lint.witness import WitnessBuilder, describe_caller, describe_context
from trustsim.model import ConditionClause, Statement
from trustsim.requests import (
    ASSUME_ROLE,
)


class BreadthRules(WitnessBuilder):
    """Findings about who is admitted, each confirmed by a witness."""

    def subject_witness(  # noqa: PLR0917 - the OIDC statement's parts
        self,
        statement: Statement,
        provider: str,
        issuer: str,
        fmt: SubjectFormat,
        aud: str | None,
        sub: str,
    ) -> Witness | None:
        """A caller whose token carries ``sub`` (and the statement's audience, else STS's)."""
        claims = {"aud": aud or "sts.amazonaws.com", "sub": sub}
        return self.oidc_witness(statement, provider, issuer, fmt, claims)

    def any_aws_principal(self, statement: Statement) -> None:
        caller, context = self.aws_outsider(statement, OUTSIDER_ACCOUNT)
        if not self.allowed(caller, ASSUME_ROLE, context):
            return
        passes = f", passing {describe_context(context)}" if context else ""
        witness = Witness(
            caller,
            ASSUME_ROLE,
            context,
            f"{describe_caller(caller)} of an unrelated account ({OUTSIDER_ACCOUNT}){passes}",
            caller_allowed=True,
        )
        self.add(
            "ANY_AWS_PRINCIPAL",
            self.pointer(statement, "Principal", "AWS"),
            '{"AWS": "*"} with no condition an outsider cannot meet: any IAM user or role of '
            "any AWS account, whose own policy allows it, can assume this role",
            "name the trusted principals, or narrow with a key outsiders cannot choose: "
            "aws:PrincipalOrgID, aws:PrincipalAccount, or aws:PrincipalArn with your account",
            witness,
        )

    def cross_account_root(self, statement: Statement, index: int, value: str) -> None:
        account: str | None = None
        if re.fullmatch(r"[0-9]{12}", value):
            account = value
        else:
            arn = Arn.try_parse(value)
            if arn is not None and arn.service == "iam" and arn.resource == "root":
                account = arn.account
        if account is None or (self.role_known and account == self.role.account_id):
            return
        caller = IamUser(f"arn:aws:iam::{account}:user/{OUTSIDER}", policies=(self.allow_all(),))
        if not self.allowed(caller, ASSUME_ROLE, {}):
            return
        if not self.role_known:
            # Without the role's ARN its account is a guess: 23 of 29 such findings on real
            # policies named the role's own account. Say what holds either way, softly.
            self.add(
                "ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
                self.pointer(statement, "Principal", "AWS"),
                f"every principal of account {account} whose own policy allows it can assume "
                "this role without an ExternalId; if that is another account (a vendor's), any "
                "of its customers can have it act on this role — give the role's ARN "
                "(--role-arn, role_arn=) to know",
                "give the role's ARN; if the account is another one, add a condition "
                '{"StringEquals": {"sts:ExternalId": "<the id the vendor issued you>"}}',
            )
            return
        self.add(
            "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
            self.pointer(statement, "Principal", "AWS"),
            f"every principal of account {account} whose own policy allows it can assume this "
            "role without an ExternalId: if that account is a vendor's, any of its customers "
            "can have it act on this role (the confused deputy)",
            'add a condition {"StringEquals": {"sts:ExternalId": "<the id the vendor issued '
            'you>"}}, or name the one role that should assume (aws:PrincipalArn)',
            Witness(
                caller,
                ASSUME_ROLE,
                {},
                f"{describe_caller(caller)} calling without an ExternalId",
                caller_allowed=True,
            ),
        )

    def service_without_source(self, statement: Statement, name: str) -> None:
        if name in SERVICES_WITHOUT_SOURCE_KEYS:
            return
        keys = {clause.key.lower() for clause in statement.condition}
        if keys & {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}:
            return
        try:
            caller = ServicePrincipal(name)
        except InvalidCaller:
            return
        if not self.allowed(caller, ASSUME_ROLE, {}):
            return
        self.add(
            "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
            self.pointer(statement, "Principal", "Service"),
            f"{name} may assume this role on behalf of any account's resources: another "
            "customer of the service can point it at this role (cross-service confused deputy)",
            'add {"StringEquals": {"aws:SourceAccount": "<your account>"}} or an ArnLike '
            "aws:SourceArn condition — for services that pass these keys when they assume roles",
            Witness(caller, ASSUME_ROLE, {}, f"service {name} acting for another account"),
        )

    def web_identity(self, statement: Statement, index: int, provider: str) -> None:
        arn = Arn.try_parse(provider)
        issuer = (
            arn.resource_name
            if arn is not None and arn.resource_type == "oidc-provider"
            else provider
        )
        builtin = provider in BUILTIN_WEB_IDENTITY_PROVIDERS
        here = self.pointer(statement, "Principal", "Federated")
        keys: dict[str, list[ConditionClause]] = {}
        for clause in statement.condition:
            keys.setdefault(clause.key.lower(), []).append(clause)
        sub_key, aud_key = f"{issuer}:sub".lower(), f"{issuer}:aud".lower()
        fmt = subject_format(issuer)
        aud = self.audience(keys.get(aud_key, []))
        if builtin:
            if aud_key not in keys:
                witness = self.oidc_witness(
                    statement, provider, issuer, fmt, {"aud": "outsider-app"}, builtin=True
                )
                if witness is not None:
                    self.add(
                        "BUILTIN_IDP_AUD_MISSING",
                        here,
                        f"no condition on {issuer}:aud: a token {issuer} issued to any "
                        "application, of anyone, can assume this role",
                        f'add {{"StringEquals": {{"{issuer}:aud": "<your app or identity pool id>"}}}}',
                        witness,
                    )
            if provider == COGNITO and f"{COGNITO}:amr" not in keys:
                claims: dict[str, str | tuple[str, ...]] = {
                    "aud": aud or "us-east-1:pool",
                    "amr": ("unauthenticated",),
                }
                witness = self.oidc_witness(statement, provider, issuer, fmt, claims, builtin=True)
                if witness is not None:
                    self.add(
                        "COGNITO_AMR_MISSING",
                        here,
                        "no condition on cognito-identity.amazonaws.com:amr: unauthenticated "
                        "(guest) identities of the pool can assume this role",
                        'add {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": '
                        '"authenticated"}}',
                        witness,
                    )
            return
        if aud_key not in keys:
            witness = self.oidc_witness(statement, provider, issuer, fmt, {"aud": "outsider-app"})
            if witness is not None:
                self.add(
                    "OIDC_AUD_MISSING",
                    here,
                    f"no condition on {issuer}:aud: the role relies on the audiences registered "
                    "on the IAM OIDC provider alone",
                    f'add {{"StringEquals": {{"{issuer}:aud": "sts.amazonaws.com"}}}} (or your '
                    "client ID)",
                    witness,
                )
        sub_clauses = [c for c in keys.get(sub_key, []) if is_positive(c)]
        if not sub_clauses:
            # Only negated or Null conditions on sub still admit every other subject: try
            # the outsider's subjects until one gets past them.
            witness = None
            for outsider in reversed(fmt.outsider_fillers):
                witness = self.subject_witness(statement, provider, issuer, fmt, aud, outsider)
                if witness is not None:
                    break
            if witness is not None:
                which = "no positive condition" if sub_key in keys else "no condition"
                self.add(
                    "OIDC_SUB_MISSING",
                    here,
                    f"{which} on {issuer}:sub: every identity {issuer} issues tokens to"
                    + (" — anyone's, on a shared issuer —" if fmt.shared else "")
                    + " can assume this role",
                    f'add {{"StringEquals": {{"{issuer}:sub": "<the exact subject>"}}}}',
                    witness,
                )
            return
        for clause in sub_clauses:
            if clause.operator.base != "StringLike":
                continue
            self.sub_breadth(statement, clause, provider=provider, issuer=issuer, fmt=fmt, aud=aud)

    def audience(self, clauses: Iterable[ConditionClause]) -> str | None:
        for clause in clauses:
            if is_positive(clause) and clause.values:
                return instance(clause.values[0])
        return None

    def sub_breadth(
        self,
        statement: Statement,
        clause: ConditionClause,
        *,
        provider: str,
        issuer: str,
        fmt: SubjectFormat,
        aud: str | None,
    ) -> None:
        pointer = self.clause_pointer(statement, clause)
        token = (provider, issuer, fmt, aud)
        for value in clause.values:
            if not has_wildcard(value):
                continue
            found = self.admitted_subject(statement, value, token, foreign=True)
            if found is not None:
                code = "OIDC_SUB_TOO_BROAD"
                message = (
                    f"{value!r} also matches {found[0]!r}: a subject of another "
                    f"{fmt.owner_word} — {fmt.label} identities that are not yours can "
                    "assume this role"
                )
                fix = (
                    f"match the whole subject with StringEquals ({fmt.pinned}), or anchor "
                    f"a wildcard after the {fmt.owner_word} and name"
                )
            elif self.owner_pinned(value, fmt):
                continue
            else:
                found = self.admitted_subject(statement, value, token, foreign=False)
                if found is None:
                    continue
                code = "OIDC_SUB_WILDCARD"
                message = (
                    f"{value!r} matches {found[0]!r} too: every {fmt.scope} the pattern "
                    "covers can assume this role"
                )
                fix = f"pin the subject ({fmt.pinned})"
            self.add(code, pointer, message, fix, found[1])

    @staticmethod
    def owner_pinned(pattern: str, fmt: SubjectFormat) -> bool:
        """Whether ``pattern``'s literal start pins the subject enough (or cannot be told)."""
        if fmt.anchored is None:
            return fmt is GENERIC_FORMAT
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
        return fmt.anchored.match(prefix) is not None

    def admitted_subject(
        self,
        statement: Statement,
        pattern: str,
        token: tuple[str, str, SubjectFormat, str | None],
        *,
        foreign: bool,
    ) -> tuple[str, Witness] | None:
        """A subject ``pattern`` matches whose token gets in, with its witness.

        The subject is another owner's when ``foreign``, else the statement's owner's;
        ``token`` is the statement's provider, issuer, subject format and audience.
        """
        provider, issuer, fmt, aud = token
        fillers = fmt.outsider_fillers if foreign else fmt.insider_fillers
        subject = self.subject(pattern, fillers, fmt, foreign=foreign)
        if subject is None:
            return None
        witness = self.subject_witness(statement, provider, issuer, fmt, aud, subject)
        return None if witness is None else (subject, witness)

    def issuer_mismatch(self, statement: Statement) -> None:
        """A condition on another OIDC issuer's claims than the Federated principal's.

        The caller's token comes from the principal's issuer, so a key of another issuer is
        absent: a positive operator on it never matches, and the statement never applies.
        """
        principal = statement.principal
        assert principal is not None  # noqa: S101 (called for statements with a Principal)
        issuers: dict[str, str] = {}  # folded → as written
        for provider in principal.federated:
            arn = Arn.try_parse(provider)
            if arn is not None and arn.resource_type == "oidc-provider":
                issuers[arn.resource_name.lower()] = arn.resource_name
            elif arn is None and "." in provider:  # a built-in provider named by its host
                issuers[provider.lower()] = provider
        if not issuers or len(issuers) != len(principal.federated):
            return  # SAML, or no OIDC issuer: nothing to compare
        reported: set[str] = set()
        for clause in statement.condition:
            prefix = clause.key.rpartition(":")[0].lower()
            prefix = prefix.removeprefix("https://")  # CONDITION_KEY_WITH_SCHEME's matter
            name = clause.operator.name
            if (
                "." not in prefix
                or prefix in issuers
                or prefix in reported
                or "Not" in name
                or name.endswith("IfExists")
                or name == "Null"
            ):
                continue
            reported.add(prefix)
            self.add(
                "OIDC_ISSUER_MISMATCH",
                self.clause_pointer(statement, clause),
                f"the condition reads {clause.key}, a claim of another issuer, but the "
                f"statement trusts {', '.join(principal.federated)}: tokens of that provider "
                "never carry the key, so the statement never applies",
                f"name the same issuer in the Federated principal and in the condition keys "
                f"({next(iter(issuers.values()))}:sub …)",
            )
