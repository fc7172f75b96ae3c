"""Every request a trust policy allows, as a finite list of readable Grants.

:func:`grants` splits the requests of every caller class into cells (:mod:`.cells`), asks
:func:`trustsim.evaluate` about one witness per cell, and merges the allowed cells back into
boxes: a :class:`Grant` is a principal class, an action, and for each slot the regions it
allows, said in words.

>>> from trustsim.parsing import parse_policy
>>> from trustsim.analysis import grants
>>> policy = parse_policy({"Version": "2012-10-17", "Statement": {
...     "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
...     "Condition": {"StringEquals": {"sts:ExternalId": "a8f3c2e1"}}}})
>>> found = grants(policy, role_arn="arn:aws:iam::111122223333:role/vendor")
>>> found.complete
True
>>> for grant in found:
...     print(grant.principal, "|", "; ".join(grant.constraints), "|", grant.caller_policies)
IAM users | aws:PrincipalArn in account 444455556666; sts:ExternalId = "a8f3c2e1" | True
IAM role sessions | aws:PrincipalArn in account 444455556666; sts:ExternalId = "a8f3c2e1" | True
>>> found[0].witness.context["sts:ExternalId"]
('a8f3c2e1',)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from trustsim.analysis.automata import TooLarge
from trustsim.analysis.cells import (
    CallerClass,
    Cell,
    Gap,
    Region,
    Unrealisable,
    caller_classes,
    cells,
    region_of,
    regions,
    witness,
)
from trustsim.callers import IamUser, Role, RoleSession, SamlIdentity, ServicePrincipal, WebIdentity
from trustsim.evaluation import evaluate
from trustsim.model import Policy, PolicyKind
from trustsim.requests import AssumeRoleRequest

__all__ = ["Grant", "Grants", "grants"]

#: Product states one slot's regions may cost, and cells one class may have.
REGION_BUDGET = 20_000
CELL_BUDGET = 20_000
_DEFAULT_ROLE = "arn:aws:iam::111122223333:role/analysed"


@attrs.frozen(eq=False)
class Grant:
    """One box of allowed requests: a caller class, its action, and a constraint per slot.

    Attributes:
        principal: the caller class (``IAM users``, ``web identities of arn:…``…).
        action: the API the class calls.
        constraints: for each constrained slot, the regions allowed, in words.
        witness: a request of the box that :func:`trustsim.evaluate` allows.
        caller_policies: whether the caller's own policies (identity policy, boundary, session
            policy) must allow too — a delegation to an account or a cross-account grant. The
            witness carries an identity policy that allows ``sts:*``.
    """

    principal: str
    action: str
    constraints: tuple[str, ...]
    witness: AssumeRoleRequest
    caller_policies: bool
    caller_class: CallerClass = attrs.field(repr=False)
    regions: tuple[frozenset[int], ...] = attrs.field(repr=False)

    def __str__(self) -> str:
        text = f"{self.principal}, {self.action}: " + (
            "; ".join(self.constraints) if self.constraints else "any request"
        )
        if self.caller_policies:
            text += " [the caller's own policies must allow too]"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the witness as its caller and context)."""
        return {
            "principal": self.principal,
            "action": self.action,
            "constraints": list(self.constraints),
            "caller_policies_must_allow": self.caller_policies,
            "witness": {
                "caller": repr(self.witness.caller),
                "action": self.witness.action,
                "companion_actions": list(self.witness.companion_actions),
                "context": self.witness.context.to_dict(),
            },
        }


@attrs.frozen(eq=False)
class _ClassCells:
    caller_class: CallerClass
    regions: tuple[tuple[Region, ...], ...]
    #: per cell with a witness: the witness's values of the class's unsplit keys
    carried: Mapping[tuple[int, ...], tuple[Any, ...]]


def _carried(caller_class: CallerClass, request: AssumeRoleRequest) -> tuple[Any, ...]:
    """``request``'s values of the keys no slot of ``caller_class`` splits (absent: ``None``)."""
    context = request.context
    return tuple(
        (context.get_values(key), context.is_multivalued(key)) for key in caller_class.unsplit
    )


