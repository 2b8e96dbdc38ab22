"""Running a hook's command: locally in a shell, or on a host through its transport.

As OpenNebula's executor does, COMMAND is a shell command line; a relative
one is found in the hooks directory (``<home>/remotes/hooks`` locally,
``<remote_dir>/hooks`` on hosts); arguments are appended, or written to
stdin with ARGUMENTS_STDIN. A command outliving its TIMEOUT is killed with
its whole process group and reported as rc 124 ("timeout" in stderr), so
the execution log shows it as a failure like any other.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from oneedge.hm.hooks_match import HookRule

#: rc of a run killed at its TIMEOUT (as timeout(1) answers).
TIMEOUT_RC = 124
#: Transports need a time limit; a remote hook without TIMEOUT gets a day.
REMOTE_TIMEOUT = 24 * 3600.0
#: rc of a run that could not start (no such command, host unreachable...), as a shell answers.
NOT_RUN_RC = 127


@dataclass(frozen=True)
class Outcome:
    rc: int
    stdout: str
    stderr: str


def command_line(rule: HookRule, base: str, params: str) -> str:
    command = rule.command if rule.command.startswith("/") else f"{base}/{rule.command}"
    return f"{command} {params}" if params and not rule.stdin else command


async def run_local(rule: HookRule, params: str, hooks_dir: Path) -> Outcome:
    line = command_line(rule, shlex.quote(str(hooks_dir)), params)
    process = await asyncio.create_subprocess_shell(
        line, stdin=asyncio.subprocess.PIPE if rule.stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)
    try:
        _, out, err, _ = await asyncio.wait_for(asyncio.gather(
            _feed(process.stdin, params.encode()), process.stdout.read(), process.stderr.read(),  # type: ignore[union-attr]
            process.wait()),
            rule.timeout)
    except (asyncio.TimeoutError, asyncio.CancelledError) as exc:
        _kill_group(process.pid)
        await process.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return Outcome(TIMEOUT_RC, "", f"Timeout executing {line} after {rule.timeout:g} s")
    return Outcome(process.returncode if process.returncode is not None else NOT_RUN_RC,
                   out.decode(errors="replace"), err.decode(errors="replace"))


async def _feed(stream: asyncio.StreamWriter | None, data: bytes) -> None:
    """Write the arguments to the command's stdin; a command may exit without reading them."""
    if stream is None:
        return
    try:
        stream.write(data)
        await stream.drain()
    except (BrokenPipeError, ConnectionResetError, RuntimeError):
        pass  # NOTE: uvloop reports writing to an exited child as RuntimeError
    finally:
        stream.close()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


async def run_remote(rule: HookRule, params: str, host: str, transports: Any | None) -> Outcome:
    """On ``host`` through ``transports`` (``oneedge.drivers.transport_factory.Transports``)."""
    from oneedge.drivers.transport import ActionTimeout, TransportError

    if not host:
        return Outcome(NOT_RUN_RC, "", "No remote host specified for a remote hook.")
    if transports is None:
        return Outcome(NOT_RUN_RC, "", "No host transport in this front-end: cannot run a remote hook.")
    transport = transports.for_host(host)
    base = str(PurePosixPath(transport.remotes.remote_dir) / "hooks")
    line = command_line(rule, shlex.quote(base), params)
    try:
        result = await transport.run(["sh", "-c", line], stdin=params.encode() if rule.stdin else None,
                                     timeout=rule.timeout or REMOTE_TIMEOUT)
    except ActionTimeout:
        return Outcome(TIMEOUT_RC, "", f"Timeout executing {line} on {host} after {rule.timeout:g} s")
    except TransportError as exc:
        return Outcome(NOT_RUN_RC, "", str(exc))
    return Outcome(result.rc, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"))
