"""Python's cyclic garbage collector paused while a large value is built, as it was after.

Loading a dump, building an inventory or answering a batch of who-can queries allocates
hundreds of thousands of containers that all stay alive while the work goes on; each
collection those allocations trigger walks them all, for nothing (a third of loading an
11 MB dump). Such work makes no garbage cycles worth collecting early, so it runs inside
:func:`collector_paused`: the collector is off for the block and, raised or not, running
again after it if it was running before (and still off if the caller had turned it off).
Another thread that turns the collector off meanwhile finds it on again afterwards.

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