@attrs.frozen(eq=False)
class Grants(Sequence[Grant]):
    """Every request a trust policy allows, as :class:`Grant` boxes.

    ``complete`` is False when some part of the policy lies outside the decided fragment;
    ``gaps`` then says which part and why. The Grants listed are allowed either way (each
    witness is checked with :func:`trustsim.evaluate`); only the claim "and nothing else" needs
    ``complete``.
    """

    role: Role
    items: tuple[Grant, ...]
    gaps: tuple[Gap, ...]
    cell_count: int = 0
    _classes: tuple[_ClassCells, ...] = attrs.field(default=(), repr=False)

    @property
    def complete(self) -> bool:
        """Whether every allowed request is in some Grant (no gaps)."""
        return not self.gaps

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __iter__(self) -> Iterator[Grant]:
        return iter(self.items)

    def covering(self, request: AssumeRoleRequest) -> Grant | None:
        """The Grant ``request`` falls in, or ``None`` when it falls in none.

        A request falls in a Grant when it lies in one of the Grant's cells: in the cell's
        region of every slot, and carrying the values the cell's witness carries of every key
        the policies test that no slot splits (a key fixed for the class, one its callers
        never carry, or a gap: the witness decided the cell on its own values of those keys).
        Only the trust policy's side is read: a Grant with ``caller_policies`` still needs the
        caller's own policies to allow.
        """
        if not isinstance(request, AssumeRoleRequest):
            raise TypeError(f"covering: request must be an AssumeRoleRequest, got {request!r}")
        for grant in self.items:
            found = grant.caller_class
            if request.action != found.action or not _same_class(found, request):
                continue
            located = self._locate(found, request)
            if located is not None and all(
                index in allowed for index, allowed in zip(located, grant.regions, strict=True)
            ):
                return grant
        return None

    def _locate(
        self, caller_class: CallerClass, request: AssumeRoleRequest
    ) -> tuple[int, ...] | None:
        knobs = {slot.knob for slot in caller_class.slots}
        for action, knob in _COMPANION_KNOBS:
            if action in request.companion_actions and knob not in knobs:
                return None  # no statement names the companion: no Grant holds such requests
        for entry in self._classes:
            if entry.caller_class is caller_class:
                out = []
                for slot, found in zip(caller_class.slots, entry.regions, strict=True):
                    index = region_of(slot, found, request)
                    if index is None:
                        return None
                    out.append(index)
                located = tuple(out)
                if entry.carried.get(located) != _carried(caller_class, request):
                    return None  # a value the cell's witness does not carry: not decided
                return located
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "role": self.role.arn,
            "complete": self.complete,
            "gaps": [{"where": gap.where, "reason": gap.reason} for gap in self.gaps],
            "grants": [grant.to_dict() for grant in self.items],
        }


_COMPANION_KNOBS = (
    ("sts:TagSession", "tags"),
    ("sts:SetSourceIdentity", "source_identity"),
    ("sts:SetContext", "contexts"),
)


def _same_class(caller_class: CallerClass, request: AssumeRoleRequest) -> bool:
    caller = request.caller
    kind = caller_class.kind
    if kind == "user":
        return isinstance(caller, IamUser) and _principal_keys_agree(request, caller.arn)
    if kind == "session":
        return isinstance(caller, RoleSession) and _principal_keys_agree(request, caller.role_arn)
    if kind == "service":
        return isinstance(caller, ServicePrincipal)
    if kind == "web":
        return isinstance(caller, WebIdentity) and caller.provider == caller_class.provider
    return isinstance(caller, SamlIdentity) and caller.provider == caller_class.provider


def _principal_keys_agree(request: AssumeRoleRequest, arn: str) -> bool:
    """Whether the request's principal keys are its IAM caller's own.

    The principal slot reads ``aws:PrincipalArn`` (and ``aws:PrincipalAccount`` through it)
    from the context, the principal element the caller itself: an explicit ``context=``
    entry that tells them apart lies in no cell.
    """
    context = request.context
    return context.get_values("aws:PrincipalArn") == (arn,) and context.get_values(
        "aws:PrincipalAccount"
    ) == (arn.split(":")[4],)


def as_role(
    role_or_policy: Role | Policy, role_arn: str | None, name: str = "role_or_policy"
) -> Role:
    """A role to analyse: the role itself, or the policy as the trust policy of ``role_arn``."""
    if role_arn is not None and not isinstance(role_arn, str):
        raise TypeError(f"role_arn: expected an ARN as text, got {role_arn!r}")
    if isinstance(role_or_policy, Role):
        if role_arn is not None and role_arn != role_or_policy.arn:
            return attrs.evolve(role_or_policy, arn=role_arn)
        return role_or_policy
    if isinstance(role_or_policy, Policy):
        if role_or_policy.kind is not PolicyKind.TRUST:
            raise TypeError(
                f"{name}: expected a trust policy, got a policy of kind "
                f"{role_or_policy.kind.value!r} (only a role's trust policy says who may assume it)"
            )
        return Role(role_arn or _DEFAULT_ROLE, role_or_policy)
    raise TypeError(f"{name}: expected a Role or a trust Policy, got {role_or_policy!r}")


