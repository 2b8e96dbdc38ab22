"""onetemplate and onevm against a real front-end: create, instantiate, list, show, actions."""

from __future__ import annotations

import json

from support.cli import table


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


def _vm(frontend, vid):
    return frontend.pyone().vm.info(vid)


def test_vm_actions_change_states_on_a_dummy_host(cli, frontend):
    cli.new_id("onehost", "create", "dummy1", "--im", "dummy", "--vm", "dummy")
    vid = cli.new_id("onevm", "create", "--name", "act", "--cpu", "1", "--memory", "128", "--hold")
    cli.ok("onevm", "deploy", "act", "dummy1", "--wait")
    assert (_vm(frontend, vid).STATE, _vm(frontend, vid).LCM_STATE) == (3, 3)
    cli.ok("onevm", "reboot", "act", "--hard")
    cli.ok("onevm", "poweroff", "act", "--hard", "--wait")
    cli.ok("onevm", "resize", "act", "--cpu", "2", "--memory", "256")
    assert (_vm(frontend, vid).TEMPLATE["CPU"], _vm(frontend, vid).TEMPLATE["MEMORY"]) == ("2", "256")
    cli.ok("onevm", "resume", "act", "--wait")
    cli.ok("onevm", "stop", "act", "--wait")
    assert _vm(frontend, vid).STATE == 4
    # A stopped VM resumes to PENDING, for the scheduler to place it again (it may already have).
    cli.ok("onevm", "resume", "act")
    assert _vm(frontend, vid).STATE in (1, 3)
    held = cli.new_id("onevm", "create", "--name", "held", "--cpu", "1", "--memory", "64", "--hold")
    # Released VMs go PENDING; the front-end's scheduler may place them at once.
    cli.ok("onevm", "release", "held")
    assert _vm(frontend, held).STATE in (1, 3)
    assert cli.fails("onevm", "recover", "act", status=2).startswith("onevm recover:")
    cli.ok("onevm", "terminate", "act", "--hard", "--wait")
    assert _vm(frontend, vid).STATE == 6
    assert cli.fails("onevm", "resume", str(vid)).startswith("[one.vm.action]")


def test_vm_ranges_and_unknown(cli):
    out = cli.ok("onevm", "create", "--name", "r", "--memory", "64", "--cpu", "1", "--hold", "-m", "3")
    ids = [int(line.split(":")[1]) for line in out.splitlines()]
    done = cli.run("onevm", "release", f"{ids[0]}..{ids[-1]}", "-v")
    assert done.returncode == 0 or len(done.stderr.splitlines()) == 3
    assert cli.fails("onevm", "show", "nosuchvm") == "VM named nosuchvm not found."
    assert cli.fails("onevm", "show", "99999") == "[one.vm.info] Error getting virtual machine [99999]."
    assert cli.fails("onevm", "terminate", "5..2", status=2) == "Bad range 5..2: 5 > 2"
