"""Upgrading customized real 5.6.0 files to 6.0.0 in one run, and failing cleanly."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from oneedge.onecfg import check_config_version, upgrade_home
from oneedge.onecfg.cli import main
from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats.one import ONE
from oneedge.onecfg.formats.shell import Shell
from oneedge.onecfg.formats.yaml import YamlStrict
from oneedge.onecfg.versions import load_descriptor

from .conftest import DATA


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def tree_state(root: Path) -> dict[str, tuple[bytes, int, int, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        data = path.read_bytes() if path.is_file() else b""
        out[str(path.relative_to(root))] = (data, stat.st_mode, stat.st_uid, stat.st_gid)
    return out


def customize(root: Path) -> None:
    """Edit 5.6.0 files as an administrator would."""
    oned = root / "etc/one/oned.conf"
    text = oned.read_text()
    text = text.replace("PORT = 2633", "PORT = 2700")
    text = re.sub(r'(VM_MAD = \[\s*NAME\s*=\s*"kvm",.*?ARGUMENTS\s*=\s*)"[^"]*"', r'\1"-t 42 -r 0 kvm"', text, count=1, flags=re.S)
    text += '\n# our own driver\nVM_MAD = [\n    NAME = "mydriver",\n    EXECUTABLE = "one_vmm_exec",\n    ARGUMENTS = "-t 5 mydriver",\n    TYPE = "kvm" ]\n'
    oned.write_text(text)
    kvmrc = root / "var/lib/one/remotes/etc/vmm/kvm/kvmrc"
    kvmrc.write_text(kvmrc.read_text().replace("export SHUTDOWN_TIMEOUT=300", "export SHUTDOWN_TIMEOUT=900") + "MY_VAR=1\n")
    onevm = root / "etc/one/cli/onevm.yaml"
    onevm.write_text(onevm.read_text().replace(":size: 4", ":size: 7", 1))


def check_customized(root: Path) -> None:
    oned = ONE.load(root / "etc/one/oned.conf")
    tree = oned.tree()
    assert tree["PORT"] == ["2700"]
    assert tree["VM_MAD"]['"kvm"']["ARGUMENTS"] == ['"-t 42 -r 0 kvm"']
    assert tree["VM_MAD"]['"mydriver"']["ARGUMENTS"] == ['"-t 5 mydriver"']
    dist = ONE.load(DATA / "6.0.0/etc/one/oned.conf")
    # every difference with 6.0.0 is one of our customizations
    left = {c.hint(ONE.SECTIONS) for c in dist.diff(oned)}
    assert left == {'set PORT = "2700"', 'set VM_MAD[NAME="kvm"]/ARGUMENTS = "-t 42 -r 0 kvm"'} | {
        h for h in left if h.startswith('ins VM_MAD[NAME="mydriver"]')
    }
    kvm = Shell.load(root / "var/lib/one/remotes/etc/vmm/kvm/kvmrc")
    assert {c.hint() for c in Shell.load(DATA / "6.0.0/var/lib/one/remotes/etc/vmm/kvm/kvmrc").diff(kvm)} == {
        'set SHUTDOWN_TIMEOUT = "900"', 'ins MY_VAR = "1" (unexport)'}
    onevm = YamlStrict.load(root / "etc/one/cli/onevm.yaml")
    changes = YamlStrict.load(DATA / "6.0.0/etc/one/cli/onevm.yaml").diff(onevm)
    assert [(c.state, c.value) for c in changes] == [("set", 7)]


CUSTOMIZED = {"etc/one/oned.conf", "var/lib/one/remotes/etc/vmm/kvm/kvmrc", "etc/one/cli/onevm.yaml"}


def test_upgrade_566_to_600_keeps_customizations_and_brings_defaults(root56: Path, generated: Path) -> None:
    customize(root56)
    assert run("init", "--prefix", str(root56), "--to", "5.6.0")[0] == 0
    code, out, err = run("upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged")
    assert code == 0, err
    assert "Configuration at version 6.0.0" in out
    check_customized(root56)
    new = DATA / "6.0.0"
    expected = {p.relative_to(new).as_posix() for p in new.rglob("*") if p.is_file()}
    present = {p.relative_to(root56).as_posix() for p in root56.rglob("*") if p.is_file()
               and not p.relative_to(root56).as_posix().startswith(("var/lib/one/backups", "etc/onecfg.conf"))}
    assert present == expected
    for rel in expected - CUSTOMIZED:
        assert (root56 / rel).read_bytes() == (new / rel).read_bytes(), rel
    assert check_config_version(root56)[0] == "6.0.0"
    backups = list((root56 / "var/lib/one/backups/config").iterdir())
    assert len(backups) == 1 and (backups[0] / "etc/one/oned.conf").read_text().count("PORT = 2700") == 1


def test_upgrade_with_opennebula_descriptors_keeps_customizations(root56: Path) -> None:
    customize(root56)
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    code, _, err = run("upgrade", "--prefix", str(root56), "--descriptors", str(DATA / "descriptors"), "--unprivileged")
    assert code == 0, err
    check_customized(root56)


def test_noop_changes_nothing_and_lists_files(root56: Path, generated: Path) -> None:
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    before = tree_state(root56)
    code, out, _ = run("upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged", "--noop")
    assert code == 0 and "would update /etc/one/oned.conf" in out
    assert tree_state(root56) == before


def test_status_diff_and_patch(root56: Path, generated: Path, tmp_path: Path) -> None:
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    code, out, _ = run("status", "--prefix", str(root56), "--descriptors", str(generated))
    assert code == 0 and "5.6.0 -> 5.8.0" in out and "Available version:     6.0.0" in out
    run("upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged", "--to", "5.8.0")
    oned = root56 / "etc/one/oned.conf"
    oned.write_text(oned.read_text().replace("PORT = 2633", "PORT = 2701"))
    code, out, _ = run("diff", "--prefix", str(root56), "--descriptors", str(generated))
    assert code == 0 and out == '/etc/one/oned.conf (apply)\n  set PORT = "2701"\n'
    code, out, _ = run("diff", "--prefix", str(root56), "--descriptors", str(generated), "--format", "yaml")
    patch_file = tmp_path / "mine.yaml"
    patch_file.write_text(out)
    other = tmp_path / "other"
    shutil.copytree(DATA / "5.8.0", other)
    run("init", "--prefix", str(other), "--to", "5.8.0")
    code, out, err = run("patch", "--prefix", str(other), str(patch_file), "--unprivileged")
    assert code == 0, err
    assert ONE.load(other / "etc/one/oned.conf").tree()["PORT"] == ["2701"]


def test_validate(root56: Path) -> None:
    code, out, _ = run("validate", "--prefix", str(root56))
    assert code == 0 and out == "58 files valid\n"
    (root56 / "etc/one/stray.txt").write_text("x")
    code, _, err = run("validate", "--prefix", str(root56))
    assert code == 1 and "unclassified file '/etc/one/stray.txt'" in err


# --- bad input: clear message, non-zero exit, tree unchanged -------------------


def _fails_cleanly(root: Path, args: list[str], *fragments: str) -> None:
    before = tree_state(root)
    code, _, err = run(*args)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]
    assert tree_state(root) == before


def test_unparsable_file(root56: Path, generated: Path) -> None:
    customize(root56)
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    oned = root56 / "etc/one/oned.conf"
    oned.write_text(oned.read_text() + "\nBROKEN = [ A = 1\n")
    os.chmod(oned, 0o600)
    _fails_cleanly(root56, ["upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged"],
                   "'/etc/one/oned.conf'", "upgrade", "cannot parse")


def test_descriptor_for_another_version(root56: Path, generated: Path, tmp_path: Path) -> None:
    run("init", "--prefix", str(root56), "--to", "5.8.0")
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(generated / "5.6.0_to_5.8.0.yaml", only)
    _fails_cleanly(root56, ["upgrade", "--prefix", str(root56), "--descriptors", str(only), "--to", "6.0.0",
                            "--unprivileged"], "no descriptors lead from 5.8.0 to 6.0.0")


def test_conflict_then_patch_modes(root56: Path, generated: Path) -> None:
    # A Yaml key the administrator removed while the distribution changes it.
    desc = load_descriptor(generated / "5.6.0_to_5.8.0.yaml")
    name, key = next(
        (n, c.key) for n, p in desc.patches.items() if p.cls == "Yaml" and p.action == "apply"
        for c in p.changes if c.state == "set" and c.path == [] and isinstance(c.old, (int, str))
    )
    path = root56 / name.lstrip("/")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(f"{key}:")))
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    args = ["upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged"]
    _fails_cleanly(root56, args, f"'{name}'", "conflict", str(key))
    code, _, err = run(*args, "--patch-modes", f"skip:{name}:5.8.0")
    assert code == 0, err


def test_read_only_target_rolls_back(root56: Path, generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: the tests run as root, which ignores file modes; a failing
    # os.replace on one target stands for a read-only file system.
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if str(dst).endswith("etc/one/sched.conf"):
            raise PermissionError(13, "Read-only file system", str(dst))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    _fails_cleanly(root56, ["upgrade", "--prefix", str(root56), "--descriptors", str(generated), "--unprivileged"],
                   "update /etc/one/sched.conf", "Read-only", "nothing was changed")


def test_unknown_owner_without_unprivileged_fails(root56: Path, generated: Path) -> None:
    run("init", "--prefix", str(root56), "--to", "5.6.0")
    args = ["upgrade", "--prefix", str(root56), "--descriptors", str(generated)]
    try:
        import grp

        grp.getgrnam("oneadmin")
        pytest.skip("a oneadmin group exists here")
    except KeyError:
        pass
    _fails_cleanly(root56, args, "unknown user or group")


def test_home_helpers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "etc/one").mkdir(parents=True)
    (home / "etc/one/oned.conf").write_text("PORT = 2633\n")
    assert check_config_version(home) == (None, check_config_version(home)[1])
    with pytest.raises(OnecfgError, match="onecfg init"):
        upgrade_home(home)
    run("init", "--prefix", str(home), "--to", check_config_version(home)[1])
    assert upgrade_home(home) == check_config_version(home)[1]
