"""Who can assume a role: candidates from the index, then an answer for each (:func:`who_can_assume`).

The whole story, with an example, is the package's: :mod:`trustsim.whocan`.
"""

from __future__ import annotations

import attrs

from trustsim import _reprs
from trustsim.arn import Arn
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS,
    Caller,
    IamUser,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.inventory import Inventory, InventoryError, InventoryRole
from trustsim.model import Effect, Principal, Statement
from trustsim.whocan.answers import Access, Answer, WhoCanResult
from trustsim.whocan.evaluator import (
    ANY_ASSUME,
    ANY_PRINCIPAL_KEYS,
    DEFAULT_SESSION,
    IDENTITY_NOTE,
    OUTSIDE_ACCOUNT,
    PRINCIPAL_DETAIL_KEYS,
    PRINCIPAL_DETAIL_PREFIXES,
    REPRESENTATIVE,
    SOURCE_KEYS,
    budget_note,
    evaluator_for,
)
from trustsim.whocan.index import AssumeIndex, narrowing


class _Candidates:
    """The inventory principals a role's trust policy can admit, and the classes outside it."""

    def __init__(self, inventory: Inventory, role: InventoryRole, index: AssumeIndex) -> None:
        self.inventory = inventory
        self.role = role
        self.index = index
        self.users: dict[str, IamUser] = {}
        self.roles: dict[str, InventoryRole] = {}
        self.sessions: dict[tuple[str, str], InventoryRole] = {}
        self.classes: list[tuple[str, str, Caller, frozenset[str], tuple[str, ...], str]] = []
        self.notes: list[str] = []
        self.everyone = False
        self._class_seen: set[tuple[str, str]] = set()

    def everything(self) -> None:
        if self.everyone:
            return
        self.everyone = True
        for user in self.inventory.users:
            self.users[user.arn] = user
        for entry in self.inventory.roles:
            self.roles[entry.arn] = entry

    def add_account(self, partition: str, account: str) -> None:
        for principal in self.index.holders(partition, account, self.role.arn):
            if isinstance(principal, IamUser):
                self.users[principal.arn] = principal
            else:
                self.roles[principal.arn] = principal
        if not self.inventory.has_account(account):
            representative = IamUser(
                f"arn:{partition}:iam::{account}:user/{REPRESENTATIVE}", policies=(ANY_ASSUME,)
            )
            self.add_class(
                "account",
                account,
                representative,
                PRINCIPAL_DETAIL_KEYS | {"aws:principalarn", "aws:principaltype", "aws:username"},
                PRINCIPAL_DETAIL_PREFIXES,
                IDENTITY_NOTE,
            )

    def add_class(  # noqa: PLR0917 - one row of the class table
        self,
        kind: str,
        name: str,
        caller: Caller,
        extra: frozenset[str],
        prefixes: tuple[str, ...],
        note: str = "",
    ) -> None:
        if (kind, name) in self._class_seen:
            return
        self._class_seen.add((kind, name))
        self.classes.append((kind, name, caller, extra, prefixes, note))

    def add_aws(self, value: str, statement: Statement) -> None:
        inventory = self.inventory
        partition = self.role.role.partition
        if value == "*":
            narrowed = narrowing(statement)
            if narrowed is None:
                self.everything()
            else:
                self.add_narrowed(*narrowed)
            self.add_class(
                "any-aws",
                "any AWS principal outside the inventory",
                IamUser(
                    f"arn:aws:iam::{OUTSIDE_ACCOUNT}:user/{REPRESENTATIVE}",
                    policies=(ANY_ASSUME,),
                ),
                ANY_PRINCIPAL_KEYS,
                PRINCIPAL_DETAIL_PREFIXES,
                IDENTITY_NOTE,
            )
            return
        if value.isascii() and value.isdigit() and len(value) == 12:
            self.add_account(partition, value)
            return
        arn = Arn.try_parse(value)
        if arn is None:
            found = inventory.by_unique_id(value)
            if isinstance(found, IamUser):
                self.users[found.arn] = found
            elif found is not None:
                self.roles[found.arn] = found
            else:
                self.notes.append(
                    f"the trust policy names {value}, a unique ID no principal of the inventory "
                    "has: IAM writes this in place of a deleted principal's ARN, and it matches "
                    "no principal any more (a new principal of the same name has a new ID)"
                )
            return
        if arn.service == "iam" and arn.resource == "root":
            self.add_account(arn.partition, arn.account)
        elif arn.service == "iam" and arn.resource_type == "user":
            user = inventory.find_user(value)
            if user is not None:
                self.users[user.arn] = user
            elif not inventory.has_account(arn.account):
                self._outside(value, IamUser(value, policies=(ANY_ASSUME,)))
        elif arn.service == "iam" and arn.resource_type == "role":
            entry = inventory.find_role(value)
            if entry is not None:
                self.roles[entry.arn] = entry
            elif not inventory.has_account(arn.account):
                self._outside(value, RoleSession(value, DEFAULT_SESSION, policies=(ANY_ASSUME,)))
        elif arn.service == "sts" and arn.resource_type == "assumed-role":
            self.add_session(arn, value)
        else:
            self.notes.append(
                f"the trust policy names {value}, a principal trustsim cannot model as a caller "
                "(such as a federated user's session): it is not evaluated"
            )

    def add_session(self, arn: Arn, value: str) -> None:
        parts = arn.resource.split("/")
        if len(parts) != 3:
            return
        _, name, session = parts
        _, roles = self.inventory.in_account(arn.partition, arn.account)
        for entry in roles:
            if entry.name == name:
                # One named session, whatever its name: a role answer would speak for all of
                # its sessions, and only this one is named.
                self.sessions[entry.arn, session] = entry
                return
        if not self.inventory.has_account(arn.account):
            role_arn = f"arn:{arn.partition}:iam::{arn.account}:role/{name}"
            self._outside(value, RoleSession(role_arn, session, policies=(ANY_ASSUME,)))

    def _outside(self, value: str, caller: Caller) -> None:
        self.add_class(
            "principal",
            value,
            caller,
            PRINCIPAL_DETAIL_KEYS,
            PRINCIPAL_DETAIL_PREFIXES,
            IDENTITY_NOTE,
        )

    def add_narrowed(self, key: str, values: frozenset[str]) -> None:
        inventory = self.inventory
        if key == "aws:principalaccount":
            for account in values:
                users, roles = inventory.in_account(self.role.role.partition, account)
                for user in users:
                    self.users[user.arn] = user
                for entry in roles:
                    self.roles[entry.arn] = entry
        elif key == "aws:principalarn":
            for value in values:
                found_user = inventory.find_user(value)
                if found_user is not None:
                    self.users[found_user.arn] = found_user
                found_role = inventory.find_role(value)
                if found_role is not None:
                    self.roles[found_role.arn] = found_role
        else:
            for user in inventory.users:
                if user.org is not None and user.org.org_id in values:
                    self.users[user.arn] = user
            for entry in inventory.roles:
                if entry.role.org is not None and entry.role.org.org_id in values:
                    self.roles[entry.arn] = entry

    def add_principal(self, principal: Principal, statement: Statement) -> None:
        if principal.star:
            self.add_aws("*", statement)
        for value in principal.aws:
            self.add_aws(value, statement)
        for service in principal.service:
            self.add_class(
                "service", service, ServicePrincipal(service), SOURCE_KEYS, (), ""
            ) if _is_service(service) else self.notes.append(
                f"the trust policy names the service {service!r}, which trustsim cannot model"
            )
        for provider in principal.federated:
            self.add_federated(provider)

    def add_federated(self, provider: str) -> None:
        arn = Arn.try_parse(provider)
        note = self._missing_provider(provider, arn)
        if arn is not None and arn.resource_type == "saml-provider":
            self.add_class("saml", provider, SamlIdentity(provider), frozenset(), ("saml:",), note)
            return
        if arn is not None and arn.resource_type == "oidc-provider":
            issuer = arn.resource_name
        elif provider in BUILTIN_WEB_IDENTITY_PROVIDERS:
            issuer = provider
        else:
            self.notes.append(
                f"the trust policy names the federated provider {provider!r}, which is not a provider ARN"
            )
            return
        self.add_class(
            "oidc", provider, WebIdentity(provider), frozenset(), (issuer.lower() + ":",), note
        )

    def _missing_provider(self, provider: str, arn: Arn | None) -> str:
        """A note when the inventory lists the account's providers and not this one."""
        if arn is None or arn.service != "iam":
            return ""
        listed = (*self.inventory.oidc_providers, *self.inventory.saml_providers)
        in_account = [p for p in listed if p.split(":")[4:5] == [arn.account]]
        if not in_account or provider in listed:
            return ""
        return (
            f"the inventory lists no such provider in account {arn.account}: if it does not "
            "exist, STS refuses every token and assertion for it"
        )


