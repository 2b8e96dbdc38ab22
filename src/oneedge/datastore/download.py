"""Images registered from an http(s) URL: size probe and streamed download with progress.

Blocking (the image API runs datastore actions in worker threads). The file
is written under ``<target>.part`` and renamed when complete, so a SOURCE never
names half an image; any failure (HTTP error, connection lost, short body,
disk full) removes the ``.part`` and raises ``DriverError`` with the reason.
"""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from oneedge.datastore.driver import DriverError
from oneedge.datastore.layout import size_mb

#: Called with (bytes so far, total bytes or 0 when the server does not say).
Progress = Callable[[int, int], None]
CHUNK = 1 << 20
#: Seconds a connection may stay silent before the download counts as failed.
READ_TIMEOUT = 30.0
#: Least seconds between two progress reports (the last one is always sent).
REPORT_EVERY = 0.25


def _open(url: str, method: str = "GET") -> http.client.HTTPResponse:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "oneedge"})
    try:
        response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=READ_TIMEOUT)  # noqa: S310
        return response
    except urllib.error.HTTPError as exc:
        raise DriverError(f"Cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DriverError(f"Cannot download {url}: {reason}") from None


def remote_size_mb(url: str) -> int:
    """The size the server announces for ``url`` (HEAD), in MB; 0 when it does not say."""
    with _open(url, "HEAD") as response:
        length = response.headers.get("Content-Length")
    return size_mb(int(length)) if length and length.isdigit() else 0


def download(url: str, target: str, progress: Progress | None = None) -> None:
    """Stream ``url`` into ``target``, reporting progress; nothing is left at ``target`` on failure."""
    part = target + ".part"
    done = 0
    try:
        with _open(url) as response, open(part, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else 0
            reported = 0.0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                now = time.monotonic()
                if progress is not None and now - reported >= REPORT_EVERY:
                    progress(done, total)
                    reported = now
            if total and done != total:
                raise DriverError(f"Cannot download {url}: connection closed after {done} of {total} bytes")
        os.replace(part, target)
    except DriverError:
        _discard(part)
        raise
    except http.client.IncompleteRead as exc:
        _discard(part)
        raise DriverError(f"Cannot download {url}: connection closed after {done + len(exc.partial)} bytes"
                          ) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        _discard(part)
        raise DriverError(f"Cannot download {url}: {getattr(exc, 'strerror', None) or exc}") from None
    if progress is not None:
        progress(done, total or done)


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
