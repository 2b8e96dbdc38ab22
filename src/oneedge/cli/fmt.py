"""Value formatting shared by tables and ``show``: sizes, times, periods, permissions."""

from __future__ import annotations

import time

SUFFIXES = ("K", "M", "G", "T")
RIGHTS = ("u", "m", "a")
ROLES = ("OWNER", "GROUP", "OTHER")


def unit(value: float, base: str = "K", kilobytes: bool = False) -> str:
    """``2048`` MB -> ``2G``: divide by 1024 while above it, one decimal, as OpenNebula's CLI."""
    if kilobytes:
        return str(int(value))
    i = SUFFIXES.index(base)
    while value > 1024 and i < len(SUFFIXES) - 1:
        value /= 1024.0
        i += 1
    value = round(value * 10) / 10.0
    number = str(int(value)) if value == int(value) else str(value)
    return number + SUFFIXES[i]


def period(seconds: int, with_seconds: bool = False) -> str:
    """``3d 04h05m`` (``3d 04h05m06s``), the VM list's TIME column."""
    minutes, secs = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if with_seconds:
        return f"{days:3d}d {hours:02d}h{minutes:02d}m{secs:02d}s"
    return f"{days:3d}d {hours:02d}h{minutes:02d}m"


def timestamp(epoch: int | str, seconds: bool = True, years: bool = False) -> str:
    """``04/27 12:00:01`` in local time; ``-`` for 0 (never happened)."""
    value = int(epoch or 0)
    if value == 0:
        return "-"
    pattern = ("%m/%d/%y" if years else "%m/%d") + (" %H:%M:%S" if seconds else " %H:%M")
    return time.strftime(pattern, time.localtime(value))


def yes_no(flag: str) -> str:
    return "Yes" if flag.strip() == "1" else "No"


def rights(permissions: dict[str, str], role: str) -> str:
    """``um-`` for one role of a PERMISSIONS element given as a dict of its children."""
    return "".join(r if permissions.get(f"{role}_{r.upper()}") == "1" else "-" for r in RIGHTS)


def octet(spec: str) -> list[int]:
    """``640`` -> the nine 0/1 values of ``one.*.chmod`` (owner u,m,a; group u,m,a; other u,m,a)."""
    if len(spec) != 3 or any(c not in "01234567" for c in spec):
        raise ValueError(f"bad octet {spec!r}: expected three digits 0-7, such as 640")
    bits = []
    for digit in spec:
        n = int(digit)
        bits += [n >> 2 & 1, n >> 1 & 1, n & 1]
    return bits


def size_mb(spec: str) -> int:
    """``10G`` -> 10240, ``512`` or ``512M`` -> 512, ``1T`` -> 1048576 (OpenNebula's size option)."""
    s = spec.strip().lower()
    factor = 1
    for suffix, mult in (("tb", 1 << 20), ("t", 1 << 20), ("gb", 1024), ("g", 1024), ("mb", 1), ("m", 1)):
        if s.endswith(suffix):
            s, factor = s[: -len(suffix)], mult
            break
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"bad size {spec!r}: expected a number with an optional M, G or T") from None
    import math

    return math.ceil(value * factor)
