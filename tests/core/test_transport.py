"""The XML-RPC transport under bad input, concurrency and restarts."""

from __future__ import annotations

import http.client
import threading
import xmlrpc.client

import pytest

from support import frontend as fe

API, INTERNAL, NO_EXISTS = 0x1000, 0x2000, 0x400


def post(frontend, body: bytes, path: str = "/RPC2", method: str = "POST") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", frontend.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "text/xml"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def fault_of(body: bytes) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(body)
    return info.value


def user_count(frontend) -> int:
    return frontend.raw().ok("one.userpool.info").count("<USER>")


@pytest.mark.parametrize("body", [
    b"",
    b"not xml at all",
    b"<?xml version='1.0'?><methodCall><methodName>one.user.info</methodName><params>",
    b"<methodCall><params><param><value><int>1</int></value></param></params></methodCall>",
    b"<methodCall><methodName>one.user.info</methodName><params><param><value><int>xx</int></value></param></params></methodCall>",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
    b"<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]><methodCall><methodName>&c;</methodName></methodCall>",
])
def test_malformed_bodies_get_a_fault(frontend, body):
    before = user_count(frontend)
    status, answer = post(frontend, body)
    assert status == 200
    fault = fault_of(answer)
    assert fault.faultCode in (-32700, -32600, -32601)
    assert fault.faultString
    assert user_count(frontend) == before


def test_unknown_method_and_wrong_arguments(frontend):
    session = frontend.session
    calls = [
        (("one.nothing.here", session), -32601, "Unknown method"),
        (("one.user.info", session, "zero", False), -32602, "argument 2 must be int, got string"),
        (("one.user.info",), -32602, "session string"),
        (("one.user.info", 7, 0), -32602, "session string"),
        (("one.user.allocate", session, "x"), -32602, "expected 2 to 4 arguments"),
        (("one.user.enable", session, 0, 1), -32602, "argument 3 must be boolean"),
    ]
    for (name, *params), code, text in calls:
        status, answer = post(frontend, xmlrpc.client.dumps(tuple(params), name).encode())
        fault = fault_of(answer)
        assert (status, fault.faultCode) == (200, code), answer
        assert text in fault.faultString


def test_http_errors(frontend):
    assert post(frontend, b"", path="/other")[0] == 404
    assert post(frontend, b"", method="GET")[0] == 405


def test_oversized_request_is_refused_and_nothing_changes(frontend):
    before = user_count(frontend)
    huge = "x" * (16 * 1024 * 1024 + 10)
    status, answer = post(frontend, xmlrpc.client.dumps((frontend.session, "big", huge, "", []), "one.user.allocate").encode())
    assert status == 413
    assert b"MESSAGE_SIZE" in answer
    assert user_count(frontend) == before
    assert frontend.raw().ok("one.system.version") == "6.10.0"


def test_broken_templates_change_nothing(frontend):
    raw = frontend.raw()
    before = raw.ok("one.user.info", 0, False)
    for text in ('A = [ B = "1"', "<TEMPLATE><A>1</TEMPLATE>", "= 3", "A = [ = 1 ]"):
        message = raw.fails("one.user.update", 0, text, 1, code=INTERNAL)
        assert "Parse error" in message
    assert raw.ok("one.user.info", 0, False) == before


def test_64_concurrent_clients_allocate_unique_ids(frontend):
    ids: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(64)

    def client(n: int) -> None:
        raw = frontend.raw()
        barrier.wait()
        for k in range(3):
            result = raw("one.group.allocate", f"par-{n}-{k}")
            with lock:
                (ids.append(result[1]) if result[0] else errors.append(str(result)))
            info = raw("one.group.info", result[1], False) if result[0] else [False]
            if not info[0]:
                with lock:
                    errors.append(f"info of {result} failed: {info}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ids) == len(set(ids)) == 192
    pool = frontend.raw().ok("one.grouppool.info")
    for oid in ids:
        assert f"<ID>{oid}</ID>" in pool


def test_restart_keeps_objects_and_ids(tmp_path):
    home = tmp_path / "home"
    first = fe.start(home)
    try:
        raw = first.raw()
        uid = raw.ok("one.user.allocate", "persisted", "pw", "", [])
        gid = raw.ok("one.group.allocate", "kept")
        raw.ok("one.user.delete", raw.ok("one.user.allocate", "gone", "pw", "", []))
        session = first.session
    finally:
        assert first.stop() == 0
    second = fe.start(home)
    try:
        assert second.session == session
        raw = second.raw()
        assert "<NAME>persisted</NAME>" in raw.ok("one.user.info", uid, False)
        assert "<NAME>kept</NAME>" in raw.ok("one.group.info", gid, False)
        assert raw.ok("one.user.allocate", "next", "pw", "", []) == uid + 2
        assert second.pyone("persisted:pw").user.info(-1).ID == uid
    finally:
        assert second.stop() == 0


def test_sigint_stops_cleanly(tmp_path):
    import signal

    running = fe.start(tmp_path / "home")
    assert running.stop(signal.SIGINT) == 0


def test_bad_config_is_refused_with_a_clear_message(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "oned.conf").write_text('PORT = "not-a-number"\n')
    with pytest.raises(RuntimeError) as info:
        fe.start(home)
    assert "PORT must be an integer" in str(info.value)
    (home / "oned.conf").write_text('DB = [ BACKEND = "mysql" ]\n')
    with pytest.raises(RuntimeError) as info:
        fe.start(home)
    assert "unknown DB BACKEND 'mysql'" in str(info.value)


def test_the_cli_finds_a_running_frontend_without_credentials(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    running = fe.start(tmp_path / "home")
    try:
        announcement = running.runtime_dir / "oneedge" / "frontend"
        assert announcement.read_text().splitlines() == [running.url,
                                                         str(running.home)]
        env = {k: v for k, v in os.environ.items() if k not in ("ONE_XMLRPC", "ONE_AUTH")}
        env.update(XDG_RUNTIME_DIR=str(running.runtime_dir), HOME=str(tmp_path))
        result = subprocess.run([str(Path(sys.executable).with_name("oneuser")), "list", "--csv"],
                                env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert "oneadmin" in result.stdout
    finally:
        assert running.stop() == 0
    assert not announcement.exists()
