"""Errors of onecfg; each names the file and the operation that failed."""

from __future__ import annotations


class OnecfgError(Exception):
    """Any onecfg failure; ``str()`` is the one line shown to the user."""


class FileReadError(OnecfgError):
    """A configuration file cannot be read or parsed."""


class PatchError(OnecfgError):
    """A change cannot be applied: the customized file conflicts with it."""


class DescriptorError(OnecfgError):
    """An upgrade descriptor is malformed or does not fit the configuration."""
