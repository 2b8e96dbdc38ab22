"""``onecfg``: upgrade configuration files keeping the administrator's customizations."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from oneedge.onecfg import commands, upgrade
from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.generate import generate as generate_descriptor
from oneedge.onecfg.modes import PatchModes

LOG = logging.getLogger("onecfg")


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname:<5} : {record.getMessage()}"


def _setup_logging(verbose: bool, debug: bool) -> None:
    LOG.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    LOG.addHandler(handler)
    LOG.propagate = False
    LOG.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options every subcommand takes; OnecfgError becomes one stderr line, exit 1."""

    @click.option("--prefix", type=click.Path(file_okay=False, path_type=Path), default=Path("/"),
                  show_default=True, help="Operate on this root instead of /.")
    @click.option("--unprivileged", is_flag=True, help="Do not change file owners.")
    @click.option("--verbose", is_flag=True, help="Log each file operation.")
    @click.option("--debug", is_flag=True, help="Log each change applied.")
    @functools.wraps(func)
    def wrapper(*args: Any, verbose: bool, debug: bool, **kwargs: Any) -> Any:
        _setup_logging(verbose, debug)
        try:
            return func(*args, **kwargs)
        except OnecfgError as exc:
            LOG.error("%s", exc)
            sys.exit(1)

    return wrapper


_DESCRIPTORS = click.option("--descriptors", type=click.Path(file_okay=False, exists=True, path_type=Path),
                            required=True, help="Directory of V1_to_V2.yaml descriptors.")


@click.group()
def main() -> None:
    """Upgrade OpenNebula-style configuration files keeping customizations."""


@main.command()
@_common
@click.option("--from", "old", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="Root of the older version's pristine files.")
@click.option("--to", "new", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="Root of the newer version's pristine files.")
@click.option("--from-version", required=True)
@click.option("--to-version", required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--registry", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="File registry (files.yaml); default: the built-in one.")
def generate(prefix: Path, unprivileged: bool, old: Path, new: Path, from_version: str, to_version: str,
             output: Path, registry: Path | None) -> None:
    """Write the descriptor between two trees of pristine files."""
    desc = generate_descriptor(old, new, from_version, to_version, commands.registry_for(None, registry))
    try:
        output.write_text(desc.to_yaml(), encoding="utf-8")
    except OSError as exc:
        raise OnecfgError(f"cannot write descriptor {output}: {exc}") from None
    LOG.info("Descriptor %s_to_%s written to '%s'", from_version, to_version, output)


@main.command()
@_common
@click.option("--to", "version", required=True, help="Version of the configuration files in place.")
@click.option("--force", is_flag=True, help="Overwrite a version already recorded.")
def init(prefix: Path, unprivileged: bool, version: str, force: bool) -> None:
    """Record the version of the configuration in place."""
    commands.init(prefix, version, force)
    click.echo(f"Configuration initialized to {version}")


@main.command()
@_common
@click.option("--descriptors", type=click.Path(file_okay=False, exists=True, path_type=Path))
def status(prefix: Path, unprivileged: bool, descriptors: Path | None) -> None:
    """Show the configuration version, pending upgrades and snapshot."""
    info = commands.status(prefix, descriptors)
    click.echo(f"Configuration version: {info['config_version'] or '-'}")
    if descriptors is not None:
        click.echo(f"Available version:     {info['available_version'] or '-'}")
        click.echo(f"Pending steps:         {', '.join(info['steps']) or 'none'}")
    click.echo(f"Pre-upgrade snapshot:  {info['snapshot'] or 'none'}")


@main.command("upgrade")
@_common
@_DESCRIPTORS
@click.option("--to", "version", help="Stop at this version (default: the newest).")
@click.option("--patch-modes", "patch_modes", multiple=True, metavar="MODES[:FILE[:VERSION]]",
              help="skip, force and/or replace, comma separated; for all files, one file, or one file and step.")
@click.option("--patch-strict", is_flag=True, help="Do not add each format's safe modes.")
@click.option("--noop", is_flag=True, help="Only tell what would change.")
def upgrade_cmd(prefix: Path, unprivileged: bool, descriptors: Path, version: str | None,
                patch_modes: tuple[str, ...], patch_strict: bool, noop: bool) -> None:
    """Upgrade the configuration, keeping customizations."""
    options = upgrade.Options(version, PatchModes(patch_modes), noop, unprivileged, patch_strict)
    result = upgrade.upgrade(prefix, descriptors, options)
    if noop:
        for change in result.changes:
            click.echo(f"would {change.kind} {change.name}")
        return
    click.echo(f"Configuration at version {result.version}")


@main.command()
@_common
@click.option("--descriptors", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--registry", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def validate(prefix: Path, unprivileged: bool, descriptors: Path | None, registry: Path | None) -> None:
    """Check that every managed file parses and is classified."""
    checked, problems = commands.validate(prefix, commands.registry_for(descriptors, registry))
    if problems:
        for problem in problems[1:]:
            LOG.error("%s", problem)
        raise OnecfgError(f"validate: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    click.echo(f"{checked} files valid")


@main.command()
@_common
@_DESCRIPTORS
@click.option("--pristine", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Root of the current version's pristine files (default: from the descriptors).")
@click.option("--format", "fmt", type=click.Choice(["text", "yaml"]), default="text", show_default=True)
def diff(prefix: Path, unprivileged: bool, descriptors: Path, pristine: Path | None, fmt: str) -> None:
    """Show the customizations against the pristine files of the current version."""
    patches = commands.diff(prefix, descriptors, pristine)
    click.echo(commands.diff_text(patches) if fmt == "text" else commands.diff_yaml(patches), nl=False)


@main.command()
@_common
@click.argument("patch_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--patch-modes", "patch_modes", multiple=True, metavar="MODES[:FILE[:VERSION]]")
@click.option("--noop", is_flag=True)
def patch(prefix: Path, unprivileged: bool, patch_file: Path, patch_modes: tuple[str, ...], noop: bool) -> None:
    """Apply a diff file (from 'onecfg diff --format yaml')."""
    changes = commands.patch(prefix, patch_file, PatchModes(patch_modes), noop, unprivileged)
    for change in changes:
        click.echo(f"{'would ' if noop else ''}{change.kind} {change.name}")


@main.command()
@_common
def backup(prefix: Path, unprivileged: bool) -> None:
    """Snapshot the configuration before a package upgrade (pre-install hook)."""
    path = commands.snapshot(prefix)
    click.echo(f"Snapshot in {path}" if path else "A snapshot is already pending; kept")
