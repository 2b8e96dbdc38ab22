"""The driver actions on one VM: each takes its Runtime and JSON request, answers a JSON value.

A failure raises ActionError (or LaunchError/QmpError) with the user's message.
Actions that end QEMU (shutdown, cancel, save, migrate, cleanup) also remove
its runtime files and cgroup, whether QEMU went cleanly or had to be killed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from kvmhost import accel
from kvmhost.launch import launch, plug
from kvmhost.qmp import Qmp, QmpError
from kvmhost.runtime import Runtime

#: QEMU run states (query-status) as the VM states a poll reports.
POLL_STATES = {"running": "RUNNING", "paused": "SUSPENDED", "suspended": "SUSPENDED", "prelaunch": "SUSPENDED",
               "inmigrate": "RUNNING", "postmigrate": "RUNNING", "finish-migrate": "RUNNING",
               "save-vm": "RUNNING", "restore-vm": "RUNNING", "shutdown": "POWEROFF",
               "guest-panicked": "FAILURE", "internal-error": "FAILURE", "io-error": "FAILURE"}


class ActionError(RuntimeError):
    """The action failed on the host; the message is for the user."""


def _running(runtime: Runtime) -> int:
    pid = runtime.pid()
    if pid is None:
        raise ActionError("VM is not running on this host (no QEMU process)")
    return pid


def _wait_migration(qmp: Qmp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = qmp.command("query-migrate")
        status = info.get("status", "none")
        if status == "completed":
            return
        if status in ("failed", "cancelled"):
            raise ActionError(f"migration {status}: {info.get('error-desc', 'no reason given')}")
        time.sleep(0.02)
    qmp.command("migrate_cancel")
    raise ActionError(f"migration did not complete in {timeout:g} s, cancelled")


def _finish(runtime: Runtime, qmp: Qmp | None, grace: float = 10) -> None:
    """Quit QEMU (killing it if it will not go) and remove its runtime files."""
    pid = runtime.pid()
    if pid is not None and qmp is not None:
        try:
            qmp.command("quit")
        except (QmpError, OSError):
            pass
        if not runtime.wait_gone(pid, grace):
            runtime.kill()
    runtime.kill()
    runtime.clean()


def deploy(runtime: Runtime, request: dict[str, Any]) -> Any:
    return launch(runtime, request)


def shutdown(runtime: Runtime, request: dict[str, Any]) -> Any:
    """ACPI power button; QEMU exits when the guest powers off. After the timeout: hard."""
    pid = runtime.pid()
    if pid is None:
        runtime.clean()
        return {"hard": False}
    timeout = float(request.get("timeout", 60))
    with Qmp(runtime.qmp) as qmp:
        qmp.command("system_powerdown")
    if runtime.wait_gone(pid, timeout):
        runtime.clean()
        return {"hard": False}
    if not request.get("hard_after_timeout", True):
        raise ActionError(f"the guest did not power off within {timeout:g} s")
    runtime.kill()
    runtime.clean()
    return {"hard": True}


def cancel(runtime: Runtime, request: dict[str, Any]) -> Any:
    runtime.kill()
    runtime.clean()
    return {}


cleanup = cancel


def reboot(runtime: Runtime, request: dict[str, Any]) -> Any:
    """A graceful reboot: the guest shuts down on the power button, QEMU holds it and resets it."""
    _running(runtime)
    timeout = float(request.get("timeout", 60))
    with Qmp(runtime.qmp) as qmp:
        qmp.command("set-action", shutdown="pause")
        try:
            qmp.command("system_powerdown")
            if qmp.wait_event({"SHUTDOWN"}, timeout) is None:
                raise ActionError(f"the guest did not shut down for its reboot within {timeout:g} s")
            qmp.command("system_reset")
            qmp.command("cont")
        finally:
            qmp.command("set-action", shutdown="poweroff")
    return {}


def reset(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    with Qmp(runtime.qmp) as qmp:
        qmp.command("system_reset")
    return {}


def poll(runtime: Runtime, request: dict[str, Any]) -> Any:
    if runtime.pid() is None:
        return {"state": "POWEROFF"}
    try:
        with Qmp(runtime.poll_qmp, timeout=3) as qmp:
            status = qmp.command("query-status")["status"]
    except (QmpError, OSError):
        return {"state": "UNKNOWN"}
    return {"state": POLL_STATES.get(status, "UNKNOWN"), "status": status}


def save(runtime: Runtime, request: dict[str, Any]) -> Any:
    """Stop the guest, write its memory to the checkpoint file, end QEMU."""
    _running(runtime)
    checkpoint = request["checkpoint"]
    with Qmp(runtime.qmp) as qmp:
        qmp.command("stop")
        fd = os.open(checkpoint, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            qmp.command("getfd", fds=[fd], fdname="checkpoint")
        finally:
            os.close(fd)
        try:
            qmp.command("migrate", uri="fd:checkpoint")
            _wait_migration(qmp, float(request.get("timeout", 300)))
        except BaseException:
            qmp.command("cont")
            raise
        _finish(runtime, qmp)
    return {}


def restore(runtime: Runtime, request: dict[str, Any]) -> Any:
    """Start QEMU waiting for a migration (``-incoming defer``), feed it the checkpoint, go."""
    checkpoint = request["checkpoint"]
    if not os.path.exists(checkpoint):
        raise ActionError(f"missing checkpoint file {checkpoint}")
    started = launch(runtime, request, run=False)
    try:
        with Qmp(runtime.qmp) as qmp:
            fd = os.open(checkpoint, os.O_RDONLY)
            try:
                qmp.command("getfd", fds=[fd], fdname="checkpoint")
            finally:
                os.close(fd)
            qmp.command("migrate-incoming", uri="fd:checkpoint")
            deadline = time.monotonic() + float(request.get("timeout", 300))
            while qmp.command("query-status")["status"] == "inmigrate":
                if time.monotonic() > deadline:
                    raise ActionError("restoring the checkpoint did not finish in time")
                time.sleep(0.02)
            if qmp.command("query-migrate").get("status") != "completed":
                raise ActionError("the checkpoint could not be loaded")
            qmp.command("cont")
    except BaseException:
        runtime.kill()
        runtime.clean()
        raise
    os.unlink(checkpoint)
    return started


def migrate_receive(runtime: Runtime, request: dict[str, Any]) -> Any:
    """Destination side of a live migration: QEMU listening; answers the port it listens on."""
    started = launch(runtime, request, run=False)
    try:
        with Qmp(runtime.qmp) as qmp:
            qmp.command("migrate-incoming", uri=f"tcp:{request.get('listen', '0.0.0.0')}:0")
            for address in qmp.command("query-migrate").get("socket-address", []):
                if address.get("port"):
                    return {**started, "port": int(address["port"])}
        raise ActionError("QEMU did not say which port it listens on for the migration")
    except BaseException:
        runtime.kill()
        runtime.clean()
        raise


def migrate(runtime: Runtime, request: dict[str, Any]) -> Any:
    """Source side: send the running VM to ``request["uri"]``; on success this QEMU ends."""
    _running(runtime)
    with Qmp(runtime.qmp) as qmp:
        qmp.command("migrate", uri=request["uri"])
        _wait_migration(qmp, float(request.get("timeout", 600)))
        _finish(runtime, qmp)
    return {}


def _hmp(runtime: Runtime, line: str) -> None:
    with Qmp(runtime.qmp, timeout=300) as qmp:
        output = qmp.command("human-monitor-command", **{"command-line": line}).strip()
    if output:
        raise ActionError(output.splitlines()[-1])


def snapshot_create(runtime: Runtime, request: dict[str, Any]) -> Any:
    """An internal snapshot (memory and every qcow2 disk) named ``request["name"]``."""
    _running(runtime)
    _hmp(runtime, f"savevm {request['name']}")
    return {"name": request["name"]}


def snapshot_revert(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    _hmp(runtime, f"loadvm {request['name']}")
    return {}


def snapshot_delete(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    _hmp(runtime, f"delvm {request['name']}")
    return {}


def _unplug(qmp: Qmp, device: str, timeout: float) -> None:
    qmp.command("device_del", id=device)
    if qmp.wait_event({"DEVICE_DELETED"}, timeout) is None:
        raise ActionError(f"the guest did not release {device} within {timeout:g} s")


def attach_disk(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    if not os.path.exists(request["file"]):
        raise ActionError(f"missing image file {request['file']}")
    with Qmp(runtime.qmp) as qmp:
        qmp.command("blockdev-add", **request["blockdev"])
        try:
            qmp.command("device_add", **request["device"])
        except QmpError:
            qmp.command("blockdev-del", **{"node-name": request["blockdev"]["node-name"]})
            raise
    return {}


def detach_disk(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    with Qmp(runtime.qmp) as qmp:
        _unplug(qmp, request["device"], float(request.get("timeout", 30)))
        qmp.command("blockdev-del", **{"node-name": request["node"]})
    return {}


def attach_nic(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    with Qmp(runtime.qmp) as qmp:
        qmp.command("netdev_add", **request["netdev"])
        try:
            plug(request.get("bridges", {}))
            qmp.command("device_add", **request["device"])
        except BaseException:
            qmp.command("netdev_del", id=request["netdev"]["id"])
            raise
    return {}


def detach_nic(runtime: Runtime, request: dict[str, Any]) -> Any:
    _running(runtime)
    with Qmp(runtime.qmp) as qmp:
        _unplug(qmp, request["device"], float(request.get("timeout", 30)))
        qmp.command("netdev_del", id=request["netdev"])
    return {}


def acceleration(runtime: Runtime | None, request: dict[str, Any]) -> Any:
    return accel.acceleration(refresh=bool(request.get("refresh")))
