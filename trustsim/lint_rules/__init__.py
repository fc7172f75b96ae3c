"""The trust-policy linter's rules, one family a file (:func:`trustsim.linter.lint` runs them).

``catalogue`` (codes and severities), ``findings`` (:class:`~trustsim.linter.Finding`,
:class:`~trustsim.linter.Witness`), ``knowledge`` (key tables, OIDC subject formats),
``base`` (what every rule family shares), ``witness`` (building outsiders and asking the
evaluator), ``breadth`` (who is admitted), ``structure`` (document, actions, principals),
``conditions`` (operators and qualifiers) and ``keys`` (keys against the statement's actions).
"""