@attrs.frozen(eq=False)
class Decided:
    """The cells of some roles' requests, each decided by :func:`trustsim.evaluate` per role."""

    classes: tuple[_ClassCells, ...]
    #: per class: (cell, witness or None, allowed per role, caller policies needed per role)
    cells: tuple[tuple[Cell, AssumeRoleRequest | None, tuple[bool, ...], tuple[bool, ...]], ...]
    gaps: tuple[Gap, ...]


def decide_cells(roles: Sequence[Role], policies: Sequence[Policy]) -> Decided:
    """Split the requests by every policy's constants and decide each cell for each role."""
    classes, gaps = caller_classes(roles[0], policies)
    out: list[tuple[Cell, AssumeRoleRequest | None, tuple[bool, ...], tuple[bool, ...]]] = []
    kept: list[_ClassCells] = []
    for caller_class in classes:
        try:
            found = tuple(tuple(regions(slot, REGION_BUDGET)) for slot in caller_class.slots)
        except TooLarge as error:
            gaps.append(Gap(caller_class.label, f"too many regions to decide exactly ({error})"))
            continue
        total = 1
        for item in found:
            total *= len(item)
        if total > CELL_BUDGET:
            gaps.append(
                Gap(caller_class.label, f"{total} cells exceed the budget of {CELL_BUDGET}")
            )
            continue
        carried: dict[tuple[int, ...], tuple[Any, ...]] = {}
        for cell in cells(caller_class, found):
            try:
                request = witness(roles[0], cell)
            except Unrealisable as error:
                gaps.append(Gap(caller_class.label, f"a cell has no witness: {error}"))
                continue
            if request is None:
                continue
            carried[cell.index] = _carried(caller_class, request)
            allowed = []
            own = []
            for role in roles:
                concrete = request if role is roles[0] else attrs.evolve(request, role=role)
                verdict = evaluate(concrete).allowed
                allowed.append(verdict)
                if verdict and caller_class.kind in ("user", "session"):
                    # only IAM callers have an identity side (services and federated: none)
                    # The same request from the same caller with no identity policy (the
                    # request context does not depend on the caller's policies).
                    own_side: IamUser | RoleSession = concrete.caller  # type: ignore[assignment]
                    bare = attrs.evolve(concrete, caller=attrs.evolve(own_side, policies=()))
                    own.append(not evaluate(bare).allowed)
                else:
                    own.append(False)
            out.append((cell, request, tuple(allowed), tuple(own)))
        kept.append(_ClassCells(caller_class, found, MappingProxyType(carried)))
    return Decided(tuple(kept), tuple(out), tuple(dict.fromkeys(gaps)))


def _merge(boxes: list[tuple[frozenset[int], ...]]) -> list[tuple[frozenset[int], ...]]:
    """Merge boxes that differ in one slot only, until none do (the union stays the same)."""
    changed = True
    while changed:
        changed = False
        if not boxes:
            return boxes
        for axis in range(len(boxes[0])):
            groups: dict[tuple[frozenset[int], ...], frozenset[int]] = {}
            for box in boxes:
                rest = box[:axis] + box[axis + 1 :]
                groups[rest] = groups.get(rest, frozenset()) | box[axis]
            if len(groups) < len(boxes):
                changed = True
            boxes = [(*rest[:axis], axis_set, *rest[axis:]) for rest, axis_set in groups.items()]
    return boxes


def build_grants(decided: Decided, column: int, role: Role) -> Grants:
    """The Grants of one role from cells decided for several."""
    items: list[Grant] = []
    for entry in decided.classes:
        caller_class = entry.caller_class
        by_flag: dict[bool, list[tuple[frozenset[int], ...]]] = {}
        witnesses: dict[tuple[int, ...], AssumeRoleRequest] = {}
        for cell, request, allowed, own in decided.cells:
            if cell.caller_class is not caller_class or request is None or not allowed[column]:
                continue
            by_flag.setdefault(own[column], []).append(tuple(frozenset({i}) for i in cell.index))
            witnesses[cell.index] = request
        for flag in (False, True):
            for box in sorted(_merge(by_flag.get(flag, [])), key=_box_order):
                first = tuple(min(axis) for axis in box)
                request = witnesses.get(first) or next(
                    req
                    for index, req in witnesses.items()
                    if all(i in a for i, a in zip(index, box, strict=True))
                )
                if request.role is not role:
                    request = attrs.evolve(request, role=role)
                items.append(
                    Grant(
                        caller_class.label,
                        caller_class.action,
                        _describe(caller_class, entry.regions, box),
                        request,
                        flag,
                        caller_class,
                        box,
                    )
                )
    return Grants(role, tuple(items), decided.gaps, len(decided.cells), decided.classes)


