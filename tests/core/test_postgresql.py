"""The front-end on a real PostgreSQL server (DB = [ BACKEND = "postgresql" ] in oned.conf)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from support import frontend as fe
from support.xsd import validate

ACTION, ALLOCATE = 0x800, 0x4000


def test_objects_live_in_postgresql(pg_frontend, pg_server):
    raw = pg_frontend.raw()
    uid = raw.ok("one.user.allocate", "pguser", "pw", "", [])
    cid = raw.ok("one.cluster.allocate", "pg-cluster")
    validate(raw.ok("one.userpool.info"), "user_pool")
    validate(raw.ok("one.cluster.info", cid, False), "cluster")
    conf = (pg_frontend.home / "oned.conf").read_text()
    database = conf.split('DB_NAME="')[-1].split('"')[0]
    assert database.startswith("t_")
    engine = sa.create_engine(pg_server.url.set(database=database), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT name FROM user_pool")).scalars())
        version = conn.execute(sa.text("SELECT max(version) FROM db_versioning")).scalar_one()
    assert {"oneadmin", "serveradmin", "pguser"} <= names
    assert version >= 1
    assert not (pg_frontend.home / "one.db").exists()
    assert pg_frontend.pyone("pguser:pw").user.info(-1).ID == uid


def test_refused_calls_roll_back(pg_frontend):
    raw = pg_frontend.raw()
    before = raw.ok("one.grouppool.info")
    raw.fails("one.group.allocate", "oneadmin", code=ALLOCATE)
    raw.fails("one.group.delete", 0, code=ACTION)
    assert raw.ok("one.grouppool.info") == before


def test_concurrent_allocations(pg_frontend):
    ids: list[int] = []
    failures: list[object] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        raw = pg_frontend.raw()
        for k in range(2):
            result = raw("one.group.allocate", f"pg-{n}-{k}")
            with lock:
                (ids.append(result[1]) if result[0] else failures.append(result))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(ids)) == 128
    pool = pg_frontend.raw().ok("one.grouppool.info")
    assert all(f"<ID>{oid}</ID>" in pool for oid in ids)


def test_restart_on_postgresql_keeps_state(tmp_path, pg_server):
    from support import postgres

    home = tmp_path / "home"
    fe.write_conf(home, postgres.db_vector(pg_server.new_database()))
    first = fe.start(home)
    gid = first.raw().ok("one.group.allocate", "survivor")
    assert first.stop() == 0
    second = fe.start(home)
    try:
        assert "<NAME>survivor</NAME>" in second.raw().ok("one.group.info", gid, False)
        assert second.raw().ok("one.group.allocate", "after") == gid + 1
    finally:
        assert second.stop() == 0
