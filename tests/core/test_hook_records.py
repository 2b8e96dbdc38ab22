"""Hook records: allocate with OpenNebula's checks, info with HOOKLOG, update, rename, lock, delete,
the hook log (one.hooklog.info, one.hook.retry) and the entry points of the hook manager."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from oneedge.nebula import build_core
from oneedge.pool import hook as hooks
from oneedge.pool.hook import HookError, HookType, check_template
from oneedge.rm.api.hook import HookAPI
from oneedge.rm.request import AuthUser, Request
from oneedge.template import parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, LOCKED = 0x200, 0x400, 0x800, 0x2000, 0x8000
API_HOOK = 'NAME = "{name}"\nTYPE = "api"\nCOMMAND = "/bin/log"\nCALL = "one.vm.allocate"\nARGUMENTS = "$API"'



@pytest.fixture(scope="module")
def user(frontend):
    frontend.raw().ok("one.user.allocate", "hookuser", "pw", "", [])
    return frontend.raw("hookuser:pw")


def hook_info(raw, oid: int) -> etree._Element:
    return validate(raw.ok("one.hook.info", oid, False), "hook")


def pool_names(raw) -> list[str]:
    pool = validate(raw.ok("one.hookpool.info", -2, -1, -1), "hook_pool")
    assert all(h.find("HOOKLOG") is None for h in pool)
    return sorted(h.findtext("NAME") for h in pool)


def test_api_hook(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    oid = one.hook.allocate(API_HOOK.format(name="log-vms"))
    hook = hook_info(raw, oid)
    assert (hook.findtext("NAME"), hook.findtext("TYPE")) == ("log-vms", "api")
    template = {child.tag: child.text for child in hook.find("TEMPLATE")}
    assert template == {"ARGUMENTS": "$API", "COMMAND": "/bin/log", "REMOTE": "NO", "CALL": "one.vm.allocate"}
    assert hook.find("HOOKLOG") is not None and len(hook.find("HOOKLOG")) == 0
    assert one.hook.info(oid).TEMPLATE["CALL"] == "one.vm.allocate"
    assert "log-vms" in pool_names(raw)


@pytest.mark.parametrize("text, state, lcm_state", [
    ('RESOURCE = "VM"\nON = "RUNNING"', "ACTIVE", "RUNNING"),
    ('RESOURCE = "VM"\nON = "done"', "DONE", "LCM_INIT"),
    ('RESOURCE = "VM"\nON = "CUSTOM"\nSTATE = "poweroff"\nLCM_STATE = "LCM_INIT"', "POWEROFF", "LCM_INIT"),
    ('RESOURCE = "VM"\nSTATE = "ACTIVE"\nLCM_STATE = "BOOT_FAILURE"', "ACTIVE", "BOOT_FAILURE"),
    ('RESOURCE = "HOST"\nSTATE = "error"', "ERROR", None),
    ('RESOURCE = "IMAGE"\nSTATE = "READY"', "READY", None),
    ('RESOURCE = "NET"\nSTATE = "ERROR"', "ERROR", None),
])
def test_state_hooks(frontend, text, state, lcm_state):
    raw = frontend.raw()
    name = f"state-{abs(hash(text))}"
    oid = raw.ok("one.hook.allocate", f'NAME = "{name}"\nTYPE = "STATE"\nCOMMAND = "notify"\n{text}')
    hook = hook_info(raw, oid)
    assert hook.findtext("TYPE") == "state"
    assert (hook.findtext("TEMPLATE/STATE"), hook.findtext("TEMPLATE/LCM_STATE")) == (state, lcm_state)
    assert hook.find("TEMPLATE/ON") is None


@pytest.mark.parametrize("text, message", [
    ('NAME = "x"\nTYPE = "cron"\nCOMMAND = "c"', "Invalid Hook type: cron"),
    ('TYPE = "api"\nCOMMAND = "c"\nCALL = "one.vm.allocate"', "Invalid name."),
    ('NAME = "a;b"\nTYPE = "api"\nCOMMAND = "c"\nCALL = "one.vm.allocate"', "Invalid name."),
    ('NAME = "x"\nTYPE = "api"\nCALL = "one.vm.allocate"', "No COMMAND in template for Hook."),
    ('NAME = "x"\nTYPE = "api"\nCOMMAND = "c"\nCALL = "one.vm.info"', "not supported: one.vm.info"),
    ('NAME = "x"\nTYPE = "api"\nCOMMAND = "c"\nCALL = "rm -rf"', "not supported: rm -rf"),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"', "RESOURCE attribute is required for STATE hooks."),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "USER"', "Invalid resource type: USER"),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "VM"\nON = "SOON"', "Unknown state condition: SOON"),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "VM"\nSTATE = "ACTIVE"', "Invalid LCM_STATE"),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "HOST"\nSTATE = "MONITORING_INIT"', "Invalid STATE"),
    ('NAME = "x"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "IMAGE"\nSTATE = "INIT"', "Invalid STATE"),
    ('NAME = "x"\nTYPE = [ A = "b" ]', "Invalid Hook type: "),
    ('NAME = "x"\nTYPE = [ A = ', "Parse error"),
])
def test_allocate_refusals_change_nothing(frontend, text, message):
    raw = frontend.raw()
    before = pool_names(raw)
    assert message in raw.fails("one.hook.allocate", text, code=INTERNAL)
    assert pool_names(raw) == before


def test_names_and_authorization(frontend, user):
    raw = frontend.raw()
    oid = raw.ok("one.hook.allocate", API_HOOK.format(name="unique"))
    before = pool_names(raw)
    assert f"NAME is already taken by Hook {oid}." in raw.fails(
        "one.hook.allocate", API_HOOK.format(name="unique"), code=INTERNAL)
    user.fails("one.hook.allocate", API_HOOK.format(name="mine"), code=AUTHORIZATION)
    user.fails("one.hook.info", oid, False, code=AUTHORIZATION)
    user.fails("one.hook.delete", oid, code=AUTHORIZATION)
    user.fails("one.hooklog.info", -1, -1, -1, 0, code=AUTHORIZATION)
    assert validate(user.ok("one.hookpool.info", -2, -1, -1), "hook_pool").find("HOOK") is None
    raw.fails("one.hook.info", 9999, False, code=NO_EXISTS)
    assert pool_names(raw) == before


def test_update_rename(frontend):
    raw = frontend.raw()
    oid = raw.ok("one.hook.allocate", 'NAME = "host-err"\nTYPE = "state"\nCOMMAND = "c"\nRESOURCE = "HOST"\n'
                                      'STATE = "ERROR"\nREMOTE = "yes"')
    assert hook_info(raw, oid).findtext("TEMPLATE/REMOTE") == "YES"
    raw.ok("one.hook.update", oid, 'STATE = "disabled"\nTIMEOUT = "30"', 1)
    hook = hook_info(raw, oid)
    assert (hook.findtext("TEMPLATE/STATE"), hook.findtext("TEMPLATE/TIMEOUT")) == ("DISABLED", "30")
    before = raw.ok("one.hook.info", oid, False)
    assert "Cannot update template. No COMMAND" in raw.fails(
        "one.hook.update", oid, 'RESOURCE = "HOST"\nSTATE = "ERROR"', 0, code=INTERNAL)
    assert "Invalid STATE" in raw.fails("one.hook.update", oid, 'STATE = "GONE"', 1, code=INTERNAL)
    assert raw.ok("one.hook.info", oid, False) == before
    raw.ok("one.hook.rename", oid, "host-error")
    assert hook_info(raw, oid).findtext("NAME") == "host-error"
    other = raw.ok("one.hook.allocate", API_HOOK.format(name="taken"))
    raw.fails("one.hook.rename", oid, "taken", code=ACTION)
    assert hook_info(raw, other).findtext("NAME") == "taken"


def test_lock(frontend):
    raw = frontend.raw()
    oid = raw.ok("one.hook.allocate", API_HOOK.format(name="locked"))
    raw.ok("one.hook.lock", oid, 2, False)
    document = raw.ok("one.hook.info", oid, False)
    # NOTE: oned puts LOCK after TYPE (the CLI reads it) although hook.xsd lacks it:
    # check it, then validate the rest.
    root = etree.fromstring(document.encode())
    assert [child.tag for child in root][:4] == ["ID", "NAME", "TYPE", "LOCK"]
    assert root.findtext("LOCK/LOCKED") == "2"
    root.remove(root.find("LOCK"))
    validate(etree.tostring(root, encoding="unicode"), "hook")
    raw.fails("one.hook.update", oid, 'COMMAND = "x"', 1, code=LOCKED)
    raw.fails("one.hook.delete", oid, code=LOCKED)
    raw.ok("one.hook.unlock", oid)
    raw.ok("one.hook.delete", oid)
    raw.fails("one.hook.info", oid, False, code=NO_EXISTS)


def test_hook_log_and_retry(frontend):
    raw = frontend.raw()
    first = raw.ok("one.hook.allocate", API_HOOK.format(name="logged"))
    second = raw.ok("one.hook.allocate", API_HOOK.format(name="logged-too"))
    with frontend.database() as store, store.write() as conn:
        hooks.record_execution(conn, first, 0, "arg-a", "/bin/log arg-a", "ok\n", "", timestamp=1000)
        hooks.record_execution(conn, first, 1, "arg-b", "/bin/log arg-b", "", "boom\n", remote_host="node1",
                               timestamp=2000)
        hooks.record_execution(conn, second, 0, "arg-c", "/bin/log arg-c", "", "", retry=True, timestamp=3000)

    def runs(*args: int) -> list[tuple[str, str]]:
        log = etree.fromstring(raw.ok("one.hooklog.info", *args).encode())
        assert log.tag == "HOOKLOG"
        return [(r.findtext("HOOK_ID"), r.findtext("EXECUTION_ID")) for r in log]

    f, s = str(first), str(second)
    assert runs(-1, -1, -1, 0) == [(s, "0"), (f, "0"), (f, "1")]
    assert runs(-1, -1, first, 0) == [(f, "0"), (f, "1")]
    assert runs(-1, -1, -1, -1) == [(f, "1")]
    assert runs(-1, -1, -1, 1) == [(s, "0"), (f, "0")]
    assert runs(1000, 3000, -1, 0) == [(f, "1")]
    hook = hook_info(raw, first)
    records = hook.findall("HOOKLOG/HOOK_EXECUTION_RECORD")
    assert [r.findtext("ARGUMENTS") for r in records] == ["arg-a", "arg-b"]
    assert records[1].findtext("EXECUTION_RESULT/STDERR") == "Ym9vbQo="  # base64, as oned stores it
    assert (records[1].findtext("EXECUTION_RESULT/CODE"), records[1].findtext("REMOTE_HOST")) == ("1", "node1")
    assert [child.tag for child in records[1]] == ["HOOK_ID", "EXECUTION_ID", "TIMESTAMP", "ARGUMENTS",
                                                   "EXECUTION_RESULT", "REMOTE_HOST"]
    assert hook_info(raw, second).findtext("HOOKLOG/HOOK_EXECUTION_RECORD/RETRY") == "YES"

    assert "has no execution 7" in raw.fails("one.hook.retry", first, 7, code=INTERNAL)
    raw.fails("one.hook.retry", 9999, 0, code=NO_EXISTS)
    # The hook manager runs execution 1 again, with its arguments, and logs the run as a retry.
    assert raw.ok("one.hook.retry", first, 1) == first
    deadline = time.monotonic() + 10
    while len(records := hook_info(raw, first).findall("HOOKLOG/HOOK_EXECUTION_RECORD")) < 3:
        assert time.monotonic() < deadline, "the retried run was not logged"
        time.sleep(0.02)
    again = records[2]
    assert (again.findtext("EXECUTION_ID"), again.findtext("ARGUMENTS"), again.findtext("RETRY")) == (
        "2", "arg-b", "YES")
    assert again.findtext("EXECUTION_RESULT/COMMAND").startswith("/bin/log")
    assert again.findtext("EXECUTION_RESULT/CODE") != "0"  # /bin/log does not exist

    raw.ok("one.hook.delete", first)
    assert runs(-1, -1, -1, 0) == [(s, "0")]


# -- in process: the hook manager's entry points ---------------------------------------------------
ADMIN = AuthUser(0, 0, frozenset({0}), "oneadmin", "oneadmin")


@pytest.fixture
def hook_api(tmp_path: Path) -> Iterator[HookAPI]:
    core = build_core(tmp_path / "home")
    try:
        yield core.api(HookAPI)
    finally:
        core.store.dispose()


def test_retry_goes_to_the_hook_manager(hook_api):
    req = Request(hook_api.core, ADMIN, "one.hook.retry")
    oid = hook_api.allocate(req, API_HOOK.format(name="again"))
    with hook_api.core.store.write() as conn:
        exe = hook_api.record_execution(conn, oid, 3, "the-args", "/bin/log the-args", "", "", remote_host="node7")
    retried = []
    hook_api.retry_handler = lambda hook, arguments, remote: retried.append((hook.oid, arguments, remote))
    assert hook_api.retry(req, oid, exe) == oid
    assert retried == [(oid, "the-args", "node7")]


def test_log_retention(hook_api):
    req = Request(hook_api.core, ADMIN, "one.hook.allocate")
    oid = hook_api.allocate(req, API_HOOK.format(name="busy"))
    with hook_api.core.store.write() as conn:
        ids = [hook_api.record_execution(conn, oid, 0, str(n), "c", "", "") for n in range(25)]
        with pytest.raises(Exception, match="Error getting hook"):
            hook_api.record_execution(conn, 999, 0, "", "c", "", "")
    assert ids == list(range(25))
    log = etree.fromstring(hook_api.log_info(req, -1, -1, oid, 0).encode())
    assert [int(r.findtext("EXECUTION_ID")) for r in log] == list(range(5, 25))


def test_check_template_normalises():
    template = parse('COMMAND = "c"\nREMOTE = "no"\nRESOURCE = "VM"\nON = "prolog"')
    check_template(template, HookType.STATE)
    assert [(a.name, a.value) for a in template] == [
        ("RESOURCE", "VM"), ("COMMAND", "c"), ("REMOTE", "NO"), ("STATE", "ACTIVE"), ("LCM_STATE", "PROLOG")]
    with pytest.raises(HookError, match="Invalid STATE"):
        check_template(parse('COMMAND = "c"\nRESOURCE = "VM"\nSTATE = "FAILED"\nLCM_STATE = "LCM_INIT"'),
                       HookType.STATE)
