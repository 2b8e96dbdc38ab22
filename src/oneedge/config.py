"""The front-end's ``oned.conf`` and ``sched.conf``: read in OpenNebula's format, defaults written on first start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree

from oneedge.db.store import postgresql_url, sqlite_url
from oneedge.pool import xml
from oneedge.template import Template, TemplateError, parse


class ConfigError(ValueError):
    pass


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def ensure_config_version(home: Path, auto_upgrade: bool, descriptors: Path | None = None) -> str:
    """Check that the configuration in ``home`` is as new as the code (``onecfg``'s record).

    A new home is recorded at the code's version. An older configuration is
    upgraded with ``onecfg`` when ``auto_upgrade`` is set, otherwise refused
    with the command to run; a newer one is always refused. Returns the
    configuration version in force.
    """
    from oneedge import onecfg
    from oneedge.onecfg.errors import OnecfgError
    from oneedge.onecfg.settings import Settings

    found, code = onecfg.check_config_version(home)
    if found is None:
        # NOTE: 0.1.0 is the first release: a home without a recorded version
        # was created by it, or is being created now.
        Settings(version=code).save(home)
        return code
    if _version(found) > _version(code):
        raise ConfigError(f"{home}: configuration version {found} is newer than this oneedge ({code})")
    if _version(found) < _version(code):
        if not auto_upgrade:
            raise ConfigError(
                f"{home}: configuration version {found} is older than this oneedge ({code}): run "
                f"'onecfg upgrade --prefix {home} --unprivileged' or start with --auto-upgrade-config")
        try:
            return onecfg.upgrade_home(home, descriptors=descriptors or onecfg.DESCRIPTORS)
        except OnecfgError as exc:
            raise ConfigError(f"{home}: configuration upgrade from {found} to {code} failed: {exc}") from None
    return found


def default_text(name: str = "oned.conf") -> str:
    return resources.files("oneedge.etc").joinpath(name).read_text()


def home_template(home: Path, name: str) -> tuple[Path, Template]:
    """``home/name`` parsed, written first from oneedge's defaults (``etc/name``) when missing."""
    path = home / name
    if not path.exists():
        path.write_text(default_text(name))
        os.chmod(path, 0o640)
    try:
        return path, parse(path.read_text())
    except TemplateError as exc:
        raise ConfigError(f"{path}: {exc}") from None


# Attributes one.system.config must never show.
_HIDDEN = {("DB", "PASSWD")}


@dataclass
class OnedConfig:
    path: Path
    template: Template

    @classmethod
    def load(cls, home: Path) -> OnedConfig:
        """Read ``home/oned.conf``, creating it from the defaults if missing."""
        config = cls(*home_template(home, "oned.conf"))
        config.validate()
        return config

    # -- typed access ---------------------------------------------------------------------
    def _int(self, name: str, default: int) -> int:
        value = self.template.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{self.path}: {name} must be an integer, got {value!r}") from None

    def _vector(self, name: str) -> dict[str, str]:
        vectors = self.template.vectors(name)
        return dict(vectors[0].items) if vectors else {}

    def validate(self) -> None:
        for name in ("port", "max_conn", "message_size", "timeout", "keepalive_timeout", "session_expiration"):
            getattr(self, name)
        self.db_url(Path("."))
        self.event_stream()
        if not 0 < self.port < 65536:
            raise ConfigError(f"{self.path}: PORT must be between 1 and 65535")

    @property
    def port(self) -> int:
        return self._int("PORT", 2633)

    @property
    def listen_address(self) -> str:
        return self.template.get("LISTEN_ADDRESS") or "127.0.0.1"

    @property
    def max_conn(self) -> int:
        return self._int("MAX_CONN", 64)

    @property
    def backlog(self) -> int:
        return self._int("MAX_CONN_BACKLOG", 128)

    @property
    def message_size(self) -> int:
        return self._int("MESSAGE_SIZE", 16 * 1024 * 1024)

    @property
    def timeout(self) -> int:
        return self._int("TIMEOUT", 15)

    @property
    def keepalive_timeout(self) -> int:
        return self._int("KEEPALIVE_TIMEOUT", 15)

    @property
    def session_expiration(self) -> int:
        return self._int("SESSION_EXPIRATION_TIME", 900)

    @property
    def list_order_desc(self) -> bool:
        return (self.template.get("API_LIST_ORDER") or "DESC").upper() == "DESC"

    @property
    def enable_other_permissions(self) -> bool:
        return (self.template.get("ENABLE_OTHER_PERMISSIONS") or "YES").upper() == "YES"

    @property
    def default_umask(self) -> int:
        value = self.template.get("DEFAULT_UMASK") or "177"
        try:
            return int(value, 8)
        except ValueError:
            raise ConfigError(f"{self.path}: DEFAULT_UMASK must be octal, got {value!r}") from None

    @property
    def max_token_time(self) -> int:
        for conf in self.template.vectors("AUTH_MAD_CONF"):
            if (conf.get("NAME") or "") == "core" and conf.get("MAX_TOKEN_TIME"):
                return int(conf.get("MAX_TOKEN_TIME"))
        return -1

    @property
    def log_level(self) -> int:
        return int(self._vector("LOG").get("DEBUG_LEVEL", "3"))

    @property
    def log_system(self) -> str:
        return self._vector("LOG").get("SYSTEM", "file")

    def event_stream(self) -> tuple[str, int, int | None]:
        """(bind address, port, high-water mark) from HM_MAD's ARGUMENTS, as one_hm reads them."""
        arguments = self._vector("HM_MAD").get("ARGUMENTS", "").split()
        options = {"-b": "127.0.0.1", "-p": "2101", "-h": None}
        for flag, value in zip(arguments, arguments[1:]):
            if flag in ("-b", "-p", "-h", "--bind", "--publisher-port", "--hwm"):
                options[{"--bind": "-b", "--publisher-port": "-p", "--hwm": "-h"}.get(flag, flag)] = value
        try:
            return options["-b"], int(options["-p"]), None if options["-h"] is None else int(options["-h"])
        except ValueError:
            raise ConfigError(f"{self.path}: HM_MAD ARGUMENTS: -p and -h take numbers") from None

    def db_url(self, home: Path) -> str:
        db = self._vector("DB")
        backend = db.get("BACKEND", "sqlite").lower()
        if backend == "sqlite":
            return sqlite_url(str(home / "one.db"))
        if backend == "postgresql":
            try:
                return postgresql_url(
                    db.get("SERVER", "localhost"),
                    int(db.get("PORT", "5432") or 5432),
                    db.get("USER", "oneadmin"),
                    db.get("PASSWD", ""),
                    db.get("DB_NAME", "opennebula"),
                )
            except ValueError:
                raise ConfigError(f"{self.path}: DB/PORT must be an integer") from None
        raise ConfigError(f"{self.path}: unknown DB BACKEND {backend!r} (use sqlite or postgresql)")

    @property
    def db_timeout(self) -> int:
        return int(self._vector("DB").get("TIMEOUT", "2500"))

    def to_xml(self) -> str:
        """``one.system.config``: the configuration as OPENNEBULA_CONFIGURATION, secrets hidden.

        The XSD lists elements in alphabetical order, so they are sorted by name.
        """
        root = etree.Element("OPENNEBULA_CONFIGURATION")
        source = self.template.to_xml("OPENNEBULA_CONFIGURATION")
        for child in sorted(source, key=lambda e: e.tag):
            for secret in list(child):
                if (child.tag, secret.tag) in _HIDDEN:
                    child.remove(secret)
            root.append(child)
        return xml.tostring(root)
