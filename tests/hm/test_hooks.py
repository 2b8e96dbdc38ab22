"""Hooks run by a real front-end: API hooks with arguments or stdin, failures, timeouts, retry, reload."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from lxml import etree

from support.frontend import Frontend, Raw

T = TypeVar("T")


def wait_for(probe: Callable[[], T], timeout: float = 15) -> T:
    """Poll ``probe`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, "condition not met in time"
            return value
        time.sleep(0.05)


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def records(raw: Raw, hook_id: int) -> list[etree._Element]:
    hook = etree.fromstring(raw.ok("one.hook.info", hook_id).encode())
    return hook.findall("HOOKLOG/HOOK_EXECUTION_RECORD")


def allocate_hook(raw: Raw, text: str) -> int:
    return raw.ok("one.hook.allocate", text)


@pytest.fixture
def raw(frontend: Frontend) -> Raw:
    return frontend.raw()


def test_api_hook_gets_the_call_info_as_argument(raw: Raw, tmp_path: Path) -> None:
    out = tmp_path / "args"
    command = script(tmp_path, "record.sh", f'echo "$@" > {out}; echo done')
    hook = allocate_hook(raw, f'NAME = "on-cluster"\nTYPE = api\nCALL = "one.cluster.allocate"\n'
                              f'COMMAND = "{command}"\nARGUMENTS = "$API extra"')
    cluster = raw.ok("one.cluster.allocate", "hooked")
    (record,) = wait_for(lambda: records(raw, hook))
    encoded, extra = out.read_text().split()
    info = etree.fromstring(base64.b64decode(encoded))
    assert extra == "extra"
    assert [p.findtext("VALUE") for p in info.iterfind("PARAMETERS/PARAMETER")][1:3] == ["hooked", "1"]
    assert info.findtext("PARAMETERS/PARAMETER[TYPE='OUT'][POSITION='2']/VALUE") == str(cluster)
    result = record.find("EXECUTION_RESULT")
    assert result.findtext("CODE") == "0" and result.findtext("COMMAND") == str(command)
    assert base64.b64decode(result.findtext("STDOUT")) == b"done\n"
    assert record.findtext("ARGUMENTS") == f"{encoded} extra"
    log = etree.fromstring(raw.ok("one.hooklog.info", -1, -1, hook, 0).encode())
    assert [r.findtext("HOOK_ID") for r in log] == [str(hook)]


def test_arguments_on_stdin_and_failures_are_logged(raw: Raw, tmp_path: Path) -> None:
    out = tmp_path / "stdin"
    command = script(tmp_path, "fail.sh", f'cat > {out}; echo "bad thing" >&2; exit 3')
    hook = allocate_hook(raw, f'NAME = "stdin"\nTYPE = api\nCALL = "one.group.allocate"\nCOMMAND = "{command}"\n'
                              f'ARGUMENTS = "$API"\nARGUMENTS_STDIN = "yes"')
    raw.ok("one.group.allocate", "g-stdin")
    (record,) = wait_for(lambda: records(raw, hook))
    info = etree.fromstring(base64.b64decode(out.read_text()))
    assert info.tag == "CALL_INFO"
    result = record.find("EXECUTION_RESULT")
    assert result.findtext("CODE") == "3"
    assert base64.b64decode(result.findtext("STDERR")) == b"bad thing\n"
    failed = etree.fromstring(raw.ok("one.hooklog.info", -1, -1, hook, -1).encode())
    assert len(failed) == 1
    assert len(etree.fromstring(raw.ok("one.hooklog.info", -1, -1, hook, 1).encode())) == 0


def test_a_hung_hook_is_killed_at_its_timeout(raw: Raw, tmp_path: Path) -> None:
    command = script(tmp_path, "hang.sh", "sleep 60")
    hook = allocate_hook(raw, f'NAME = "hang"\nTYPE = api\nCALL = "one.user.allocate"\nCOMMAND = "{command}"\n'
                              f'TIMEOUT = "1"')
    started = time.monotonic()
    raw.ok("one.user.allocate", "hung", "pw", "", [])
    (record,) = wait_for(lambda: records(raw, hook))
    assert time.monotonic() - started < 10
    assert record.findtext("EXECUTION_RESULT/CODE") == "124"
    assert b"Timeout" in base64.b64decode(record.findtext("EXECUTION_RESULT/STDERR"))


def test_retry_runs_the_logged_execution_again(raw: Raw, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    command = script(tmp_path, "count.sh", f'echo "$@" >> {out}')
    hook = allocate_hook(raw, f'NAME = "retry"\nTYPE = api\nCALL = "one.vn.allocate"\nCOMMAND = "{command}"\n'
                              f'ARGUMENTS = "fixed $API"')
    raw("one.vn.allocate", "NAME = broken", -1)  # a failed call triggers its API hooks too
    (first,) = wait_for(lambda: records(raw, hook))
    assert raw.ok("one.hook.retry", hook, int(first.findtext("EXECUTION_ID"))) == hook
    runs = wait_for(lambda: len(records(raw, hook)) == 2 and records(raw, hook))
    assert runs[1].findtext("RETRY") == "YES"
    assert runs[1].findtext("ARGUMENTS") == first.findtext("ARGUMENTS")
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and lines[0] == lines[1]
    assert "has no execution 99" in raw.fails("one.hook.retry", hook, 99, code=0x2000)


def test_hooks_follow_updates_and_deletions_without_restart(raw: Raw, tmp_path: Path) -> None:
    out = tmp_path / "calls"
    command = script(tmp_path, "calls.sh", f'echo "$1" >> {out}')
    hook = allocate_hook(raw, f'NAME = "moving"\nTYPE = api\nCALL = "one.datastore.allocate"\n'
                              f'COMMAND = "{command}"\nARGUMENTS = "first"')
    raw.ok("one.hook.update", hook, f'CALL = "one.secgroup.allocate"\nCOMMAND = "{command}"\nARGUMENTS = "second"')
    raw.ok("one.secgroup.allocate", 'NAME = "sg-hooked"')
    wait_for(lambda: len(records(raw, hook)) == 1)
    assert out.read_text() == "second\n"
    raw.ok("one.hook.delete", hook)
    other = allocate_hook(raw, f'NAME = "after"\nTYPE = api\nCALL = "one.secgroup.allocate"\n'
                               f'COMMAND = "{command}"\nARGUMENTS = "third"')
    raw.ok("one.secgroup.allocate", 'NAME = "sg-hooked-2"')
    wait_for(lambda: records(raw, other))
    assert out.read_text() == "second\nthird\n"


def test_state_hook_gets_the_vm_document(raw: Raw, tmp_path: Path) -> None:
    out = tmp_path / "vm"
    command = script(tmp_path, "vm.sh", f'echo "$1" > {out}')
    hook = allocate_hook(raw, f'NAME = "running"\nTYPE = state\nRESOURCE = VM\nON = RUNNING\n'
                              f'COMMAND = "{command}"\nARGUMENTS = "$TEMPLATE"')
    host = raw.ok("one.host.allocate", "hooked-host", "dummy", "dummy", -1)
    wait_for(lambda: etree.fromstring(raw.ok("one.host.info", host).encode()).findtext("STATE") == "2")
    vm = raw.ok("one.vm.allocate", 'NAME = "hooked"\nCPU = 0.1\nMEMORY = 32', True)
    raw.ok("one.vm.deploy", vm, host, False, -1, "")
    (record,) = wait_for(lambda: records(raw, hook))
    document = etree.fromstring(base64.b64decode(out.read_text().strip()))
    assert document.tag == "VM" and document.findtext("ID") == str(vm)
    assert (document.findtext("STATE"), document.findtext("LCM_STATE")) == ("3", "3")
    assert record.findtext("EXECUTION_RESULT/CODE") == "0"
