"""onecfg: configuration upgrades that keep the administrator's customizations.

For oneedge's own configuration (oned.conf, monitord.conf...) the front-end
calls ``check_config_version`` at start and, when asked to, ``upgrade_home``
with the descriptors shipped in ``oneedge/onecfg/descriptors``.  ``home`` is
laid out as a filesystem root (``home/etc/one/oned.conf``).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

DESCRIPTORS = Path(__file__).with_name("descriptors")


def code_version() -> str:
    try:
        return metadata.version("oneedge")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def check_config_version(home: str | Path) -> tuple[str | None, str]:
    """(version of the configuration in ``home``, version the code expects).

    The configuration version is None when ``home`` was never initialized;
    the caller should refuse to start when it is older than the code.
    """
    from oneedge.onecfg.settings import Settings

    return Settings.load(Path(home)).version, code_version()


def upgrade_home(home: str | Path, noop: bool = False, descriptors: Path = DESCRIPTORS) -> str:
    """Upgrade the configuration in ``home`` to the code's version; return it.

    Raises ``oneedge.onecfg.errors.OnecfgError`` (nothing changed) on failure.
    """
    from oneedge.onecfg.upgrade import Options, upgrade

    result = upgrade(Path(home), descriptors, Options(to=code_version(), noop=noop, unprivileged=True))
    return result.version
