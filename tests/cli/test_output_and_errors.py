"""Shared list options, output formats, and the one-line errors (bad options, unreachable
front-end, wrong password, no credentials)."""

from __future__ import annotations

import os
import subprocess
import sys

from support.cli import BIN, pty_run, strip_ansi, table

from oneedge.cli import discovery


def test_list_options(cli):
    cli.new_id("onevm", "create", "--name", "alpha", "--cpu", "1", "--memory", "256", "--hold")
    cli.new_id("onevm", "create", "--name", "beta", "--cpu", "2", "--memory", "2048", "--hold")
    assert table(cli.ok("onevm", "list", "-l", "ID,NAME,CPU"))[0] == ["ID", "NAME", "CPU"]
    assert [r[1] for r in table(cli.ok("onevm", "list", "-l", "ID,NAME", "--no-header"))] == ["beta", "alpha"] or \
        sorted(r[1] for r in table(cli.ok("onevm", "list", "-l", "ID,NAME", "--no-header"))) == ["alpha", "beta"]
    assert [r[1] for r in table(cli.ok("onevm", "list", "-l", "ID,NAME", "--filter", "CPU>1", "--no-header"))] == ["beta"]
    assert [r[1] for r in table(cli.ok("onevm", "list", "-l", "ID,NAME", "-f", "NAME~alp", "--no-header"))] == ["alpha"]
    csv = cli.ok("onevm", "list", "--csv", "-l", "NAME,MEM").splitlines()
    assert csv[0] == "NAME,MEM" and "beta,2G" in csv
    assert "CPU" in cli.ok("onevm", "list", "--describe")
    assert cli.ok("onevm", "list", "-x").startswith("<VM_POOL>")
    assert cli.ok("onevm", "list", "-y").startswith("---\nVM_POOL:")
    assert cli.ok("onevm", "list", "mine", "--no-header")
    assert cli.fails("onevm", "list", "-l", "NOPE", status=2).startswith("Column NOPE not defined.")
    assert cli.fails("onevm", "list", "-f", "NOPE=1", status=2).startswith("Column NOPE not defined.")


def test_bad_usage_is_one_line_with_status_2(cli):
    assert "unrecognized arguments: --bogus" in cli.fails("onehost", "list", "--bogus", status=2)
    assert "invalid choice: 'explode'" in cli.fails("onevm", "explode", status=2)
    assert cli.fails("onevm", "chmod", "0", "999", status=2).startswith("bad octet")
    assert "Examples:" in cli.ok("onevm", "terminate", "--help")
    for tool in ("onevm", "onehost", "onetemplate", "oneimage", "onevnet", "onevntemplate", "onedatastore",
                 "onecluster", "oneuser", "onegroup", "onesecgroup", "onemarket", "onemarketapp", "onehook"):
        assert "list" in cli.ok(tool, "--help")


def test_unreachable_wrong_password_and_no_credentials(cli, tmp_path):
    line = cli.fails("onevm", "list", "--endpoint", "http://127.0.0.1:1/RPC2")
    assert line == "Could not connect to the front-end at http://127.0.0.1:1/RPC2: Connection refused"
    assert "authenticated" in cli.fails("onevm", "list", env={"ONE_AUTH": str(_auth(tmp_path, "oneadmin:bad"))})
    assert cli.fails("onevm", "list", env={"ONE_AUTH": str(tmp_path / "missing")}).startswith("No credentials")
    assert cli.fails("onevm", "list", "--endpoint", "ftp://x").startswith("Bad endpoint")


def _auth(tmp_path, secret):
    path = tmp_path / "auth"
    path.write_text(secret + "\n")
    return path


def test_discovery_finds_an_announced_frontend(cli, frontend, tmp_path):
    env = dict(cli.env)
    env.pop("ONE_XMLRPC")
    env.pop("ONE_AUTH")
    run = str(tmp_path / "run")
    sub = f"from oneedge.cli import discovery; discovery.announce({frontend.url!r}, {str(frontend.home)!r})"
    subprocess.run([sys.executable, "-c", sub], env={**env, "XDG_RUNTIME_DIR": run}, check=True)
    with open(f"{run}/oneedge/frontend") as file:
        assert file.read() == f"{frontend.url}\n{frontend.home.resolve()}\n"
    done = subprocess.run([str(BIN / "onecluster"), "list"], env={**env, "XDG_RUNTIME_DIR": run},
                          capture_output=True, text=True)
    assert done.returncode == 0 and "default" in done.stdout, done.stderr
    sub = f"from oneedge.cli import discovery; discovery.withdraw({frontend.url!r})"
    subprocess.run([sys.executable, "-c", sub], env={**env, "XDG_RUNTIME_DIR": run}, check=True)
    assert not os.path.exists(f"{run}/oneedge/frontend")
    done = subprocess.run([str(BIN / "onecluster"), "list"], env={**env, "XDG_RUNTIME_DIR": run},
                          capture_output=True, text=True)
    assert done.returncode == 255 and done.stderr.startswith("No credentials")


def test_discovery_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("ONE_XMLRPC", raising=False)
    monkeypatch.delenv("ONE_AUTH", raising=False)
    assert discovery.discover().endpoint == discovery.DEFAULT_ENDPOINT
    home = tmp_path / "fe"
    home.mkdir()
    (home / "one_auth").write_text("oneadmin:x\n")
    discovery.announce("http://127.0.0.1:9/RPC2", home)
    target = discovery.discover()
    assert (target.endpoint, target.secret) == ("http://127.0.0.1:9/RPC2", "oneadmin:x")
    (tmp_path / ".one").mkdir()
    (tmp_path / ".one" / "one_auth").write_text("me:pw\n")
    assert discovery.discover().secret == "me:pw"
    monkeypatch.setenv("ONE_XMLRPC", "http://other:2633/RPC2")
    assert discovery.discover().endpoint == "http://other:2633/RPC2"
    discovery.withdraw("http://elsewhere/RPC2")
    assert discovery.announced() is not None
    discovery.withdraw()
    assert discovery.announced() is None


def test_list_fits_the_terminal(cli):
    cli.new_id("onevm", "create", "--name", "a-rather-long-virtual-machine-name", "--cpu", "1", "--memory", "64",
               "--hold")
    for columns in (120, 60):
        status, out = pty_run([str(BIN / "onevm"), "list"], cli.env, columns)
        assert status == 0, out
        lines = out.replace("\r\n", "\n").rstrip("\n").split("\n")
        plain = [strip_ansi(line) for line in lines]
        assert all(len(line) <= columns for line in plain), plain
        assert plain[0].split()[:2] == ["ID", "USER"]
        assert "\33[1m\33[4m" in lines[0], "header is bold and underlined on a terminal"
        assert any("\33[33mhold" in line for line in lines[1:]), "states are colored"
        if columns == 120:
            assert len(plain[0]) == 120, "expanding columns fill the terminal"
            assert any("a-rather-long-virtual-machine-name" in line for line in plain)


