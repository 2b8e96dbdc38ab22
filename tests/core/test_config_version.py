"""`oneedge up` and the configuration version that onecfg records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from oneedge.config import ConfigError, ensure_config_version
from oneedge.onecfg import code_version
from support import frontend as fe


def record(home, version):
    (home / "etc").mkdir(parents=True, exist_ok=True)
    (home / "etc" / "onecfg.conf").write_text(yaml.safe_dump({"version": version}))


def test_first_start_records_the_code_version(tmp_path):
    running = fe.start(tmp_path / "home")
    assert running.stop() == 0
    state = yaml.safe_load((tmp_path / "home" / "etc" / "onecfg.conf").read_text())
    assert state["version"] == code_version()


@pytest.mark.parametrize("version, words", [("0.0.1", "older than this oneedge"),
                                            ("99.0.0", "newer than this oneedge")])
def test_other_versions_are_refused_and_nothing_changes(tmp_path, version, words):
    home = tmp_path / "home"
    home.mkdir()
    record(home, version)
    (home / "oned.conf").write_text("PORT = 2633\n")
    before = {p.name: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    result = subprocess.run([sys.executable, "-m", "oneedge", "up", "--home", str(home)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert words in result.stderr
    if version == "0.0.1":
        assert "onecfg upgrade --prefix" in result.stderr
    assert {p.name: p.read_bytes() for p in home.rglob("*") if p.is_file()} == before


def test_auto_upgrade_runs_the_descriptor_chain(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    record(home, "0.0.9")
    (home / "oned.conf").write_text('PORT = 2633\nLISTEN_ADDRESS = "127.0.0.1"\n')
    descriptors = tmp_path / "descriptors"
    descriptors.mkdir()
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "oned.conf").write_text('PORT = 2633\n')
    (new / "oned.conf").write_text('PORT = 2633\nAPI_LIST_ORDER = "DESC"\n')
    subprocess.run([str(Path(sys.executable).with_name("onecfg")), "generate", "--from", str(old), "--to", str(new),
                    "--from-version", "0.0.9", "--to-version", code_version(), "--unprivileged",
                    "--output", str(descriptors / f"0.0.9_to_{code_version()}.yaml")], check=True)
    with pytest.raises(ConfigError, match="older than this oneedge"):
        ensure_config_version(home, auto_upgrade=False, descriptors=descriptors)
    assert ensure_config_version(home, auto_upgrade=True, descriptors=descriptors) == code_version()
    text = (home / "oned.conf").read_text()
    assert 'LISTEN_ADDRESS = "127.0.0.1"' in text and "API_LIST_ORDER" in text
