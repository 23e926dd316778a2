"""glibc's malloc arenas, capped in the server's worker processes.

glibc gives each thread that finds the others' arenas busy an arena of its own, and
memory freed in one stays with it: with 8 request threads a worker held 9 arenas and
7-16 MiB more than with 2 (bench/README.md, "Memory"). Python's own allocator serves
the small objects under the GIL anyway, so a few arenas cost no throughput. The cap is
set at run time (`mallopt`), because a gunicorn worker is forked, not started: the
`MALLOC_ARENA_MAX` variable is read only when a program starts.
"""

from __future__ import annotations

import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap this process's malloc arenas at `arenas` before its threads start; True if
    set. Nothing is done where `MALLOC_ARENA_MAX` is set already (the operator's
    choice), or where the C library is not glibc (musl, macOS)."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc
        return False
