"""The one error type of the command line tools."""

from __future__ import annotations


class CliError(Exception):
    """A failure to report as one line on stderr, exiting with ``status``.

    ``status`` is 255 (OpenNebula's CLI exits with -1) unless stated: 2 for
    bad usage, as argparse does.
    """

    def __init__(self, message: str, status: int = 255) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())
        self.status = status


class ApiError(CliError):
    """The front-end answered ``[false, message, code]``; ``code`` is OpenNebula's error code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
