"""Images registered from an http URL: progress on the image, failures leave ERROR and no file."""

from __future__ import annotations

import http.server
import os
import threading
import time
from collections.abc import Iterator

import pytest

from support.xsd import validate

ALLOCATE = 0x4000
READY, LOCKED, ERROR = 1, 4, 5
MB = 1024 * 1024
IMAGE = bytes(range(256)) * (4 * MB // 256)


class Server(http.server.ThreadingHTTPServer):
    #: Set by the test once it saw the download's progress: the second half may go.
    go_on: threading.Event


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _head(self) -> bool:
        if self.path not in ("/image.raw", "/broken.raw"):
            self.send_error(404)
            return False
        self.send_response(200)
        self.send_header("Content-Length", str(len(IMAGE)))
        self.end_headers()
        return True

    def do_HEAD(self) -> None:
        self._head()

    def do_GET(self) -> None:
        if not self._head():
            return
        half = len(IMAGE) // 2
        self.wfile.write(IMAGE[:half])
        self.wfile.flush()
        if self.path == "/broken.raw":
            return  # the connection closes with half the announced bytes
        self.server.go_on.wait(10)
        self.wfile.write(IMAGE[half:])


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.go_on = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.go_on.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def image(raw, oid: int):
    return validate(raw.ok("one.image.info", oid, False), "image")


def wait(raw, oid: int, until, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not until(found := image(raw, oid)):
        assert time.monotonic() < deadline, "image never got there"
        time.sleep(0.02)
    return found


def test_download_reports_progress_then_the_image_is_ready(frontend, server):
    raw = frontend.raw()
    oid = raw.ok("one.image.allocate", f'NAME = "web"\nPATH = "{url(server, "/image.raw")}"', 1, False)
    assert int(image(raw, oid).findtext("SIZE")) == 4
    half = wait(raw, oid, lambda doc: doc.findtext("TEMPLATE/DOWNLOAD_PROGRESS"))
    assert int(half.findtext("STATE")) == LOCKED
    done, total = map(int, half.findtext("TEMPLATE/DOWNLOAD_PROGRESS").split("/"))
    assert total == len(IMAGE) and 0 < done < total
    server.go_on.set()
    ready = wait(raw, oid, lambda doc: int(doc.findtext("STATE")) != LOCKED)
    assert int(ready.findtext("STATE")) == READY, ready.findtext("TEMPLATE/ERROR")
    assert ready.find("TEMPLATE/DOWNLOAD_PROGRESS") is None
    source = ready.findtext("SOURCE")
    with open(source, "rb") as handle:
        assert handle.read() == IMAGE
    assert ready.findtext("FORMAT") == "raw" and int(ready.findtext("SIZE")) == 4
    assert not [n for n in os.listdir(os.path.dirname(source)) if n.endswith(".part")]


def test_a_broken_download_leaves_the_image_in_error_and_no_file(frontend, server):
    raw = frontend.raw()
    ds_dir = frontend.home / "datastores" / "1"
    before = set(os.listdir(ds_dir)) if ds_dir.exists() else set()
    oid = raw.ok("one.image.allocate", f'NAME = "broken"\nPATH = "{url(server, "/broken.raw")}"', 1, False)
    failed = wait(raw, oid, lambda doc: int(doc.findtext("STATE")) != LOCKED)
    assert int(failed.findtext("STATE")) == ERROR
    assert "connection closed after" in failed.findtext("TEMPLATE/ERROR")
    assert failed.find("TEMPLATE/DOWNLOAD_PROGRESS") is None
    assert set(os.listdir(ds_dir)) == before
    raw.ok("one.image.delete", oid)


def test_an_unreachable_url_is_refused_at_once(frontend, server):
    raw = frontend.raw()
    assert "HTTP 404" in raw.fails("one.image.allocate", f'NAME = "nope"\nPATH = "{url(server, "/nope")}"', 1,
                                   False, code=ALLOCATE)
    closed = url(server, "/image.raw").replace(str(server.server_address[1]), "1")
    assert "Cannot download" in raw.fails("one.image.allocate", f'NAME = "nope"\nPATH = "{closed}"', 1, False,
                                          code=ALLOCATE)
