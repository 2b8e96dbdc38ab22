"""TM_MAD shared against real files and qemu-img: overlays, links, save-as, moves."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from storage.storage_kit import disk, line, qemu_img_info, run, tm_config, tree, vm

from oneedge.drivers.base import DriverError
from oneedge.drivers.tm_shared import SharedTransferDriver


@pytest.fixture
def images(tmp_path: Path) -> Path:
    ds = tmp_path / "datastores" / "1"
    ds.mkdir(parents=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(ds / "base"), "32M"], check=True)
    (ds / "persistent").write_bytes(b"P" * 4096)
    return ds


def test_clone_is_an_overlay_and_persistent_images_are_linked(tmp_path, images, transports):
    driver = SharedTransferDriver(tm_config("shared"), transports)
    vm_dir = tmp_path / "datastores" / "0" / "5"
    ctx = vm(disk(0, SIZE=64, ORIGINAL_SIZE=32, FORMAT="raw") + disk(1, PERSISTENT="YES"))
    run(driver.transfer(ctx, "prolog", [
        line("CLONE", f"fe:{images}/base", f"node1:{vm_dir}/disk.0", disk_id=0),
        line("LN", f"fe:{images}/persistent", f"node1:{vm_dir}/disk.1", disk_id=1)]))
    info = qemu_img_info(vm_dir / "disk.0")
    assert info["file format"] == "qcow2" and info["backing file"] == f"{images}/base"
    assert info["virtual size"].startswith("64 MiB")
    assert os.readlink(vm_dir / "disk.1") == f"{images}/persistent"
    # Save-as flattens the overlay into a new image of the datastore.
    run(driver.run(ctx, line("CPDS", f"node1:{vm_dir}/disk.0", f"{images}/copy", disk_id=0)))
    assert "backing file" not in qemu_img_info(images / "copy")
    # Migrations find the files in place; the epilog drops the link, never the image.
    run(driver.run(ctx, line("PREMIGRATE", f"node1:{vm_dir}", f"localhost:{vm_dir}")))
    run(driver.transfer(ctx, "epilog", [line("MVDS", f"node1:{vm_dir}/disk.1", f"{images}/persistent"),
                                        line("DELETE", f"node1:{vm_dir}")]))
    assert not vm_dir.exists()
    assert (images / "persistent").read_bytes() == b"P" * 4096
    assert sorted(p.name for p in images.iterdir()) == ["base", "copy", "persistent"]


def test_undeploy_moves_within_the_shared_datastore(tmp_path, images, transports):
    driver = SharedTransferDriver(tm_config("shared"), transports)
    running, parked = tmp_path / "datastores" / "0" / "5", tmp_path / "datastores" / "0" / "parked-5"
    run(driver.transfer(vm(), "prolog", [line("CLONE", f"{images}/base", f"node1:{running}/disk.0")]))
    run(driver.run(vm(), line("MV", f"node1:{running}", f"localhost:{parked}")))
    assert not running.exists() and tree(parked) == ["disk.0"]


def test_missing_image_fails_and_leaves_nothing(tmp_path, images, transports):
    driver = SharedTransferDriver(tm_config("shared"), transports)
    vm_dir = tmp_path / "datastores" / "0" / "9"
    with pytest.raises(DriverError, match=f"image {images}/nope does not exist"):
        run(driver.transfer(vm(), "prolog", [
            line("CLONE", f"{images}/base", f"node1:{vm_dir}/disk.0"),
            line("LN", f"{images}/nope", f"node1:{vm_dir}/disk.1")]))
    assert not vm_dir.exists()
