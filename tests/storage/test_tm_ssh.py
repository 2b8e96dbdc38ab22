"""TM_MAD ssh/local against real files and qemu-img: prolog, epilog, save-as, migration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from storage.storage_kit import disk, line, qemu_img_info, run, tm_config, tree, vm

from oneedge.drivers.base import DriverError
from oneedge.drivers.tm_ssh import SshTransferDriver

MB = 1024 * 1024


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """A front-end image datastore with a raw and a qcow2 image."""
    ds = tmp_path / "datastores" / "1"
    ds.mkdir(parents=True)
    (ds / "raw-image").write_bytes(b"R" * MB + b"\0" * MB)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(ds / "qcow2-image"), "64M"], check=True)
    return ds


def test_prolog_clones_links_and_makes_disks_then_epilog_saves_and_deletes(tmp_path, images, transports):
    driver = SshTransferDriver(tm_config("ssh"), transports)
    vm_dir = tmp_path / "host" / "datastores" / "0" / "5"
    ctx = vm(disk(0, SIZE=128, ORIGINAL_SIZE=64, FORMAT="qcow2") + disk(1, PERSISTENT="YES", SIZE=2)
             + disk(2, SIZE=32, FORMAT="raw", TYPE="fs", FS="ext4") + disk(3, SIZE=16, FORMAT="qcow2"))
    iso = tmp_path / "context.iso"
    iso.write_bytes(b"CD001" * 100)
    prolog = [
        line("CLONE", f"{images}/qcow2-image", f"node1:{vm_dir}/disk.0", disk_id=0),
        line("LN", f"{images}/raw-image", f"node1:{vm_dir}/disk.1", disk_id=1),
        line("MKIMAGE", "", f"node1:{vm_dir}/disk.2", disk_id=2, size_mb=32, format="raw"),
        line("MKIMAGE", "", f"node1:{vm_dir}/disk.3", disk_id=3, size_mb=16, format="qcow2"),
        line("MKSWAP", "", f"node1:{vm_dir}/disk.4", disk_id=4, size_mb=8),
        line("CONTEXT", str(iso), f"node1:{vm_dir}/disk.5", disk_id=5),
    ]
    run(driver.transfer(ctx, "prolog", prolog))
    assert tree(vm_dir) == [f"disk.{i}" for i in range(6)]
    clone = qemu_img_info(vm_dir / "disk.0")
    assert clone["file format"] == "qcow2" and clone["virtual size"].startswith("128 MiB")
    assert (vm_dir / "disk.1").read_bytes() == (images / "raw-image").read_bytes()
    assert (vm_dir / "disk.2").stat().st_size == 32 * MB
    fs = subprocess.run(["blkid", "-o", "value", "-s", "TYPE", str(vm_dir / "disk.2")], capture_output=True,
                        text=True)
    assert fs.stdout.strip() == "ext4"
    assert qemu_img_info(vm_dir / "disk.3")["file format"] == "qcow2"
    assert b"SWAPSPACE2" in (vm_dir / "disk.4").read_bytes()[:8192]
    assert (vm_dir / "disk.5").read_bytes() == iso.read_bytes()

    # The guest wrote to its persistent disk; resize and save-as, then the epilog.
    with (vm_dir / "disk.1").open("r+b") as handle:
        handle.write(b"written by the guest")
    run(driver.run(ctx, line("RESIZE", f"node1:{vm_dir}/disk.3", size_mb=48, disk_id=3)))
    assert qemu_img_info(vm_dir / "disk.3")["virtual size"].startswith("48 MiB")
    run(driver.run(ctx, line("CPDS", f"node1:{vm_dir}/disk.0", f"{images}/saved-as", disk_id=0)))
    assert qemu_img_info(images / "saved-as")["virtual size"].startswith("128 MiB")
    epilog = [line("MVDS", f"node1:{vm_dir}/disk.1", f"{images}/raw-image", disk_id=1),
              line("DELETE", f"node1:{vm_dir}")]
    run(driver.transfer(ctx, "epilog", epilog))
    assert (images / "raw-image").read_bytes().startswith(b"written by the guest")
    assert not vm_dir.exists()
    assert sorted(p.name for p in images.iterdir()) == ["qcow2-image", "raw-image", "saved-as"]


def test_a_missing_image_fails_the_prolog_and_leaves_nothing(tmp_path, images, transports):
    driver = SshTransferDriver(tm_config("ssh"), transports)
    vm_dir = tmp_path / "host" / "5"
    prolog = [line("MKIMAGE", "", f"node1:{vm_dir}/disk.1", disk_id=1, size_mb=8, format="qcow2"),
              line("CLONE", f"{images}/raw-image", f"node1:{vm_dir}/disk.0", disk_id=0),
              line("CLONE", f"{images}/gone", f"node1:{vm_dir}/disk.2", disk_id=2)]
    with pytest.raises(DriverError, match=f"{images}/gone does not exist"):
        run(driver.transfer(vm(), "prolog", prolog))
    assert not vm_dir.exists()
    assert sorted(p.name for p in images.iterdir()) == ["qcow2-image", "raw-image"]


def test_bad_volatile_disk_fails_clearly(tmp_path, transports):
    driver = SshTransferDriver(tm_config("ssh"), transports)
    vm_dir = tmp_path / "host" / "7"
    with pytest.raises(DriverError, match="Unsupported disk FORMAT 'vmdk'"):
        run(driver.transfer(vm(), "prolog", [line("MKIMAGE", "", f"node1:{vm_dir}/disk.0", size_mb=8,
                                                  format="vmdk")]))
    with pytest.raises(DriverError, match="size must be a positive number of MB"):
        run(driver.transfer(vm(), "prolog", [line("MKIMAGE", "", f"node1:{vm_dir}/disk.0", size_mb=0,
                                                  format="raw")]))
    with pytest.raises(DriverError, match="Invalid transfer argument"):
        run(driver.run(vm(), line("DELETE", "node1:relative/path")))
    assert not vm_dir.exists()


def test_disk_snapshots_create_revert_delete(tmp_path, transports):
    driver = SshTransferDriver(tm_config("ssh"), transports)
    path = tmp_path / "host" / "5" / "disk.0"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"version one")
    source = f"node1:{path}"
    run(driver.run(vm(), line("SNAP_CREATE", source, "0")))
    path.write_bytes(b"version two")
    run(driver.run(vm(), line("SNAP_REVERT", source, "0")))
    assert path.read_bytes() == b"version one"
    with pytest.raises(DriverError, match="snapshot .*disk.0.snap/3 does not exist"):
        run(driver.run(vm(), line("SNAP_REVERT", source, "3")))
    run(driver.run(vm(), line("SNAP_DELETE", source, "0")))
    assert tree(path.parent) == ["disk.0"]


def test_cold_migration_moves_the_vm_directory(tmp_path, images, transports):
    driver = SshTransferDriver(tm_config("ssh"), transports)
    old, new = tmp_path / "a" / "5", tmp_path / "b" / "5"
    run(driver.transfer(vm(), "prolog", [line("CLONE", f"{images}/raw-image", f"node1:{old}/disk.0")]))
    run(driver.run(vm(), line("MV", f"node1:{old}", f"localhost:{new}")))
    assert not old.exists() and tree(new) == ["disk.0"]
    # Moving again (a retried epilog) finds nothing to move and succeeds.
    run(driver.run(vm(), line("MV", f"node1:{old}", f"localhost:{new}")))
    assert tree(new) == ["disk.0"]


def test_deploy_and_live_migration_to_a_host_over_ssh(tmp_path, images, ssh_host):
    address, transports = ssh_host
    driver = SshTransferDriver(tm_config("ssh"), transports)
    local_dir, remote_dir = tmp_path / "local-host" / "5", tmp_path / "remote-host" / "5"
    ctx = vm(disk(0, SIZE=96, ORIGINAL_SIZE=64))
    migrate = line("PREMIGRATE", f"{address}:{remote_dir}", f"node1:{local_dir}")

    async def body() -> None:
        await driver.transfer(ctx, "prolog", [
            line("CLONE", f"{images}/qcow2-image", f"{address}:{remote_dir}/disk.0", disk_id=0),
            line("MKIMAGE", "", f"{address}:{remote_dir}/disk.1", size_mb=8, format="raw")])
        assert tree(remote_dir) == ["disk.0", "disk.1"]
        assert qemu_img_info(remote_dir / "disk.0")["virtual size"].startswith("96 MiB")
        # Live migration from the SSH host to this one: copy first, remove the source after.
        await driver.run(ctx, migrate)
        assert tree(local_dir) == ["disk.0", "disk.1"]
        await driver.run(ctx, line("POSTMIGRATE", migrate.source, migrate.destination))
        assert not remote_dir.exists()
        # A missing image on the way to the SSH host: a clear error, nothing left there.
        with pytest.raises(DriverError, match="does not exist"):
            await driver.transfer(ctx, "prolog", [
                line("MKIMAGE", "", f"{address}:{remote_dir}/disk.1", size_mb=8, format="raw"),
                line("CLONE", f"{images}/missing", f"{address}:{remote_dir}/disk.0")])
        assert not remote_dir.exists()
        await transports.close()

    run(body())
