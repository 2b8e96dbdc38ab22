"""The transport contract, run on LocalTransport and on SSHTransport against a real sshd."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import pytest

from oneedge.drivers.transport import ActionTimeout, Remotes, Transport, TransportError
from oneedge.drivers.transport_keys import front_end_key
from oneedge.drivers.transport_local import LocalTransport
from oneedge.drivers.transport_ssh import SSHTransport
from support.sshd import Sshd, process_gone, running_sshd

T = TypeVar("T")
MakeTransport = Callable[[Path], Transport]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("frontend")
    front_end_key(path)
    return path


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Iterator[Sshd]:
    public = (home / ".ssh" / "id_ed25519.pub").read_text()
    with running_sshd(tmp_path_factory.mktemp("sshd"), "127.0.0.1", [public]) as server:
        yield server


@pytest.fixture
def remotes(tmp_path: Path) -> Path:
    """A small remotes tree: one action script and a library file."""
    tree = tmp_path / "remotes"
    (tree / "vmm" / "test").mkdir(parents=True)
    script = tree / "vmm" / "test" / "hello"
    script.write_text('#!/bin/sh\necho "hello $1 from $(dirname "$0")"\n')
    script.chmod(0o755)
    (tree / "vmm" / "test" / "lib.txt").write_text("library\n")
    return tree


@pytest.fixture(params=["local", "ssh"])
def make(request: pytest.FixtureRequest, home: Path, remotes: Path) -> MakeTransport:
    """Builds the transport under test with its remotes copied to ``remote_dir``."""
    if request.param == "local":
        return lambda remote_dir: LocalTransport("localhost", Remotes(remotes, PurePosixPath(remote_dir)))
    server: Sshd = request.getfixturevalue("sshd")
    return lambda remote_dir: SSHTransport("127.0.0.1", Remotes(remotes, PurePosixPath(remote_dir)),
                                           home=home, user="root", port=server.port)


async def using(transport: Transport, body: Callable[[Transport], Coroutine[Any, Any, T]]) -> T:
    try:
        return await body(transport)
    finally:
        await transport.close()


def test_run_reports_rc_stdout_stderr_with_args_and_stdin(make: MakeTransport, tmp_path: Path) -> None:
    argv = ["sh", "-c", 'cat; echo "$1|$2" >&2; exit 3', "sh"]
    result = run(using(make(tmp_path / "one"),
                       lambda t: t.run(argv, ["two words", "it's"], stdin=b"in\x00put\n", timeout=10)))
    assert (result.rc, result.stdout, result.stderr) == (3, b"in\x00put\n", b"two words|it's\n")
    assert not result.ok


def test_argv_runs_without_a_shell(make: MakeTransport, tmp_path: Path) -> None:
    result = run(using(make(tmp_path / "one"), lambda t: t.run(["echo", "$HOME", ";", "*", "`id`"], timeout=10)))
    assert result.ok and result.stdout == b"$HOME ; * `id`\n"


def test_no_stdin_reads_end_of_file(make: MakeTransport, tmp_path: Path) -> None:
    result = run(using(make(tmp_path / "one"), lambda t: t.run(["cat"], timeout=10)))
    assert (result.rc, result.stdout) == (0, b"")


def test_large_output_is_complete(make: MakeTransport, tmp_path: Path) -> None:
    result = run(using(make(tmp_path / "one"), lambda t: t.run(["head", "-c", "3000000", "/dev/zero"], timeout=20)))
    assert result.ok and len(result.stdout) == 3_000_000


def test_missing_command_answers_127(make: MakeTransport, tmp_path: Path) -> None:
    result = run(using(make(tmp_path / "one"), lambda t: t.run(["/nonexistent/oneedge-cmd"], timeout=10)))
    assert result.rc == 127 and b"oneedge-cmd" in result.stderr


def test_timeout_kills_the_whole_process_group(make: MakeTransport, tmp_path: Path) -> None:
    script = 'sleep 60 & echo $!; echo $$; wait'
    started = time.monotonic()
    with pytest.raises(ActionTimeout) as caught:
        run(using(make(tmp_path / "one"), lambda t: t.run(["sh", "-c", script], timeout=1)))
    assert time.monotonic() - started < 4
    assert "timeout" in str(caught.value) and "still running after 1 s" in str(caught.value)
    pids = [int(line) for line in caught.value.stdout.split()]
    assert len(pids) == 2, caught.value.stdout
    deadline = time.monotonic() + 5
    while not all(process_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[p for p in pids if not process_gone(p)]}"
        time.sleep(0.02)


def test_a_cancelled_command_is_killed(make: MakeTransport, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    async def body(t: Transport) -> int:
        running = asyncio.create_task(t.run(["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"], timeout=20))
        deadline = time.monotonic() + 5
        while not pid_file.exists() or not pid_file.read_text().endswith("\n"):
            assert time.monotonic() < deadline, "the command never started"
            await asyncio.sleep(0.02)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        return int(pid_file.read_text())

    pid = run(using(make(tmp_path / "one"), body))
    deadline = time.monotonic() + 20  # the kill goes over a new SSH channel: slow on a loaded host
    while not process_gone(pid):
        assert time.monotonic() < deadline, f"{pid} still running"
        time.sleep(0.02)


def test_a_timeout_is_not_a_failure(make: MakeTransport, tmp_path: Path) -> None:
    # A command that fails quickly is a Result; only one outliving its timeout raises.
    result = run(using(make(tmp_path / "one"), lambda t: t.run(["false"], timeout=5)))
    assert result.rc == 1


def test_put_and_get_files_and_trees(make: MakeTransport, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"alpha\n")
    (source / "sub" / "run.sh").write_text("#!/bin/sh\n")
    (source / "sub" / "run.sh").chmod(0o750)
    on_host = PurePosixPath(tmp_path / "host" / "deep" / "tree")
    back = tmp_path / "back"

    async def body(t: Transport) -> None:
        await t.put(source / "a.txt", on_host.parent / "a-copy.txt", timeout=10)
        await t.put(source, on_host, timeout=10)
        await t.put(source, on_host, timeout=10)  # again: merges, no nesting
        await t.get(on_host, back / "tree", timeout=10)
        await t.get(on_host.parent / "a-copy.txt", back / "a.txt", timeout=10)

    run(using(make(tmp_path / "one"), body))
    assert Path(on_host.parent / "a-copy.txt").read_bytes() == b"alpha\n"
    assert sorted(p.relative_to(back / "tree").as_posix() for p in (back / "tree").rglob("*")) == [
        "a.txt", "sub", "sub/run.sh"]
    assert (back / "tree" / "sub" / "run.sh").stat().st_mode & 0o777 == 0o750
    assert (back / "a.txt").read_bytes() == b"alpha\n"


def test_copy_of_a_missing_file_fails_clearly(make: MakeTransport, tmp_path: Path) -> None:
    missing = PurePosixPath(tmp_path / "nothing-here")
    with pytest.raises(TransportError, match="nothing-here"):
        run(using(make(tmp_path / "one"), lambda t: t.get(missing, tmp_path / "x", timeout=10)))


def test_sync_remotes_copies_only_a_new_version(make: MakeTransport, remotes: Path, tmp_path: Path) -> None:
    remote_dir = PurePosixPath(tmp_path / "var" / "one")

    async def body(t: Transport) -> list[bool]:
        copied = [await t.sync_remotes(remotes, remote_dir), await t.sync_remotes(remotes, remote_dir)]
        (remotes / "vmm" / "test" / "lib.txt").unlink()
        (remotes / "vmm" / "test" / "new.txt").write_text("new\n")
        copied.append(await t.sync_remotes(remotes, remote_dir))
        copied.append(await t.sync_remotes(remotes, remote_dir))
        return copied

    assert run(using(make(tmp_path / "one"), body)) == [True, False, True, False]
    on_host = Path(remote_dir)
    assert sorted(p.name for p in (on_host / "vmm" / "test").iterdir()) == ["hello", "new.txt"]
    assert os.access(on_host / "vmm" / "test" / "hello", os.X_OK)
    assert not Path(f"{remote_dir}.new").exists()


def test_running_a_script_syncs_the_remotes_first(make: MakeTransport, tmp_path: Path) -> None:
    remote_dir = tmp_path / "var" / "tmp" / "one"

    async def body(t: Transport) -> bytes:
        first = await t.run("vmm/test/hello", ["vm-7"], timeout=10)
        again = await t.run("vmm/test/hello", ["vm-8"], timeout=10)
        return first.stdout + again.stdout

    assert run(using(make(remote_dir), body)) == (f"hello vm-7 from {remote_dir}/vmm/test\n"
                                                  f"hello vm-8 from {remote_dir}/vmm/test\n").encode()


@pytest.mark.parametrize("script", ["../etc/passwd", "/bin/true", ""])
def test_a_script_path_stays_inside_the_remotes(make: MakeTransport, tmp_path: Path, script: str) -> None:
    with pytest.raises(ValueError, match="remotes script"):
        run(using(make(tmp_path / "one"), lambda t: t.run(script, timeout=10)))
