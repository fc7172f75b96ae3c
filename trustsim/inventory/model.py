"""The inventory model: accounts, users, roles, identity providers and the organisation.

Documented, with examples, at :mod:`trustsim.inventory` (which exports these names).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from trustsim import _reprs
from trustsim._collector import collector_paused
from trustsim._org_rules import rcp_allow_problem
from trustsim.callers import IamUser, OrgMembership, Role, RoleSession
from trustsim.errors import TrustsimError
from trustsim.loaders.aws import AuthorizationDetails, RoleDetail, load_authorization_details
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement

__all__ = [
    "FULL_AWS_ACCESS",
    "RCP_FULL_AWS_ACCESS",
    "Account",
    "Inventory",
    "InventoryError",
    "InventoryRole",
    "OrgUnit",
    "Organization",
    "PolicyReader",
]


class InventoryError(TrustsimError, ValueError):
    """An inventory that does not hold together (a principal twice, an unknown OU parent…).

    >>> from trustsim.callers import IamUser
    >>> alice = IamUser("arn:aws:iam::111122223333:user/alice")
    >>> Inventory.build(users=[alice, alice])
    Traceback (most recent call last):
        ...
    trustsim.inventory.model.InventoryError: user arn:aws:iam::111122223333:user/alice appears twice
    """


def _full_access(kind: PolicyKind) -> Policy:
    # The documents of the AWS-managed policies p-FullAWSAccess and p-RCPFullAWSAccess (an
    # RCP statement always names Principal "*").
    star = Principal(star=True) if kind is PolicyKind.RCP else None
    return Policy(
        (Statement(Effect.ALLOW, principal=star, action=("*",), resource=("*",)),),
        version="2012-10-17",
        kind=kind,
        origin="FullAWSAccess" if kind is PolicyKind.SCP else "RCPFullAWSAccess",
    )


#: The SCP AWS attaches to every root, OU and account when SCPs are enabled; it can be
#: detached from a level once another SCP is attached there.
FULL_AWS_ACCESS = _full_access(PolicyKind.SCP)
#: The RCP AWS attaches to every root, OU and account when RCPs are enabled; it cannot be
#: detached, so an RCP level never lacks an Allow (only Deny statements restrict).
RCP_FULL_AWS_ACCESS = _full_access(PolicyKind.RCP)

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_ROOT_ID = re.compile(r"r-[0-9a-z]{4,32}")
_OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")


def _policies(value: Iterable[Policy]) -> tuple[Policy, ...]:
    return tuple(value)


def _units(value: Iterable[OrgUnit]) -> tuple[OrgUnit, ...]:
    return tuple(value)


def _placements(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _attached(value: Mapping[str, Iterable[Policy]]) -> dict[str, tuple[Policy, ...]]:
    return {account: tuple(policies) for account, policies in value.items()}


@attrs.frozen
class OrgUnit:
    """An organisational unit: its ID, its parent (the root ``r-…`` or another OU) and policies.

    >>> OrgUnit("ou-ab12-11111111", parent="r-ab12").parent
    'r-ab12'
    """

    id: str
    parent: str
    scps: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    rcps: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    name: str | None = None


@attrs.frozen
class Organization:
    """An AWS Organization: root, OUs, where each account sits, and the SCPs/RCPs at each level.

    Build it once and hand each account's place to its callers and roles with :meth:`member`
    (``org=org.member("111122223333")``): the path, the SCP levels and the RCP levels are then
    the same for both, as AWS has them.

    ``accounts`` maps each member account to the ID of its parent (the root or an OU);
    ``account_scps`` / ``account_rcps`` hold the policies attached to an account itself. The
    management account is placed under the root when ``accounts`` does not place it.

    Policies are attached as AWS attaches them (Organizations user guide):

    * SCPs: a level given no SCP holds ``FullAWSAccess`` (AWS attaches it by default and every
      level keeps at least one SCP); a level given SCPs holds exactly those — attach
      :data:`FULL_AWS_ACCESS` yourself for a deny-list strategy. Every SCP level must allow.
    * RCPs: every level holds ``RCPFullAWSAccess``, which cannot be detached, plus the RCPs
      given; customer RCPs can only deny ("The effect of Allow is only supported for the
      RCPFullAWSAccess policy"), so only their ``Deny`` statements restrict.
    * An organisation that names no SCP (no RCP) anywhere has them disabled: they restrict
      nothing. Neither restricts the management account.

    Checked at construction: IDs of the right shape, parents that exist, no OU its own
    ancestor, SCP-kind policies among the SCPs and deny-only RCP-kind policies among the RCPs
    (:class:`InventoryError` otherwise; :class:`TypeError` for a value that is not a policy).

    >>> from trustsim.parsing import parse_policy
    >>> deny_outside = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Deny",
    ...     "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*", "Condition": {
    ...         "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
    ...         "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}}, kind="rcp")
    >>> org = Organization("o-a1b2c3d4e5", "r-ab12", management_account="999988887777",
    ...     root_rcps=[deny_outside],
    ...     units=[OrgUnit("ou-ab12-11111111", "r-ab12")],
    ...     accounts={"111122223333": "ou-ab12-11111111"})
    >>> member = org.member("111122223333")
    >>> member.paths
    ('o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',)
    >>> [[p.origin for p in level] for level in member.rcps]
    [['RCPFullAWSAccess', None], ['RCPFullAWSAccess'], ['RCPFullAWSAccess']]
    >>> org.member("999988887777").management_account
    True
    >>> org.membership("444455556666") is None
    True
    >>> org.member("444455556666")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    trustsim.inventory.model.InventoryError: account 444455556666 is not a member of ... o-a1b2c3d4e5 ...
    """

    org_id: str
    root_id: str
    management_account: str | None = None
    root_scps: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    root_rcps: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    units: tuple[OrgUnit, ...] = attrs.field(default=(), converter=_units)
    accounts: Mapping[str, str] = attrs.field(factory=dict, converter=_placements)
    account_scps: Mapping[str, tuple[Policy, ...]] = attrs.field(factory=dict, converter=_attached)
    account_rcps: Mapping[str, tuple[Policy, ...]] = attrs.field(factory=dict, converter=_attached)

    def __attrs_post_init__(self) -> None:
        self._check_ids()
        if self.management_account is not None and self.management_account not in self.accounts:
            placed = {**self.accounts, self.management_account: self.root_id}
            object.__setattr__(self, "accounts", placed)
        known = {self.root_id, *(unit.id for unit in self.units)}
        for unit in self.units:
            if unit.parent not in known:
                raise InventoryError(
                    f"OU {unit.id}: parent {unit.parent!r} is not in the organisation"
                )
        for account, parent in self.accounts.items():
            if parent not in known:
                raise InventoryError(
                    f"account {account}: parent {parent!r} is not in the organisation"
                )
        for account in (*self.account_scps, *self.account_rcps):
            if account not in self.accounts:
                raise InventoryError(
                    f"account {account} has policies but no place in the organisation"
                )
        for unit in self.units:
            self._chain_from(unit.id)  # raises on a cycle
        self._check_kinds()

    def _check_ids(self) -> None:
        shapes = [("organization ID", self.org_id, _ORG_ID), ("root ID", self.root_id, _ROOT_ID)]
        shapes += [("OU ID", unit.id, _OU_ID) for unit in self.units]
        shapes += [("account ID", account, _ACCOUNT_ID) for account in self.accounts]
        if self.management_account is not None:
            shapes.append(("management account", self.management_account, _ACCOUNT_ID))
        for label, value, pattern in shapes:
            if not isinstance(value, str):
                raise TypeError(f"Organization: {label} must be a str, got {type(value).__name__}")
            if not pattern.fullmatch(value):
                raise InventoryError(f"Organization: {value!r} is not a valid {label}")

    def _check_kinds(self) -> None:
        attached: list[tuple[str, tuple[Policy, ...], PolicyKind]] = [
            ("root scps", self.root_scps, PolicyKind.SCP),
            ("root rcps", self.root_rcps, PolicyKind.RCP),
        ]
        for unit in self.units:
            attached += [(f"OU {unit.id} scps", unit.scps, PolicyKind.SCP)]
            attached += [(f"OU {unit.id} rcps", unit.rcps, PolicyKind.RCP)]
        for account, policies in self.account_scps.items():
            attached.append((f"account {account} scps", policies, PolicyKind.SCP))
        for account, policies in self.account_rcps.items():
            attached.append((f"account {account} rcps", policies, PolicyKind.RCP))
        for where, policies, kind in attached:
            for index, policy in enumerate(policies):
                if not isinstance(policy, Policy):
                    raise TypeError(
                        f"Organization: {where}[{index}] must be a Policy, got "
                        f"{type(policy).__name__}"
                    )
                if policy.kind is not kind:
                    raise InventoryError(
                        f"Organization: {where}[{index}] is a {policy.kind.value} policy, not "
                        f"an {kind.value.upper()} (parse it with kind=PolicyKind.{kind.name})"
                    )
                for statement in policy.statements if kind is PolicyKind.RCP else ():
                    problem = rcp_allow_problem(statement)
                    if problem is not None:
                        raise InventoryError(
                            f"Organization: {where}[{index}] {problem.pointer}: {problem.message}"
                        )

    def _chain_from(self, parent: str) -> list[OrgUnit]:
        units = {unit.id: unit for unit in self.units}
        chain: list[OrgUnit] = []
        while parent != self.root_id:
            unit = units[parent]
            if unit in chain:
                raise InventoryError(f"OU {unit.id} is its own ancestor")
            chain.append(unit)
            parent = unit.parent
        return chain[::-1]

    def _chain(self, account_id: str) -> list[OrgUnit]:
        return self._chain_from(self.accounts[account_id])

    def member(self, account_id: str) -> OrgMembership:
        """The account's :class:`~trustsim.callers.OrgMembership`, for its callers and roles.

        Raises:
            InventoryError: the account is not a member of the organisation.
        """
        membership = self.membership(account_id)
        if membership is None:
            members = ", ".join(sorted(self.accounts)) or "none"
            raise InventoryError(
                f"account {account_id} is not a member of organization {self.org_id} "
                f"(members: {members})"
            )
        return membership

    def membership(self, account_id: str) -> OrgMembership | None:
        """The account's :class:`~trustsim.callers.OrgMembership`, or ``None`` if not a member."""
        if account_id not in self.accounts:
            return None
        chain = self._chain(account_id)
        path = f"{self.org_id}/{self.root_id}/" + "".join(f"{unit.id}/" for unit in chain)
        scps = self._levels(
            [self.root_scps, *(u.scps for u in chain), self.account_scps.get(account_id, ())],
            self._uses("scps", "root_scps", "account_scps"),
        )
        rcps = self._rcp_levels(
            [self.root_rcps, *(u.rcps for u in chain), self.account_rcps.get(account_id, ())],
            self._uses("rcps", "root_rcps", "account_rcps"),
        )
        # Keyword arguments through a mapping: mypy's attrs plugin cannot type converter=tuple.
        fields: dict[str, Any] = {"paths": (path,), "scps": scps, "rcps": rcps}
        return OrgMembership(
            self.org_id, management_account=account_id == self.management_account, **fields
        )

    def _uses(self, unit_field: str, root_field: str, account_field: str) -> bool:
        root: tuple[Policy, ...] = getattr(self, root_field)
        accounts: Mapping[str, tuple[Policy, ...]] = getattr(self, account_field)
        return bool(
            root or any(getattr(unit, unit_field) for unit in self.units) or any(accounts.values())
        )

    @staticmethod
    def _levels(levels: list[tuple[Policy, ...]], enabled: bool) -> tuple[tuple[Policy, ...], ...]:
        if not enabled:
            return ()
        return tuple(tuple(level) if level else (FULL_AWS_ACCESS,) for level in levels)

    @staticmethod
    def _rcp_levels(
        levels: list[tuple[Policy, ...]], enabled: bool
    ) -> tuple[tuple[Policy, ...], ...]:
        if not enabled:
            return ()
        return tuple(
            (RCP_FULL_AWS_ACCESS, *(p for p in level if p != RCP_FULL_AWS_ACCESS))
            for level in levels
        )


@attrs.frozen
class Account:
    """An account of the inventory (its name is only for reports).

    >>> Account("111122223333", "prod").name
    'prod'
    """

    account_id: str
    name: str | None = None


@attrs.frozen
class InventoryRole:
    """A role of the inventory: the role to assume, and what its sessions carry as callers.

    ``identity_known`` is false when the source did not list the role's identity policies
    (``get-role`` output): its sessions then have none, and who-can says so.

    >>> from trustsim.model import Policy
    >>> entry = InventoryRole(Role("arn:aws:iam::111122223333:role/ci/build", Policy(())))
    >>> entry.session().session_arn
    'arn:aws:sts::111122223333:assumed-role/build/trustsim'
    """

    role: Role
    policies: tuple[Policy, ...] = attrs.field(default=(), converter=_policies)
    permissions_boundary: Policy | None = None
    identity_known: bool = True
    unresolved_policy_arns: tuple[str, ...] = ()

    @property
    def arn(self) -> str:
        """The role's ARN, path included."""
        return self.role.arn

    @property
    def account_id(self) -> str:
        """The account that owns the role."""
        return self.role.account_id

    @property
    def name(self) -> str:
        """The role's name without its path."""
        return self.role.name

    def session(self, name: str = "trustsim") -> RoleSession:
        """A session of this role as a caller: its policies, boundary, tags and organisation."""
        return RoleSession(
            self.role.arn,
            name,
            policies=self.policies,
            permissions_boundary=self.permissions_boundary,
            role_tags=self.role.tags,
            role_unique_id=self.role.unique_id,
            org=self.role.org,
        )


def _as_entry(role: Role | InventoryRole | RoleDetail) -> InventoryRole:
    if isinstance(role, InventoryRole):
        return role
    if isinstance(role, RoleDetail):
        return InventoryRole(
            role.to_role(),
            role.policies,
            role.permissions_boundary,
            identity_known=role.identity_known,
            unresolved_policy_arns=role.unresolved_policy_arns,
        )
    return InventoryRole(role, identity_known=False)


@attrs.frozen
class Inventory:
    """Accounts, users, roles, identity providers and the organisation, as one immutable value.

    Use :meth:`build` (or :meth:`from_authorization_details`): it applies the organisation to
    every principal of a member account and checks that no principal appears twice.
    Lookups by ARN, account and unique ID are indexed once.

    >>> inventory = Inventory.from_authorization_details({
    ...     "UserDetailList": [{"UserName": "alice", "Path": "/", "UserId": "AIDAEXAMPLEUSERID0001",
    ...         "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": []}],
    ...     "RoleDetailList": [{"RoleName": "deploy", "Path": "/ci/", "RoleId": "AROAEXAMPLEROLEID0001",
    ...         "Arn": "arn:aws:iam::111122223333:role/ci/deploy",
    ...         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...             "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}},
    ...         "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess",
    ...                                      "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}]})
    >>> inventory.account_ids, inventory.by_unique_id("AIDAEXAMPLEUSERID0001").arn
    (('111122223333',), 'arn:aws:iam::111122223333:user/alice')
    >>> inventory.role("arn:aws:iam::111122223333:role/ci/deploy").name
    'deploy'
    >>> print(inventory.notes[0])
    arn:aws:iam::111122223333:role/ci/deploy: attached policy arn:aws:iam::aws:policy/ReadOnlyAccess
    is not in the dump; evaluated without it
    """

    users: tuple[IamUser, ...] = ()
    roles: tuple[InventoryRole, ...] = ()
    accounts: tuple[Account, ...] = ()
    oidc_providers: tuple[str, ...] = ()
    saml_providers: tuple[str, ...] = ()
    organization: Organization | None = None
    notes: tuple[str, ...] = ()
    _users_by_arn: dict[str, IamUser] = attrs.field(init=False, eq=False, repr=False)
    _roles_by_arn: dict[str, InventoryRole] = attrs.field(init=False, eq=False, repr=False)
    _by_unique_id: dict[str, IamUser | InventoryRole] = attrs.field(
        init=False, eq=False, repr=False
    )
    _by_account: dict[tuple[str, str], tuple[list[IamUser], list[InventoryRole]]] = attrs.field(
        init=False, eq=False, repr=False
    )
    _account_set: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        users: dict[str, IamUser] = {}
        roles: dict[str, InventoryRole] = {}
        unique: dict[str, IamUser | InventoryRole] = {}
        by_account: dict[tuple[str, str], tuple[list[IamUser], list[InventoryRole]]] = {}
        for user in self.users:
            if user.arn in users:
                raise InventoryError(f"user {user.arn} appears twice")
            users[user.arn] = user
            if user.unique_id:
                unique[user.unique_id] = user
            by_account.setdefault((user.partition, user.account_id), ([], []))[0].append(user)
        for entry in self.roles:
            if entry.arn in roles:
                raise InventoryError(f"role {entry.arn} appears twice")
            roles[entry.arn] = entry
            if entry.role.unique_id:
                unique[entry.role.unique_id] = entry
            key = (entry.role.partition, entry.account_id)
            by_account.setdefault(key, ([], []))[1].append(entry)
        object.__setattr__(self, "_users_by_arn", users)
        object.__setattr__(self, "_roles_by_arn", roles)
        object.__setattr__(self, "_by_unique_id", unique)
        object.__setattr__(self, "_by_account", by_account)
        # has_account is asked for every account a trust policy names: a set, not a scan.
        object.__setattr__(self, "_account_set", frozenset(a.account_id for a in self.accounts))

    @classmethod
    def build(
        cls,
        *,
        users: Iterable[IamUser] = (),
        roles: Iterable[Role | InventoryRole | RoleDetail] = (),
        accounts: Iterable[Account | str] = (),
        oidc_providers: Iterable[str] = (),
        saml_providers: Iterable[str] = (),
        organization: Organization | None = None,
        notes: Iterable[str] = (),
    ) -> Inventory:
        """An inventory of these principals; the organisation is applied to its members.

        A principal that already carries an ``org`` keeps it. Accounts not listed are added
        from the principals' ARNs.

        >>> from trustsim.callers import IamUser
        >>> org = Organization("o-a1b2c3d4e5", "r-ab12", accounts={"111122223333": "r-ab12"})
        >>> inv = Inventory.build(users=[IamUser("arn:aws:iam::111122223333:user/a")], organization=org)
        >>> inv.users[0].org.org_id
        'o-a1b2c3d4e5'
        """
        memberships: dict[str, OrgMembership | None] = {}

        def org_of(account_id: str) -> OrgMembership | None:
            if organization is None:
                return None
            if account_id not in memberships:
                memberships[account_id] = organization.membership(account_id)
            return memberships[account_id]

        placed_users = [
            u if u.org is not None else attrs.evolve(u, org=org_of(u.account_id)) for u in users
        ]
        placed_roles: list[InventoryRole] = []
        for role in roles:
            entry = _as_entry(role)
            if entry.role.org is None and org_of(entry.account_id) is not None:
                entry = attrs.evolve(
                    entry, role=attrs.evolve(entry.role, org=org_of(entry.account_id))
                )
            placed_roles.append(entry)
        listed = [a if isinstance(a, Account) else Account(a) for a in accounts]
        seen = {a.account_id for a in listed}
        for account_id in [u.account_id for u in placed_users] + [
            r.account_id for r in placed_roles
        ]:
            if account_id not in seen:
                seen.add(account_id)
                listed.append(Account(account_id))
        return cls(
            tuple(placed_users),
            tuple(placed_roles),
            tuple(listed),
            tuple(oidc_providers),
            tuple(saml_providers),
            organization,
            tuple(notes),
        )

    @classmethod
    def from_authorization_details(
        cls,
        *details: AuthorizationDetails | str | os.PathLike[str] | Mapping[str, Any],
        organization: Organization | None = None,
        oidc_providers: Iterable[str] = (),
        saml_providers: Iterable[str] = (),
    ) -> Inventory:
        """An inventory of one or several accounts' ``get-account-authorization-details`` dumps.

        Each argument is one account's dump (loaded, or anything
        :func:`~trustsim.loaders.aws.load_authorization_details` reads). Attached managed
        policies missing from a dump are listed in :attr:`notes`: their effect is unknown, and
        the principals that hold them are evaluated without them.

        Python's cyclic garbage collector is paused while the dumps are loaded and the
        inventory built (the collections their allocations trigger would walk every loaded
        container, for nothing), and left as it was after, raised or not.

        Raises:
            trustsim.errors.InvalidPolicy: a dump holds a policy AWS would refuse.
            InventoryError: a principal appears in two dumps.
        """
        with collector_paused():
            return cls._from_details(details, organization, oidc_providers, saml_providers)

    @classmethod
    def _from_details(
        cls,
        details: Sequence[AuthorizationDetails | str | os.PathLike[str] | Mapping[str, Any]],
        organization: Organization | None,
        oidc_providers: Iterable[str],
        saml_providers: Iterable[str],
    ) -> Inventory:
        loaded = [
            d if isinstance(d, AuthorizationDetails) else load_authorization_details(d)
            for d in details
        ]
        users = [user for dump in loaded for user in dump.users]
        roles = [role for dump in loaded for role in dump.roles]
        holders = [(u.arn, u.unresolved_policy_arns) for u in users]
        holders += [(r.arn, r.unresolved_policy_arns) for r in roles]
        notes = [
            f"{holder}: attached policy {arn} is not in the dump; evaluated without it"
            for holder, missing in holders
            for arn in missing
        ]
        return cls.build(
            users=[user.to_user() for user in users],
            roles=roles,
            accounts=sorted({a for dump in loaded for a in dump.account_ids}),
            oidc_providers=oidc_providers,
            saml_providers=saml_providers,
            organization=organization,
            notes=notes,
        )

    @property
    def account_ids(self) -> tuple[str, ...]:
        """Every account of the inventory, in order of appearance."""
        return tuple(account.account_id for account in self.accounts)

    def user(self, arn: str) -> IamUser:
        """The user with this ARN; :class:`KeyError` if the inventory has none."""
        return self._users_by_arn[arn]

    def role(self, arn: str) -> InventoryRole:
        """The role with this ARN (path included); :class:`KeyError` if the inventory has none."""
        return self._roles_by_arn[arn]

    def find_user(self, arn: str) -> IamUser | None:
        """The user with this ARN, or ``None``."""
        return self._users_by_arn.get(arn)

    def find_role(self, arn: str) -> InventoryRole | None:
        """The role with this ARN, or ``None``."""
        return self._roles_by_arn.get(arn)

    def by_unique_id(self, unique_id: str) -> IamUser | InventoryRole | None:
        """The user or role with this unique ID (``AIDA…``/``AROA…``), or ``None``."""
        return self._by_unique_id.get(unique_id)

    def in_account(
        self, partition: str, account_id: str
    ) -> tuple[Sequence[IamUser], Sequence[InventoryRole]]:
        """The users and roles of one account."""
        return self._by_account.get((partition, account_id), ([], []))

    def has_account(self, account_id: str) -> bool:
        """Whether the inventory describes this account (its principals are all listed)."""
        return account_id in self._account_set

    def merged(self, other: Inventory) -> Inventory:
        """Both inventories as one (the organisation of ``self`` wins when both have one)."""
        return Inventory.build(
            users=(*self.users, *other.users),
            roles=(*self.roles, *other.roles),
            accounts=(*self.accounts, *(a for a in other.accounts if a not in self.accounts)),
            oidc_providers=dict.fromkeys((*self.oidc_providers, *other.oidc_providers)),
            saml_providers=dict.fromkeys((*self.saml_providers, *other.saml_providers)),
            organization=self.organization or other.organization,
            notes=(*self.notes, *other.notes),
        )


#: Reads one policy of an organisation block: (the item as written, its kind, a label).
PolicyReader = Callable[[object, PolicyKind, str], Policy]


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
