"""Python's cyclic garbage collector paused for a block of work, and left as it was after it.

Loading a dump, building an inventory, answering a batch of who-can queries or linting a
long policy allocates hundreds of thousands of containers that all stay alive while the work
goes on; each collection those allocations trigger walks them all again, for nothing (a
third of loading an 11 MB dump; lint's time grew with the square of the policy through it).
Such work makes no garbage cycles worth collecting early, so it runs inside
:func:`collector_paused`: the collector is off for the block and, raised or not, running
again after it if it was running before (and still off if the caller had turned it off).
Cycles made meanwhile (a bounded memo emptied at its bound can orphan a compiled policy and
the scans that point back at it) are freed by the first collection after the block. Another
thread that turns the collector off meanwhile finds it on again afterwards.

Speed alone: no answer depends on whether the collector ran.

>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block; on again after it if it was on before."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
