"""Programmatic migrators beside a descriptor, and the pre-upgrade snapshot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from oneedge.template import parse

ONECFG = str(Path(sys.executable).with_name("onecfg"))


def onecfg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ONECFG, *args, "--unprivileged"], capture_output=True, text=True, timeout=60)


def tree(root: Path, oned: str) -> Path:
    (root / "etc" / "one").mkdir(parents=True)
    (root / "etc" / "one" / "oned.conf").write_text(oned)
    return root


def step(tmp_path: Path, old: str, new: str) -> Path:
    """A descriptors folder with the generated 1.0.0_to_2.0.0 step between two pristine trees."""
    descriptors = tmp_path / "descriptors"
    descriptors.mkdir()
    done = onecfg("generate", "--from", str(tree(tmp_path / "old", old)), "--to", str(tree(tmp_path / "new", new)),
                  "--from-version", "1.0.0", "--to-version", "2.0.0",
                  "--output", str(descriptors / "1.0.0_to_2.0.0.yaml"))
    assert done.returncode == 0, done.stderr
    return descriptors


def test_migrator_moves_what_the_diff_cannot(tmp_path):
    descriptors = step(tmp_path, 'PORT = 2633\nOLD_TIMEOUT = 10\n', 'PORT = 2633\nOLD_TIMEOUT = 10\nLOG = "std"\n')
    # A renamed key: the administrator's value must follow it. And a directory the new version needs.
    (descriptors / "1.0.0_to_2.0.0.py").write_text(
        "def pre_up(ctx):\n"
        "    ctx.mkdir('/etc/one/conf.d', 0o750)\n"
        "\n"
        "def up(ctx):\n"
        "    def rename(old, new):\n"
        "        value = new.template.get('OLD_TIMEOUT')\n"
        "        new.template.remove('OLD_TIMEOUT')\n"
        "        new.template.set('TIMEOUT', value)\n"
        "    ctx.process('/etc/one/oned.conf', 'ONE', rename)\n")
    root = tree(tmp_path / "root", 'PORT = 2633\nOLD_TIMEOUT = 99\n')
    assert onecfg("init", "--prefix", str(root), "--to", "1.0.0").returncode == 0
    done = onecfg("upgrade", "--prefix", str(root), "--descriptors", str(descriptors))
    assert done.returncode == 0, done.stderr
    conf = parse((root / "etc" / "one" / "oned.conf").read_text())
    assert (conf.get("TIMEOUT"), conf.get("OLD_TIMEOUT"), conf.get("LOG")) == ("99", None, "std")
    assert (root / "etc" / "one" / "conf.d").is_dir()


def test_a_failing_migrator_leaves_the_tree_as_it_was(tmp_path):
    descriptors = step(tmp_path, 'PORT = 2633\n', 'PORT = 2633\nLOG = "std"\n')
    (descriptors / "1.0.0_to_2.0.0.py").write_text("def up(ctx):\n    raise RuntimeError('cannot move X')\n")
    root = tree(tmp_path / "root", 'PORT = 2700\n')
    assert onecfg("init", "--prefix", str(root), "--to", "1.0.0").returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    done = onecfg("upgrade", "--prefix", str(root), "--descriptors", str(descriptors))
    assert done.returncode != 0 and "cannot move X" in done.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_snapshot_taken_before_a_package_upgrade_is_the_trusted_source(tmp_path):
    descriptors = step(tmp_path, 'PORT = 2633\n', 'PORT = 2633\nLOG = "std"\n')
    root = tree(tmp_path / "root", 'PORT = 2700\n')
    assert onecfg("init", "--prefix", str(root), "--to", "1.0.0").returncode == 0
    assert onecfg("backup", "--prefix", str(root)).returncode == 0
    status = onecfg("status", "--prefix", str(root), "--descriptors", str(descriptors))
    assert status.returncode == 0 and "snapshot" in status.stdout.lower()
    # The package replaced the live file with its own copy, losing the customization...
    (root / "etc" / "one" / "oned.conf").write_text('PORT = 2633\nLOG = "std"\n')
    done = onecfg("upgrade", "--prefix", str(root), "--descriptors", str(descriptors))
    assert done.returncode == 0, done.stderr
    # ...the upgrade starts from the snapshot, so PORT 2700 survives, and the snapshot is used up.
    text = (root / "etc" / "one" / "oned.conf").read_text()
    assert "2700" in text and "LOG" in text
    state = yaml.safe_load((root / "etc" / "onecfg.conf").read_text())
    assert state["version"] == "2.0.0" and not state.get("backup")