def _box_order(box: tuple[frozenset[int], ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(sorted(axis)) for axis in box)


def _describe(
    caller_class: CallerClass, found: Sequence[Sequence[Region]], box: tuple[frozenset[int], ...]
) -> tuple[str, ...]:
    out = []
    for slot, slot_regions, allowed in zip(caller_class.slots, found, box, strict=True):
        if len(allowed) == len(slot_regions):
            continue
        summary = _multi_summary(slot, slot_regions, allowed)
        if summary is None:
            summary = _conjunction(slot, slot_regions, allowed)
        if summary is None:
            texts = [
                _conjunction(slot, slot_regions, frozenset({i})) or slot_regions[i].text
                for i in sorted(allowed)
            ]
            summary = " or ".join(texts)
        out.append(summary)
    return tuple(out)


def _multi_summary(
    slot: Any, slot_regions: Sequence[Region], allowed: frozenset[int]
) -> str | None:
    """A multi-valued key allowed only with one value (alone or as a one-item list)."""
    if not slot.multi:
        return None
    singles: dict[Any, list[int]] = {}
    for index, region in enumerate(slot_regions):
        signature = region.signature
        if isinstance(signature, tuple) and signature and signature[0] == "set":
            members, several = signature[1], signature[2]
            if len(members) == 1 and not several:
                singles.setdefault(next(iter(members)), []).append(index)
    chosen = [sig for sig, indices in singles.items() if set(indices) <= allowed]
    covered = {i for sig in chosen for i in singles[sig]}
    if not chosen or covered != set(allowed):
        return None
    plain = [Region(slot_regions[singles[sig][0]].value, sig, "") for sig in singles]
    fake = attrs.evolve(slot, multi=False, optional=False)
    wanted = frozenset(i for i, sig in enumerate(singles) if sig in chosen)
    text = _conjunction(fake, plain, wanted)
    return None if text is None else f"{text} (one value)"


def _plain(region: Region) -> bool:
    signature = region.signature
    return (
        region.value is not None
        and isinstance(signature, tuple)
        and not (signature and isinstance(signature[0], str))
    )


def _conjunction(slot: Any, slot_regions: Sequence[Region], allowed: frozenset[int]) -> str | None:
    """Say a set of single-value regions as the shortest exact conjunction of constants."""
    if slot.domain is None:
        return None if len(allowed) > 1 else slot_regions[next(iter(allowed))].text
    if not all(_plain(slot_regions[i]) for i in allowed):
        return None if len(allowed) > 1 else slot_regions[next(iter(allowed))].text
    signatures = [slot_regions[i].signature for i in allowed]
    literals: list[tuple[int, bool]] = []
    for position in range(len(slot.languages)):
        answers = {signature[position] for signature in signatures}
        if len(answers) == 1:
            literals.append((position, answers.pop()))
    others = [
        region.signature
        for index, region in enumerate(slot_regions)
        if index not in allowed and _plain(region)
    ]

    def exact(chosen: list[tuple[int, bool]]) -> bool:
        return not any(all(sig[p] == hit for p, hit in chosen) for sig in others)

    if not exact(literals):
        return None
    # drop what the rest implies: negative literals first, then positive ones
    for literal in sorted(literals, key=lambda item: item[1]):
        trial = [item for item in literals if item != literal]
        if exact(trial):
            literals = trial
    optional_absent = slot.optional and not any(slot_regions[i].value is None for i in allowed)
    parts = [
        slot.languages[p].text if hit else f"not {slot.languages[p].text}"
        for p, hit in sorted(literals, key=lambda item: (not item[1], item[0]))
    ]
    if not parts:
        return f"{slot.name} present" if optional_absent else f"{slot.name} any value"
    return f"{slot.name} " + " and ".join(parts)


def grants(role_or_policy: Role | Policy, *, role_arn: str | None = None) -> Grants:
    """Every request the trust policy allows, as :class:`Grants`.

    ``role_or_policy`` is a :class:`trustsim.Role` or a trust :class:`trustsim.Policy` (then
    ``role_arn`` names the role it trusts for; by default a role in account 111122223333).
    """
    role = as_role(role_or_policy, role_arn)
    decided = decide_cells([role], [role.trust_policy])
    return build_grants(decided, 0, role)
