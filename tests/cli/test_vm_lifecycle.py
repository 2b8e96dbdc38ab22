"""onevm actions on a dummy host: real state changes, ``--wait`` until the state is
reached, a progress line on a terminal and silence without one."""

from __future__ import annotations

import json

from support.cli import BIN, pty_run, strip_ansi


def _state(cli, vid):
    vm = json.loads(cli.ok("onevm", "show", str(vid), "-j"))["VM"]
    return vm["STATE"], vm["LCM_STATE"]


def test_actions_reach_their_states_with_wait(cli):
    cli.new_id("onehost", "create", "h1", "--im", "dummy", "--vm", "dummy")
    vid = cli.new_id("onevm", "create", "--name", "life", "--cpu", "0.1", "--memory", "64", "--hold")
    assert cli.ok("onevm", "deploy", "life", "h1", "--wait") == ""
    assert _state(cli, vid) == ("3", "3")
    assert cli.ok("onevm", "list", "-l", "NAME,STAT,HOST", "--no-header").split() == ["life", "runn", "h1"]
    cli.ok("onevm", "poweroff", "life", "--wait")
    assert _state(cli, vid)[0] == "8"
    cli.ok("onevm", "resume", "life", "--wait")
    assert _state(cli, vid)[0] == "3"
    cli.ok("onevm", "suspend", "life", "--wait")
    assert _state(cli, vid)[0] == "5"
    cli.ok("onevm", "resume", "life", "--wait")
    cli.ok("onevm", "undeploy", "life", "--hard", "--wait")
    assert _state(cli, vid)[0] == "9"
    cli.ok("onevm", "terminate", "life", "--hard", "--wait")
    assert _state(cli, vid)[0] == "6"


def test_wait_shows_progress_on_a_terminal_only(cli):
    # The dummy driver takes DUMMY_DELAY seconds per action: long enough to show progress.
    slow = ("onevm", "create", "-", "--cpu", "0.1", "--memory", "64", "--hold")
    vid = cli.new_id(*slow, "--name", "tty", input='DUMMY_DELAY="0.3"\n')
    status, out = pty_run([str(BIN / "onevm"), "deploy", str(vid), "h1", "--wait"], cli.env, 100)
    assert status == 0, out
    assert f"VM {vid}: waiting for RUNNING (" in strip_ansi(out) and "\r\33[K" in out
    assert _state(cli, vid) == ("3", "3")
    done = cli.run("onevm", "poweroff", str(vid), "--wait")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert _state(cli, vid)[0] == "8"


def test_wait_ends_on_failure_with_one_line(cli):
    vid = cli.new_id("onevm", "create", "-", "--name", "bad", "--cpu", "0.1", "--memory", "64", "--hold",
                     input='DUMMY_FAIL="deploy"\n')
    line = cli.fails("onevm", "deploy", "bad", "h1", "--wait")
    assert line.startswith(f"VM {vid}: is ") and line.endswith(", not RUNNING"), line
    assert _state(cli, vid)[0] in ("3", "7")
