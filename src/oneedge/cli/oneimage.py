"""``oneimage``: manage images."""

from __future__ import annotations

from oneedge.cli import owned, show, states
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.fmt import unit
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (action_verb, delete_verb, list_verb, lock_verbs, ownership_verbs, rename_verb,
                               show_verb, top_verb, update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context

IMAGE = Kind("IMAGE", "image", "imagepool", "IMAGE", filtered=True)
TYPES = ("OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT")

TABLE = Table([
    *owned.columns("Image", 12).values(),
    Column("DATASTORE", "Name of the Datastore", 10, lambda e: e.findtext("DATASTORE", ""), left=True),
    Column("SIZE", "Size of the Image", 7, lambda e: unit(float(e.findtext("SIZE") or 0), "M")),
    Column("TYPE", "Type of the Image", 4, lambda e: states.short(states.IMAGE_TYPE, e.findtext("TYPE")), left=True),
    Column("PERSISTENT", "Whether the Image is persistent or not", 3,
           lambda e: "Yes" if e.findtext("PERSISTENT") == "1" else "No"),
    Column("STAT", "State of the Image", 4, lambda e: states.short(states.IMAGE, e.findtext("STATE")), left=True),
    Column("RVMS", "Number of VMs currently running from this Image", 4, lambda e: e.findtext("RUNNING_VMS", "0")),
], ["ID", "USER", "GROUP", "NAME", "DATASTORE", "SIZE", "TYPE", "PERSISTENT", "STAT", "RVMS"])

render = show.owned("IMAGE", [
    ("DATASTORE", show.field("DATASTORE")),
    ("TYPE", lambda e: states.name(states.IMAGE_TYPE, e.findtext("TYPE"))),
    ("REGISTER TIME", lambda e: _stamp(e.findtext("REGTIME"))),
    ("PERSISTENT", lambda e: "Yes" if e.findtext("PERSISTENT") == "1" else "No"),
    ("SOURCE", show.field("SOURCE")), ("PATH", show.field("PATH")), ("FORMAT", show.field("FORMAT")),
    ("SIZE", lambda e: unit(float(e.findtext("SIZE") or 0), "M")),
    ("STATE", lambda e: states.short(states.IMAGE, e.findtext("STATE"))),
    ("RUNNING_VMS", show.field("RUNNING_VMS", "0")),
    ("LOCK", show.lock),
], "IMAGE TEMPLATE")


def _stamp(value: str | None) -> str:
    from oneedge.cli.fmt import timestamp

    return timestamp(value or 0)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.errors import CliError
    from oneedge.cli.onedatastore import DATASTORE
    from oneedge.cli.options import template_input

    if not a.datastore:
        raise CliError("oneimage create: --datastore is needed", 2)
    lines = [template_input(a.file, "IMAGE").rstrip()] if a.file or not (a.name or a.path or a.size) else []
    for key, value in (("NAME", a.name), ("PATH", a.path), ("TYPE", a.type), ("DESCRIPTION", a.description),
                       ("DEV_PREFIX", a.prefix), ("FORMAT", a.format)):
        if value:
            lines.append(f'{key}="{value}"')
    if a.size:
        from oneedge.cli.fmt import size_mb

        try:
            lines.append(f"SIZE={size_mb(a.size)}")
        except ValueError as exc:
            raise CliError(f"--size: {exc}", 2) from None
    if a.persistent:
        lines.append('PERSISTENT="YES"')
    oid = ctx.call(IMAGE.method("allocate"), "\n".join(lines) + "\n", DATASTORE.to_id(ctx, a.datastore),
                   a.no_check_capacity)
    ctx.echo(f"ID: {oid}")
    import sys

    if sys.stderr.isatty():
        _follow(ctx, oid)
    return 0


def _follow(ctx: Context, oid: int) -> None:
    """On a terminal, show the copy or download of a new image until it is READY (or ERROR,
    which ends with the driver's message). Scripts get the ID at once, as with OpenNebula."""
    import sys
    import time

    from oneedge.cli.errors import CliError
    from oneedge.cli.progress import Progress

    with Progress(sys.stderr, f"Image {oid}: copying") as progress:
        while True:
            image = IMAGE.fetch(ctx, oid)
            state = image.findtext("STATE", "")
            if state == "5":  # ERROR
                raise CliError(f"Image {oid}: {image.findtext('TEMPLATE/ERROR') or 'failed'}")
            if state != "4":  # no longer LOCKED: the file is in place
                return
            progress.tick(_transferred(image.findtext("TEMPLATE/DOWNLOAD_PROGRESS") or ""))
            time.sleep(0.2)


def _transferred(progress: str) -> str:
    """``done/total`` bytes (DOWNLOAD_PROGRESS) as ``42% of 29.0M`` or ``12.3M``."""
    done, _, total = progress.partition("/")
    if not done.isdigit():
        return "preparing"
    done_mb, total_mb = int(done) / 2**20, int(total) / 2**20 if total.isdigit() else 0
    if total_mb:
        return f"{100 * done_mb / total_mb:.0f}% of {unit(total_mb, 'M')}"
    return unit(done_mb, "M")


def _clone(ctx: Context, a: argparse.Namespace) -> None:
    ds = -1
    if a.datastore:
        from oneedge.cli.onedatastore import DATASTORE

        ds = DATASTORE.to_id(ctx, a.datastore)
    ctx.echo(f"ID: {ctx.call('one.image.clone', IMAGE.to_id(ctx, a.id), a.name, ds)}")


def _chtype(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.verbs import for_each

    return for_each(ctx, IMAGE, a.ids, lambda oid: ctx.call("one.image.chtype", oid, a.type), "type changed")


TOOL = Tool("oneimage", "Manage OpenNebula images", [
    Verb("create", "Registers a new image from a template file and/or options", _create, (
        Arg("file", nargs="?", help="template file (default: stdin unless --name/--path/--size are given)"),
        Arg("-d", "--datastore", help="datastore name or ID (required)"),
        Arg("--name"), Arg("--path", help="path or URL of the image file"),
        Arg("--size", metavar="SIZE", help="size of an empty datablock: 512, 10G..."),
        Arg("--type", choices=TYPES), Arg("--description"), Arg("--prefix", help="device prefix: vd, sd, hd"),
        Arg("--format", help="image format: raw, qcow2"),
        Arg("--persistent", action="store_true", help="make the image persistent"),
        Arg("--no-check-capacity", action="store_true", help="do not check the datastore's capacity")),
        ("oneimage create -d default --name alpine --path https://example.org/alpine.qcow2",
         "oneimage create -d default --name data --type DATABLOCK --size 10G")),
    Verb("clone", "Creates a copy of an image", _clone, (
        Arg("id", metavar="IMAGEID"), Arg("name"), Arg("-d", "--datastore", help="datastore of the copy")),
        ("oneimage clone alpine alpine-copy",)),
    # NOTE: force goes only when asked: front-ends before OpenNebula 6.10 take no second argument.
    delete_verb(IMAGE, lambda a: (True,) if a.force else (),
                (Arg("--force", action="store_true", help="delete even if in use"),)),
    update_verb(IMAGE),
    rename_verb(IMAGE),
    *ownership_verbs(IMAGE),
    *lock_verbs(IMAGE),
    action_verb(IMAGE, "enable", "Enables images", "enable", lambda a: (True,), done="enabled"),
    action_verb(IMAGE, "disable", "Disables images", "enable", lambda a: (False,), done="disabled"),
    action_verb(IMAGE, "persistent", "Makes images persistent", "persistent", lambda a: (True,),
                done="persistent"),
    action_verb(IMAGE, "nonpersistent", "Makes images non-persistent", "persistent", lambda a: (False,),
                done="nonpersistent"),
    Verb("chtype", "Changes the type of images", _chtype,
         (Arg("ids", metavar="RANGE"), Arg("type", choices=TYPES)), ("oneimage chtype 3 DATABLOCK",)),
    list_verb(IMAGE, TABLE),
    show_verb(IMAGE, render),
    top_verb(IMAGE, TABLE),
])
main = TOOL.run
