"""Shell completion: the script each one* command prints, loaded in a real bash."""

from __future__ import annotations

import subprocess

import pytest
from support.cli import BIN


def _complete(tool: str, words: list[str], shell_script: str | None = None) -> list[str]:
    """COMPREPLY of ``_<tool>`` for the command line ``words`` (the last one being completed)."""
    script = shell_script or f"source <({BIN / tool} completion bash)"
    quoted = " ".join(f"'{w}'" for w in [tool, *words])
    code = f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words)}; _{tool}; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_verbs_complete():
    assert _complete("onevm", ["ter"]) == ["terminate"]
    assert set(_complete("onevm", ["s"])) == {"stop", "suspend", "snapshot-create", "snapshot-revert",
                                              "snapshot-delete", "show"}
    assert "completion" in _complete("onehost", [""]) and "flush" in _complete("onehost", [""])


def test_options_and_choices_complete():
    assert _complete("onevm", ["terminate", "3", "--h"]) == ["--hard", "--help"]
    assert _complete("onevm", ["list", "--no"]) == ["--no-header", "--no-expand"]
    assert _complete("oneimage", ["create", "--type", "DA"]) == ["DATABLOCK"]
    assert _complete("onehook", ["log", "--rc", ""]) == ["all", "success", "error"]
    assert _complete("onevm", ["nosuchverb", "--"]) == []


@pytest.mark.parametrize("tool", ["onevm", "onehost", "oneimage", "onevnet", "onemarketapp", "onehook"])
def test_every_verb_and_option_is_offered(tool):
    import importlib

    from oneedge.cli.command import CLIENT_ARGS

    verbs = importlib.import_module(f"oneedge.cli.{tool}").TOOL.verbs
    assert set(_complete(tool, [""])) == {*verbs, "--help", "--version"}
    for name, verb in verbs.items():
        flags = {f for a in (*verb.args, *CLIENT_ARGS) if a.option for f in a.flags if f.startswith("--")}
        assert set(_complete(tool, [name, "--"])) == flags | {"--help"}, name


def test_installed_file_and_zsh(tmp_path):
    out = subprocess.run([BIN / "onevm", "completion", "bash"], capture_output=True, text=True, check=True).stdout
    (tmp_path / "onevm").write_text(out)
    assert _complete("onevm", ["po"], f"source {tmp_path / 'onevm'}") == ["poweroff"]
    zsh = subprocess.run([BIN / "onevm", "completion", "zsh"], capture_output=True, text=True, check=True).stdout
    assert zsh.startswith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n")
    assert zsh.endswith(out)
    done = subprocess.run([BIN / "onevm", "completion", "fish"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice: 'fish'" in done.stderr
