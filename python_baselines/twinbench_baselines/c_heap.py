"""What tracemalloc cannot see, for the memory figures (``footprint``,
``memory``): bytes in use on the C heap, and the process's peak resident
memory."""

import ctypes


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


def malloc_in_use():
    """Bytes currently allocated through malloc (arena and mmap'd chunks,
    glibc ``mallinfo2``), or None off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def _status_bytes(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return None


def reset_peak_resident():
    """Sets the peak resident size (``VmHWM``) to the current one; returns
    the current resident bytes, or None where Linux's ``clear_refs`` is not
    available."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return _status_bytes("VmRSS")
    except OSError:
        return None


def peak_resident():
    """The peak resident size since the last reset, or None off Linux."""
    try:
        return _status_bytes("VmHWM")
    except OSError:
        return None
