"""onetemplate and onevm against a real front-end: create, instantiate, list, show, actions."""

from __future__ import annotations

import json

from conftest import table


def test_template_create_instantiate_and_vm_list(cli, frontend):
    tid = cli.new_id("onetemplate", "create", "--name", "small", "--cpu", "0.5", "--memory", "1G")
    assert table(cli.ok("onetemplate", "list"))[0] == ["ID", "USER", "GROUP", "NAME", "REGTIME"]
    show = cli.ok("onetemplate", "show", "small")
    assert show.startswith(f"TEMPLATE {tid} INFORMATION") and 'MEMORY="1024"' in show
    out = cli.ok("onetemplate", "instantiate", "small", "-m", "2", "--name", "web-%i", "--hold")
    vm_ids = [int(line.split(":")[1]) for line in out.splitlines()]
    assert len(vm_ids) == 2
    rows = table(cli.ok("onevm", "list"))
    assert rows[0] == ["ID", "USER", "GROUP", "NAME", "STAT", "CPU", "MEM", "HOST", "TIME"]
    named = {r[3]: r for r in rows[1:]}
    assert named["web-0"][:7] == [str(vm_ids[0]), "oneadmin", "oneadmin", "web-0", "hold", "0.5", "1024M"]
    clone = cli.ok("onetemplate", "clone", "small", "small-copy")
    cli.ok("onetemplate", "delete", clone.split(":")[1].strip())
    cli.ok("onetemplate", "rename", "small", "tiny")
    cli.ok("onetemplate", "chmod", "tiny", "640")
    assert frontend.pyone().template.info(tid).PERMISSIONS.GROUP_U == 1


def test_vm_create_quick_options_show_and_formats(cli, frontend):
    assert cli.ok("onevm", "create", "--name", "q", "--cpu", "1", "--memory", "512", "--dry") == \
        'NAME="q"\nCPU=1\nMEMORY=512\n'
    vid = cli.new_id("onevm", "create", "--name", "quick", "--cpu", "1", "--memory", "512", "--hold")
    show = cli.ok("onevm", "show", "quick")
    lines = show.splitlines()
    assert lines[0] == f"VIRTUAL MACHINE {vid} INFORMATION"
    assert "STATE               : HOLD" in lines and "PERMISSIONS" in lines and "VIRTUAL MACHINE TEMPLATE" in lines
    data = json.loads(cli.ok("onevm", "show", str(vid), "-j"))
    assert data["VM"]["NAME"] == "quick"
    assert cli.ok("onevm", "show", str(vid), "-x").startswith("<VM>")
    assert cli.ok("onevm", "show", str(vid), "-y").startswith("---\nVM:\n    ID: '")
    pool = json.loads(cli.ok("onevm", "list", "-j"))
    assert isinstance(pool["VM_POOL"]["VM"], list)
    cli.ok("onevm", "rename", str(vid), "renamed")
    cli.ok("onevm", "update", "renamed", "--append", "-", input='LABEL="x"\n')
    assert frontend.pyone().vm.info(vid).USER_TEMPLATE["LABEL"] == "x"
    cli.ok("onevm", "chown", "renamed", "serveradmin")
    cli.ok("onevm", "lock", "renamed")
    cli.ok("onevm", "unlock", "renamed")


def test_vm_actions_send_openebula_calls(cli, frontend):
    vid = cli.new_id("onevm", "create", "--name", "act", "--cpu", "1", "--memory", "128")
    # Lifecycle actions answer what the API answers today: success, or one clean error line.
    for argv in (["release", "act"], ["hold", "act"], ["terminate", "act", "--hard"], ["poweroff", "act"],
                 ["resume", "act"], ["reboot", "act", "--hard"], ["stop", "act"], ["suspend", "act"],
                 ["undeploy", "act"], ["resched", "act"], ["recover", "act", "--success"],
                 ["deploy", "act", "0"], ["migrate", "act", "0", "--live"], ["disk-detach", "act", "0"],
                 ["nic-detach", "act", "0"], ["resize", "act", "--cpu", "2"], ["snapshot-create", "act", "s"],
                 ["snapshot-revert", "act", "0"], ["snapshot-delete", "act", "0"],
                 ["disk-attach", "act", "--image", "0"], ["nic-attach", "act", "--network", "0"]):
        done = cli.run("onevm", *argv)
        if done.returncode:
            assert done.returncode == 255 and len(done.stderr.splitlines()) == 1, (argv, done.stderr)
            assert done.stderr.startswith("["), (argv, done.stderr)
    assert cli.fails("onevm", "recover", "act", status=2).startswith("onevm recover:")


def test_vm_ranges_and_unknown(cli):
    out = cli.ok("onevm", "create", "--name", "r", "--memory", "64", "--cpu", "1", "--hold", "-m", "3")
    ids = [int(line.split(":")[1]) for line in out.splitlines()]
    done = cli.run("onevm", "release", f"{ids[0]}..{ids[-1]}", "-v")
    assert done.returncode == 0 or len(done.stderr.splitlines()) == 3
    assert cli.fails("onevm", "show", "nosuchvm") == "VM named nosuchvm not found."
    assert cli.fails("onevm", "show", "99999") == "[one.vm.info] Error getting virtual machine [99999]."
    assert cli.fails("onevm", "terminate", "5..2", status=2) == "Bad range 5..2: 5 > 2"
