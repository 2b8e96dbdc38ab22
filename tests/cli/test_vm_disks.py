"""onevm disk-resize, disk-saveas and disk-snapshot-* on a dummy host."""

from __future__ import annotations

import json
import time

from support.cli import table


def _vm(cli, vid):
    return json.loads(cli.ok("onevm", "show", str(vid), "-j"))["VM"]


def _until(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_disk_verbs_change_the_vm(cli, frontend):
    cli.new_id("onehost", "create", "d1", "--im", "dummy", "--vm", "dummy")
    path = frontend.home / "disk.img"
    path.write_bytes(b"\0" * (2 << 20))
    image = cli.new_id("oneimage", "create", "-d", "default", "--name", "base", "--path", str(path))
    _until(lambda: frontend.pyone().image.info(image).STATE == 1)
    vid = cli.new_id("onevm", "create", "-", "--name", "disky", "--cpu", "0.1", "--memory", "64", "--hold",
                     input=f"DISK=[IMAGE_ID={image}]\n")
    cli.ok("onevm", "deploy", "disky", "d1", "--wait")
    cli.ok("onevm", "poweroff", "disky", "--wait")

    cli.ok("onevm", "disk-resize", "disky", "0", "10M")
    _until(lambda: _vm(cli, vid)["STATE"] == "8" and _vm(cli, vid)["TEMPLATE"]["DISK"][0]["SIZE"] == "10")

    cli.ok("onevm", "disk-snapshot-create", "disky", "0", "first")
    _until(lambda: _vm(cli, vid)["STATE"] == "8" and bool(_vm(cli, vid).get("SNAPSHOTS")))
    cli.ok("onevm", "disk-snapshot-rename", "disky", "0", "0", "stable")
    snapshots = frontend.pyone().vm.info(vid).SNAPSHOTS[0].SNAPSHOT
    assert [s.NAME for s in snapshots] == ["stable"]

    out = cli.ok("onevm", "disk-saveas", "disky", "0", "saved-disk")
    saved = int(out.split("Image ID: ")[1])
    _until(lambda: frontend.pyone().image.info(saved).STATE == 1)
    assert "saved-disk" in [row[3] for row in table(cli.ok("oneimage", "list"))[1:]]

    _until(lambda: _vm(cli, vid)["STATE"] == "8")
    cli.ok("onevm", "disk-snapshot-delete", "disky", "0", "0")
    _until(lambda: not _vm(cli, vid).get("SNAPSHOTS"))

    # Refusals: one line, nothing changed.
    before = _vm(cli, vid)
    assert "has to be greater" in cli.fails("onevm", "disk-resize", "disky", "0", "1M")
    assert cli.fails("onevm", "disk-snapshot-revert", "disky", "0", "7")
    assert "bad size" in cli.fails("onevm", "disk-resize", "disky", "0", "ten", status=2)
    assert _vm(cli, vid) == before
