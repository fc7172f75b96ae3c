"""Cache and fast-path behaviour: what trustsim's speed code remembers, and that it never decides.

The only tests allowed to touch a private cache or memo (``trustsim._memo``, a module's bounded
tables, the fast path's switches). Every other folder tests through the public API, and the
whole suite must pass the same with ``TRUSTSIM_FRESH_CACHES=1`` or ``TRUSTSIM_NO_FAST_PATH=1``;
some tests here pin the caches themselves (what is kept, for how long) and so hold only with
the caches on.
"""
