"""Every real OpenNebula configuration file in the template language round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from oneedge.template import parse
from support.xsd import SHARED

DATA = SHARED / "data" / "opennebula-config"
NAMES = ("oned.conf", "monitord.conf", "sched.conf")
FILES = sorted(
    path
    for path in DATA.glob("*/etc/one/**/*.conf")
    if path.name in NAMES or path.parent.name == "vmm_exec"
)


def test_the_data_is_there() -> None:
    assert len(FILES) >= 19


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_round_trip_byte_identical(path: Path) -> None:
    text = path.read_text()
    tmpl = parse(text)
    assert tmpl.to_text() == text
    # vmm_exec_vcenter.conf is all comments
    assert tmpl.attributes or path.name == "vmm_exec_vcenter.conf"


def test_oned_conf_logical_view() -> None:
    tmpl = parse((DATA / "5.8.0/etc/one/oned.conf").read_text())
    assert tmpl.get("PORT") == "2633"
    assert tmpl.vectors("DB")[0].get("BACKEND") == "sqlite"
    kvm = [v for v in tmpl.vectors("VM_MAD") if v.get("NAME") == "kvm"]
    assert len(kvm) == 1
    ceph = [v for v in tmpl.vectors("TM_MAD_CONF") if v.get("NAME") == "ceph"][0]
    assert [k for k, _ in ceph.items].count("TM_MAD_SYSTEM") == 2
    assert len(tmpl.get_all("VM_RESTRICTED_ATTR")) > 3