def _is_service(name: str) -> bool:
    try:
        ServicePrincipal(name)
    except ValueError:
        return False
    return True


def collect_candidates(
    inventory: Inventory, entry: InventoryRole, index: AssumeIndex
) -> _Candidates:
    """The principals of ``inventory`` and classes outside it that ``entry``'s trust policy names."""
    found = _Candidates(inventory, entry, index)
    for statement in entry.role.trust_policy.statements:
        if statement.effect is Effect.DENY:
            # A Deny naming one session of a role decides for that session alone: answer it
            # apart from the role's other sessions (it is dropped if no Allow admits it).
            for value in statement.principal.aws if statement.principal else ():
                arn = Arn.try_parse(value)
                if arn is not None and arn.service == "sts":
                    found.add_session(arn, value)
        elif statement.principal is not None:
            found.add_principal(statement.principal, statement)
        else:
            # NotPrincipal, or no principal element at all (a hand-built policy: the parser
            # refuses both in a trust policy): the evaluator can match any principal.
            found.everything()
            found.add_aws("*", attrs.evolve(statement, condition=()))
    return found


def who_can_assume(inventory: Inventory, role_arn: str) -> WhoCanResult:
    """Every principal of ``inventory`` and every class outside it that can assume the role.

    Principals whose every request is denied are left out; each answer listed is
    :attr:`Access.ALWAYS`, :attr:`Access.CONDITIONAL` (with its residual condition) or, when
    more than :data:`MAX_ATOMS` request-time clauses take part, :attr:`Access.UNDETERMINED`.
    Roles answer as sessions of the role (policies, boundary, tags and SCPs it carries).

    Raises:
        InventoryError: the inventory has no role with this ARN.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.inventory import Inventory
    >>> from trustsim.parsing import parse_policy
    >>> trust = parse_policy({"Statement": {"Effect": "Allow",
    ...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/ops"}, "Action": "sts:AssumeRole",
    ...     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}})
    >>> inventory = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/ops")],
    ...                             roles=[Role("arn:aws:iam::111122223333:role/admin", trust)])
    >>> result = who_can_assume(inventory, "arn:aws:iam::111122223333:role/admin")
    >>> for answer in result.principals + result.classes:
    ...     print(f"{answer.label}: {answer.summary()}")
    user arn:aws:iam::111122223333:user/ops: allowed if Bool aws:MultiFactorAuthPresent = 'true'
    """
    entry = inventory.find_role(role_arn)
    if entry is None:
        raise InventoryError(f"the inventory has no role {role_arn}")
    evaluator = evaluator_for(inventory)
    evaluator.start_query()
    found = collect_candidates(inventory, entry, evaluator.assume_index)
    principals: list[Answer] = []
    for user in found.users.values():
        answer = evaluator.pair(user, entry)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    for caller_entry in found.roles.values():
        answer = evaluator.pair(caller_entry, entry)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    for (_, session), caller_entry in found.sessions.items():
        who = attrs.evolve(evaluator.session(caller_entry), session_name=session)
        access, residual, outcome = evaluator.decide(who, entry.role, evaluator.known_atoms)
        refused = (budget_note(),) if evaluator.last_refused else ()
        answer = Answer(who.session_arn, "session", access, outcome, residual, refused, who)
        if answer.access is not Access.NEVER:
            principals.append(answer)
    classes: list[Answer] = []
    for kind, name, caller, extra, prefixes, note in found.classes:
        atoms = evaluator.class_atoms_for(extra, prefixes)
        access, residual, outcome = evaluator.decide(caller, entry.role, atoms)
        if access is not Access.NEVER:
            noted = ((note,) if note else ()) + ((budget_note(),) if evaluator.last_refused else ())
            classes.append(Answer(name, kind, access, outcome, residual, noted, caller))
    notes = list(found.notes)
    if not entry.identity_known:
        notes.append("the role's own identity policies are unknown (not in the source)")
    notes += [n for n in inventory.notes if n.startswith(role_arn + ":")]
    if evaluator.exhausted:
        notes.append(f"{budget_note()}; the answers past it are undetermined")
    return WhoCanResult(
        role_arn,
        tuple(principals),
        tuple(classes),
        tuple(notes),
        candidates=len(found.users) + len(found.roles) + len(found.classes),
    )


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
