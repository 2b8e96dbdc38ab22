"""Quota sections of user and group documents.

oneedge does not enforce quotas yet; documents carry the empty sections the
XSDs place there, so clients that read them find what they expect.
"""

from __future__ import annotations

_SECTIONS = ("DATASTORE_QUOTA", "NETWORK_QUOTA", "VM_QUOTA", "IMAGE_QUOTA")


def empty_quotas(wrapper: str | None = None) -> str:
    inner = "".join(f"<{tag}/>" for tag in _SECTIONS)
    return f"<{wrapper}>{inner}</{wrapper}>" if wrapper else inner
