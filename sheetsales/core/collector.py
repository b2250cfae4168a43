"""Pausing Python's cyclic garbage collector around bulk work.

Deals, findings, planned cells and written rows hold no reference cycles, but allocating
100k of them triggers repeated full collector passes over everything made so far: about a
third of the time of a large check and a fifth of a run. Reference counting alone frees
them, so the collector rests while they are made."""

import contextlib
import gc


@contextlib.contextmanager
def paused():
    """Disable the collector inside the block; nested blocks leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
