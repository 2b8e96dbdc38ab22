"""Images through pyone and raw XML-RPC; acquire/release as VMs use them; pure image logic."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from oneedge.datastore.driver import DriverError
from oneedge.datastore.fs import FsDriver, detect_format
from oneedge.nebula import build_core
from oneedge.pool.image import ImageType, parse_image
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.request import AuthUser, Request
from oneedge.template import VectorAttribute, parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, ALLOCATE = 0x200, 0x400, 0x800, 0x2000, 0x4000
READY, USED, DISABLED, LOCKED, ERROR, USED_PERS = 1, 2, 3, 4, 5, 8


def wait_state(raw, oid: int, timeout: float = 10) -> int:
    """Poll until the image leaves LOCKED; returns its state."""
    deadline = time.monotonic() + timeout
    while True:
        state = int(validate(raw.ok("one.image.info", oid, False), "image").findtext("STATE"))
        if state != LOCKED or time.monotonic() > deadline:
            return state
        time.sleep(0.02)


# -- pure logic ------------------------------------------------------------------------------
def test_parse_image():
    template = parse('NAME = "a"\nTYPE = "datablock"\nSIZE = 10\nPERSISTENT = "yes"\nDRIVER = "x"')
    spec = parse_image(template)
    assert (spec.image_type, spec.persistent, spec.fmt, spec.size_mb) == (ImageType.DATABLOCK, True, "raw", 10)
    assert template.get("DEV_PREFIX") == "sd" and template.get("DRIVER") is None and template.get("NAME") is None
    assert parse_image(parse('NAME = a\nTYPE = CDROM\nPATH = "/x"')).path == "/x"
    assert parse_image(parse('NAME = a\nTYPE = 5\nPATH = "/x"')).image_type is ImageType.CONTEXT
    assert parse_image(parse('NAME = a\nSIZE = 5'), "qcow2").fmt == "qcow2"
    for text, reason in (('TYPE = CDROM', "No PATH nor SOURCE"), ('PATH = "/a"\nSOURCE = "/b"\nFORMAT = raw', "both"),
                         ('SOURCE = "/b"', "needs FORMAT"), ('TYPE = FOO\nSIZE = 1', "Unknown type"),
                         ('SIZE = abc', "Cannot parse"), ('TYPE = DATABLOCK', "positive")):
        with pytest.raises(ValueError, match=reason):
            parse_image(parse(text))


def test_fs_driver(tmp_path: Path):
    driver = FsDriver()
    src = tmp_path / "src.img"
    src.write_bytes(b"QFI\xfb" + b"\0" * (2 * 1024 * 1024))
    assert driver.stat(str(src)) == 3
    with pytest.raises(DriverError, match="no such file"):
        driver.stat(str(tmp_path / "missing"))
    with pytest.raises(DriverError, match="not a regular file"):
        driver.stat(str(tmp_path))
    base = tmp_path / "ds"
    stored = driver.cp(str(base), str(src), str(base / "a"))
    assert (stored.size_mb, stored.format) == (3, "qcow2") and (base / "a").read_bytes() == src.read_bytes()
    block = driver.mkfs(str(base), str(base / "b"), 5, "raw")
    assert os.path.getsize(block.source) == 5 * 1024 * 1024
    assert os.stat(block.source).st_blocks * 512 < 1024 * 1024  # sparse
    driver.rm(block.source)
    driver.rm(block.source)  # already gone: not an error
    assert driver.monitor(str(base)).total_mb > 0
    assert detect_format(b"\0\0\0\0") == "raw"
    with pytest.raises(DriverError, match="raw or qcow2"):
        driver.check_format("vmdk")


# -- through the daemon ----------------------------------------------------------------------
def test_image_from_path_and_datablock(frontend, tmp_path: Path):
    raw, one = frontend.raw(), frontend.pyone()
    src = tmp_path / "disk.img"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 1))
    oid = one.image.allocate(f'NAME = "disk"\nPATH = "{src}"\nDEV_PREFIX = "vd"', 1)
    assert wait_state(raw, oid) == READY
    image = one.image.info(oid)
    assert Path(image.SOURCE).read_bytes() == src.read_bytes()
    assert Path(image.SOURCE).parent == frontend.home / "datastores" / "1"
    assert (image.SIZE, image.FORMAT, image.TYPE, image.PERSISTENT, image.TEMPLATE["DEV_PREFIX"]) == (4, "raw", 0, 0, "vd")
    assert oid in one.datastore.info(1).IMAGES.ID
    block = one.image.allocate({"IMAGE": {"NAME": "block", "TYPE": "DATABLOCK", "SIZE": 8, "PERSISTENT": "YES"}}, 1)
    assert wait_state(raw, block) == READY
    info = one.image.info(block)
    assert (info.SIZE, info.FORMAT, info.PERSISTENT, info.TYPE) == (8, "raw", 1, 2)
    assert os.path.getsize(info.SOURCE) == 8 * 1024 * 1024
    validate(raw.ok("one.imagepool.info", -2, -1, -1), "image_pool")
    validate(raw.ok("one.imagepool.info", -3, oid, oid), "image_pool")
    # A context file goes to the files datastore only.
    raw.fails("one.image.allocate", f'NAME = "ctx"\nTYPE = CONTEXT\nPATH = "{src}"', 1, False, code=ALLOCATE)
    ctx = raw.ok("one.image.allocate", f'NAME = "ctx"\nTYPE = CONTEXT\nPATH = "{src}"', 2, False)
    assert wait_state(raw, ctx) == READY
    # Delete removes the file and the datastore's reference.
    source = one.image.info(block).SOURCE
    one.image.delete(block)
    raw.fails("one.image.info", block, False, code=NO_EXISTS)
    assert block not in one.datastore.info(1).IMAGES.ID
    deadline = time.monotonic() + 5
    while os.path.exists(source) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(source)


def test_refused_allocations_create_nothing(frontend, tmp_path: Path):
    raw = frontend.raw()
    before = raw.ok("one.imagepool.info", -2, -1, -1)
    files = set(os.listdir(frontend.home / "datastores" / "1"))
    message = raw.fails("one.image.allocate", f'NAME = "x"\nPATH = "{tmp_path}/missing.img"', 1, False, code=ALLOCATE)
    assert "missing.img: no such file" in message
    unreadable = tmp_path / "secret.img"
    unreadable.write_bytes(b"x")
    unreadable.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        raw.fails("one.image.allocate", f'NAME = "x"\nPATH = "{unreadable}"', 1, False, code=ALLOCATE)
    assert "ftp URLs are not supported" in raw.fails("one.image.allocate", 'NAME = "x"\nPATH = "ftp://127.0.0.1/a"',
                                                     1, False, code=ALLOCATE)
    if shutil.which("qemu-img") is None:
        assert "qemu-img" in raw.fails("one.image.allocate", 'NAME = "x"\nSIZE = 1\nFORMAT = qcow2', 1, False,
                                       code=ALLOCATE)
    raw.fails("one.image.allocate", 'NAME = "x"\nSIZE = 100000000000', 1, False, code=ALLOCATE)
    raw.fails("one.image.allocate", 'NAME = "x"\nTYPE = CDROM', 1, False, code=ALLOCATE)
    raw.fails("one.image.allocate", 'NAME = "x"\nSIZE = 1', 0, False, code=ALLOCATE)
    raw.fails("one.image.allocate", 'NAME = "x"\nSIZE = 1', 999, False, code=NO_EXISTS)
    raw.fails("one.image.allocate", 'NAME = [ "x"', 1, False, code=INTERNAL)
    assert raw.ok("one.imagepool.info", -2, -1, -1) == before
    assert set(os.listdir(frontend.home / "datastores" / "1")) == files


def test_driver_failure_leaves_image_in_error(frontend):
    raw = frontend.raw()
    ds = raw.ok("one.datastore.allocate", 'NAME = "blocked"\nDS_MAD = "fs"\nTM_MAD = "ssh"', -1)
    # A file where the datastore directory should be: the driver cannot make the datablock.
    (frontend.home / "datastores").mkdir(exist_ok=True)
    (frontend.home / "datastores" / str(ds)).write_text("in the way")
    oid = raw.ok("one.image.allocate", 'NAME = "broken"\nSIZE = 1', ds, True)
    assert wait_state(raw, oid) == ERROR
    doc = validate(raw.ok("one.image.info", oid, False), "image")
    assert "Cannot create datastore directory" in doc.findtext("TEMPLATE/ERROR")
    assert "in state ERROR" in raw.fails("one.image.snapshotdelete", oid, 0, code=ACTION)
    raw.ok("one.image.enable", oid, True)  # enabling an image in ERROR clears the error
    doc = validate(raw.ok("one.image.info", oid, False), "image")
    assert doc.findtext("STATE") == str(READY) and doc.find("TEMPLATE/ERROR") is None
    raw.ok("one.image.delete", oid)
    raw.ok("one.datastore.delete", ds)


def test_image_verbs(frontend, tmp_path: Path):
    raw, one = frontend.raw(), frontend.pyone()
    oid = one.image.allocate('NAME = "verbs"\nTYPE = DATABLOCK\nSIZE = 1', 1)
    assert wait_state(raw, oid) == READY
    one.image.enable(oid, False)
    assert one.image.info(oid).STATE == DISABLED
    one.image.enable(oid, True)
    one.image.persistent(oid, True)
    assert one.image.info(oid).PERSISTENT == 1
    one.image.chtype(oid, "OS")
    assert one.image.info(oid).TYPE == 0
    raw.fails("one.image.chtype", oid, "KERNEL", code=ACTION)
    raw.fails("one.image.chtype", oid, "NOPE", code=ACTION)
    one.image.rename(oid, "verbs2")
    one.image.update(oid, 'DESCRIPTION = "d"', 1)
    assert one.image.info(oid).TEMPLATE["DESCRIPTION"] == "d"
    one.image.chmod(oid, -1, -1, -1, 1, -1, -1, -1, -1, -1)
    one.image.chown(oid, -1, 1)
    one.image.lock(oid, 1, False)
    info = validate(raw.ok("one.image.info", oid, False), "image")
    assert info.findtext("LOCK/LOCKED") == "1"
    raw.fails("one.image.delete", oid, code=0x8000)
    one.image.unlock(oid)
    for verb in ("snapshotdelete", "snapshotrevert", "snapshotflatten"):
        assert "Snapshot does not exist" in raw.fails(f"one.image.{verb}", oid, 0, code=ACTION)
    clone = one.image.clone(oid, "verbs-clone", -1)
    assert wait_state(raw, clone) == READY
    copy = one.image.info(clone)
    assert (copy.SIZE, copy.TYPE, copy.PERSISTENT, copy.DATASTORE_ID) == (1, 0, 1, 1)
    assert copy.SOURCE != one.image.info(oid).SOURCE and os.path.exists(copy.SOURCE)
    assert one.image.info(oid).STATE == READY and one.image.info(oid).CLONING_OPS == 0
    raw.fails("one.image.clone", oid, "verbs-clone", -1, code=ALLOCATE)
    raw.fails("one.image.clone", oid, "elsewhere", 2, code=ALLOCATE)
    raw.fails("one.image.clone", 999, "x", -1, code=NO_EXISTS)
    for oid_ in (clone, oid):
        one.image.delete(oid_)


def test_authorization_and_unknown_ids(frontend):
    raw = frontend.raw()
    oid = raw.ok("one.image.allocate", 'NAME = "private"\nSIZE = 1', 1, False)
    raw.ok("one.user.allocate", "img-user", "pw", "", [])
    user = frontend.raw("img-user:pw")
    before = raw.ok("one.image.info", oid, False)
    user.fails("one.image.info", oid, False, code=AUTHORIZATION)
    user.fails("one.image.delete", oid, code=AUTHORIZATION)
    user.fails("one.image.enable", oid, False, code=AUTHORIZATION)
    user.fails("one.image.clone", oid, "mine", -1, code=AUTHORIZATION)
    # Users may register images in 'default' only with USE on it (640: group oneadmin only).
    user.fails("one.image.allocate", 'NAME = "u"\nSIZE = 1', 1, False, code=AUTHORIZATION)
    assert raw.ok("one.image.info", oid, False) == before
    for verb, args in (("info", (False,)), ("delete", ()), ("enable", (True,)), ("persistent", (True,)),
                       ("chtype", ("OS",)), ("rename", ("n",)), ("snapshotdelete", (0,))):
        raw.fails(f"one.image.{verb}", 999, *args, code=NO_EXISTS)


# -- what VMs use ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def core(tmp_path_factory):
    return build_core(tmp_path_factory.mktemp("core"))


def admin(core) -> Request:
    return Request(core, AuthUser(0, 0, frozenset({0}), "oneadmin", "oneadmin"), "test")


def ready_image(core, template: str) -> int:
    images = core.api(ImageAPI)
    oid = images.allocate(admin(core), template, 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with core.store.read() as conn:
            if images.get(conn, oid).state.name != "LOCKED":
                return oid
        time.sleep(0.02)
    raise AssertionError(f"image {oid} stayed LOCKED")


def test_acquire_and_release(core):
    images = core.api(ImageAPI)
    shared = ready_image(core, 'NAME = "base"\nTYPE = OS\nSIZE = 2\nDEV_PREFIX = "vd"')
    disk = VectorAttribute("DISK", [("IMAGE", "base"), ("IMAGE_UNAME", "oneadmin")])
    with core.store.write() as conn:
        images.acquire(conn, admin(core), disk, 7)
        images.acquire(conn, admin(core), VectorAttribute("DISK", [("IMAGE_ID", str(shared))]), 8)
    values = dict(disk.items)
    assert values["IMAGE_ID"] == str(shared) and values["DATASTORE_ID"] == "1" and values["TM_MAD"] == "ssh"
    assert (values["CLONE"], values["SAVE"], values["PERSISTENT"], values["READONLY"]) == ("YES", "NO", "NO", "NO")
    assert (values["TYPE"], values["DISK_TYPE"], values["DRIVER"], values["DEV_PREFIX"]) == ("FILE", "FILE", "raw", "vd")
    assert values["SIZE"] == values["ORIGINAL_SIZE"] == "2" and values["SOURCE"]
    with core.store.read() as conn:
        image = images.get(conn, shared)
        assert (image.state.name, image.vms, image.get_int("RUNNING_VMS")) == ("USED", {7, 8}, 2)
        validate(image.body(), "image")
    pers = ready_image(core, 'NAME = "pers"\nTYPE = DATABLOCK\nSIZE = 1\nPERSISTENT = YES')
    with core.store.write() as conn:
        images.acquire(conn, admin(core), VectorAttribute("DISK", [("IMAGE_ID", str(pers))]), 7)
    with pytest.raises(Exception, match="persistent and already in use"), core.store.write() as conn:
        images.acquire(conn, admin(core), VectorAttribute("DISK", [("IMAGE_ID", str(pers))]), 8)
    with pytest.raises(Exception, match="does not own an image"), core.store.write() as conn:
        images.acquire(conn, admin(core), VectorAttribute("DISK", [("IMAGE", "nope")]), 8)
    with pytest.raises(Exception, match="less than the image"), core.store.write() as conn:
        images.acquire(conn, admin(core), VectorAttribute("DISK", [("IMAGE_ID", str(shared)), ("SIZE", "1")]), 9)
    with core.store.read() as conn:
        assert images.get(conn, shared).vms == {7, 8}  # the refused acquire changed nothing
    with core.store.write() as conn:
        for vm in (7, 8):
            images.release(conn, shared, vm)
        images.release(conn, pers, 7)
        images.release(conn, 999, 7)  # a gone image is ignored
    with core.store.read() as conn:
        assert images.get(conn, shared).state.name == "READY" and images.get(conn, pers).state.name == "READY"
    with core.store.write() as conn:
        copy = images.clone_image(conn, admin(core), shared, "base-copy")
    assert copy > shared
