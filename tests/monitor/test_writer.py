"""The record writer: records in their tables, each VM's latest one in its documents (``one.vm.info``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lcm.lcm_harness import Harness
from oneedge.db.schema import metadata
from oneedge.monitor import probe_data, records
from oneedge.monitor.writer import RecordWriter
from oneedge.pool.vm import monitoring_table
from support.xsd import validate

#: A user template that names MONITORING and LAST_POLL where the writer must not look.
TEMPLATE = '''NAME = "w"
CPU = 0.1
MEMORY = 32
MONITORING = "user's"
LAST_POLL = "user's"
GRAPHICS = [ TYPE = "vnc", MONITORING = "in a vector" ]'''


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    offline = Harness(tmp_path_factory.mktemp("writer") / "home")  # no services: documents only
    yield offline
    offline.app.close()
    offline.core.store.dispose()


def record(writer: RecordWriter, vm_id: int, ts: int, data: str) -> None:
    pairs = list(probe_data.attributes(data))
    writer.vm(vm_id, ts, records.vm_record(vm_id, ts, pairs), records.vm_short_record(probe_data.single(pairs)))


def test_vm_monitoring_is_part_of_the_schema() -> None:
    assert metadata.tables["vm_monitoring"] is monitoring_table


def test_latest_record_is_the_vm_documents_monitoring(harness: Harness) -> None:
    vm = harness.ok("one.vm.allocate", TEMPLATE, False)
    writer = RecordWriter(harness.core.store)
    record(writer, vm, 1000, "CPU=12.5\nMEMORY=1024\nNETRX=7\nDISK_SIZE=[ID=0,SIZE=20]\n")
    record(writer, vm, 1030, "CPU=30\nMEMORY=2048\nNETRX=9\n")
    asyncio.run(writer.flush())
    assert (writer.written, writer.documents) == (2, 1)
    info = harness.ok("one.vm.info", vm, False)
    validate(info, "vm")
    assert "<LAST_POLL>1030</LAST_POLL>" in info
    assert f"<MONITORING><CPU>30</CPU><ID>{vm}</ID><MEMORY>2048</MEMORY><NETRX>9</NETRX>" in info
    assert "user's" in info and "in a vector" in info
    pool = harness.ok("one.vmpool.info", -2, -1, -1, -1)
    validate(pool, "vm_pool")
    assert "<MONITORING><CPU>30</CPU><MEMORY>2048</MEMORY></MONITORING>" in pool
    # Both records are kept for one.vm.monitoring.
    assert harness.ok("one.vm.monitoring", vm).count("<MONITORING>") == 2


def test_a_late_older_record_does_not_replace_a_newer_one(harness: Harness) -> None:
    vm = harness.ok("one.vm.allocate", TEMPLATE, False)
    writer = RecordWriter(harness.core.store)
    record(writer, vm, 2000, "CPU=5\n")
    asyncio.run(writer.flush())
    record(writer, vm, 1990, "CPU=99\n")
    asyncio.run(writer.flush())
    assert writer.documents == 1
    info = harness.ok("one.vm.info", vm, False)
    assert "<LAST_POLL>2000</LAST_POLL>" in info and "<CPU>5</CPU>" in info and "<CPU>99</CPU>" not in info


def test_records_of_deleted_vms_are_kept_without_documents(harness: Harness) -> None:
    writer = RecordWriter(harness.core.store)
    record(writer, 424242, 3000, "CPU=1\n")
    asyncio.run(writer.flush())
    assert (writer.written, writer.documents, writer.failed) == (1, 0, 0)
    with harness.core.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(monitoring_table)
                            .where(monitoring_table.c.vmid == 424242)).scalar_one() == 1
