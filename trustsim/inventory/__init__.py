"""Account inventories: accounts, users, roles, identity providers and the organisation, as one value.

The values are :mod:`trustsim.inventory.model`'s; reading inventory files and organisation
blocks is :mod:`trustsim.inventory.files`'s. Everything is exported here: each module's
``__all__`` is its list of public names, and this package's is theirs together.

An :class:`Inventory` is what "who can assume this role?" (:mod:`trustsim.whocan`) searches:
every IAM user (an :class:`~trustsim.callers.IamUser` with its policies) and every role (an
:class:`InventoryRole`: the :class:`~trustsim.callers.Role` to assume, plus the identity
policies and boundary its sessions carry as callers), in one or several accounts, with the
organisation's SCPs and RCPs applied to each principal of its member accounts.

Build it by hand with :meth:`Inventory.build`, or from account dumps with
:meth:`Inventory.from_authorization_details` (several accounts merge).

>>> from trustsim.callers import IamUser, Role
>>> from trustsim.parsing import parse_policy
>>> trust = parse_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
...     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "sts:AssumeRole"}})
>>> inventory = Inventory.build(
...     users=[IamUser("arn:aws:iam::111122223333:user/alice")],
...     roles=[Role("arn:aws:iam::111122223333:role/deploy", trust)])
>>> inventory.account_ids, len(inventory.users), inventory.role("arn:aws:iam::111122223333:role/deploy").name
(('111122223333',), 1, 'deploy')
"""

from trustsim.inventory import files, model
from trustsim.inventory.files import *  # noqa: F403 - exactly files.__all__
from trustsim.inventory.model import *  # noqa: F403 - exactly model.__all__

__all__ = model.__all__ + files.__all__
