"""Monitoring records to the database, in batches, and their expiry.

Records are buffered and written together every ``interval`` seconds (one
transaction in a worker thread, so the daemon's loop keeps receiving).
Records of one host or VM and time replace each other (a repeated poll
keeps the last). In the same transaction each VM's latest record becomes
the MONITORING (and LAST_POLL) of its stored documents, so ``one.vm.info``
and ``one.vmpool.info`` show it as they are, without a look-up per call
(OpenNebula reads the last record on every ``one.vm.info``). ``expire``
deletes records older than the configured times, as OpenNebula's
``clean_expired_monitoring``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.aio import background
from oneedge.db.store import Store
from oneedge.monitor import records
from oneedge.pool.host import monitoring_table as host_monitoring
from oneedge.pool.vm import monitoring_table as vm_monitoring
from oneedge.pool.vm import table as vm_table

log = logging.getLogger("oneedge.monitord")

#: VM documents read and rewritten per statement.
CHUNK = 500


class RecordWriter:
    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self._hosts: dict[tuple[int, int], str] = {}
        #: (VM, time) -> (record, the reduced record of the short document).
        self._vms: dict[tuple[int, int], tuple[str, str]] = {}
        self.written = 0
        self.failed = 0
        #: VM documents whose MONITORING was rewritten.
        self.documents = 0

    def host(self, host_id: int, timestamp: int, record: str) -> None:
        self._hosts[(host_id, timestamp)] = record

    def vm(self, vm_id: int, timestamp: int, record: str, short_record: str) -> None:
        self._vms[(vm_id, timestamp)] = (record, short_record)

    @property
    def pending(self) -> int:
        return len(self._hosts) + len(self._vms)

    def _write(self, hosts: dict[tuple[int, int], str], vms: dict[tuple[int, int], tuple[str, str]]) -> int:
        with self.store.write() as conn:
            for table, key, stamp, batch in ((host_monitoring, "hid", "last_mon_time", hosts),
                                             (vm_monitoring, "vmid", "last_poll",
                                              {k: record for k, (record, _) in vms.items()})):
                if not batch:
                    continue
                ids = {oid for oid, _ in batch}
                existing = set(conn.execute(sa.select(table.c[key], table.c[stamp]).where(
                    table.c[key].in_(ids), table.c[stamp].in_({ts for _, ts in batch}))).tuples())
                if existing:
                    conn.execute(sa.delete(table).where(sa.tuple_(table.c[key], table.c[stamp]).in_(existing)))
                conn.execute(sa.insert(table), [{key: oid, stamp: ts, "body": body}
                                                for (oid, ts), body in batch.items()])
            latest: dict[int, tuple[int, str, str]] = {}
            for (vm_id, ts), (record, short) in vms.items():
                if ts >= latest.get(vm_id, (-1, "", ""))[0]:
                    latest[vm_id] = (ts, record, short)
            return self._documents(conn, latest)

    @staticmethod
    def _documents(conn: Connection, latest: dict[int, tuple[int, str, str]]) -> int:
        """Each VM's latest record into its documents; rows locked so the lifecycle's writes are not lost."""
        t = vm_table
        update = sa.update(t).where(t.c.oid == sa.bindparam("vm_id")).values(
            body=sa.bindparam("new_body"), short_body=sa.bindparam("new_short"))
        ids = sorted(latest)
        changed = 0
        for start in range(0, len(ids), CHUNK):
            rows = conn.execute(sa.select(t.c.oid, t.c.body, t.c.short_body)
                                .where(t.c.oid.in_(ids[start:start + CHUNK])).with_for_update()).all()
            values = []
            for oid, body, short in rows:
                ts, record, short_record = latest[oid]
                new_body = records.with_monitoring(body, ts, record)
                if new_body is not None:
                    values.append({"vm_id": oid, "new_body": new_body,
                                   "new_short": records.short_with_monitoring(short, ts, short_record)})
            if values:
                conn.execute(update, values)
                changed += len(values)
        return changed

    async def flush(self) -> None:
        hosts, vms, self._hosts, self._vms = self._hosts, self._vms, {}, {}
        if not hosts and not vms:
            return
        try:
            self.documents += await asyncio.to_thread(self._write, hosts, vms)
            self.written += len(hosts) + len(vms)
        except Exception:  # noqa: BLE001 - a failed batch is logged and counted, the daemon goes on
            self.failed += len(hosts) + len(vms)
            log.exception("could not write %d monitoring records", len(hosts) + len(vms))

    def _expire(self, host_seconds: int, vm_seconds: int) -> None:
        now = int(time.time())
        with self.store.write() as conn:
            conn.execute(sa.delete(host_monitoring).where(host_monitoring.c.last_mon_time < now - host_seconds))
            conn.execute(sa.delete(vm_monitoring).where(vm_monitoring.c.last_poll < now - vm_seconds))

    async def expire(self, host_seconds: int, vm_seconds: int) -> None:
        await asyncio.to_thread(self._expire, host_seconds, vm_seconds)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(self.interval)
                await self.flush()

        try:
            async with background(loop()):
                yield
        finally:
            await self.flush()
