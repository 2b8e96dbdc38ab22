"""Front-end core benchmark (issue 3).

    .venv/bin/python bench/frontend_bench.py [--seconds 5] [--vms 10000]

Prints, measured side by side in one run on this machine:
- one.vm.info throughput and p99 latency with 16 concurrent keep-alive clients,
  against the same clients calling a do-nothing XML-RPC endpoint served by the
  same HTTP stack (uvicorn + oneedge's XML-RPC app, a method that returns a
  constant of the same size without authentication or database): the ratio is
  oneedge's share of that floor (goal >= 0.5);
- 2,000 sequential one.template.instantiate calls (OpenNebula 6.10: ~18 s);
- one.vmpool.info with 2,000 and with N VMs (OpenNebula 6.10: ~0.11 s for 2,000;
  goal < 1 s for 10,000): the time until the whole HTTP response arrived, and
  the same plus decoding it with Python's xmlrpc.client (a slow client: it
  dominates); and the front-end's resident memory with N VMs (goal < 500 MB).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import xmlrpc.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support import frontend as fe  # noqa: E402

CLIENT_PROCESSES, THREADS_PER_PROCESS = 4, 4

FLOOR_SERVER = textwrap.dedent("""
    import sys, uvicorn
    from oneedge.rm.method import MethodTable, method
    from oneedge.rm.xmlrpc import XmlRpcApp

    payload = open(sys.argv[2]).read()

    class Floor:
        def call(self, name, params):
            return [True, payload, 0]

    app = XmlRpcApp(Floor(), 1 << 24, 15, 64)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
""")


def _client(port: int, body: bytes, seconds: float, queue) -> None:
    latencies: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine: list[float] = []
        deadline = time.perf_counter() + seconds
        while True:
            start = time.perf_counter()
            if start > deadline:
                break
            conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
            answer = conn.getresponse().read()
            result = xmlrpc.client.loads(answer)[0][0]
            if result[0] is not True:
                raise RuntimeError(result)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(THREADS_PER_PROCESS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(latencies)


def load(port: int, body: bytes, seconds: float) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of 16 concurrent clients."""
    _client(port, body, 0.5, multiprocessing.Queue())  # warm-up
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, body, seconds, queue))
             for _ in range(CLIENT_PROCESSES)]
    for p in procs:
        p.start()
    latencies = sorted(x for _ in procs for x in queue.get())
    for p in procs:
        p.join()
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)] * 1000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def raw_call(port: int, body: bytes) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    try:
        conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        return conn.getresponse().read()
    finally:
        conn.close()


def pool_times(port: int, session: str) -> tuple[float, float, int]:
    """(seconds until the response arrived, seconds including client decoding, VMs listed)."""
    body = xmlrpc.client.dumps((session, -2, -1, -1, -1), "one.vmpool.info").encode()
    raw_call(port, body)  # warm
    received, answer = timed(raw_call, port, body)
    decoded, result = timed(xmlrpc.client.loads, answer)
    return received, received + decoded, result[0][0][1].count("<VM>")


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--vms", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        frontend = fe.start(Path(tmp) / "home")
        try:
            raw = frontend.raw()
            tid = raw.ok("one.template.allocate", 'NAME="bench"\nCPU="0.1"\nMEMORY="64"\n'
                                                  'DISK=[TYPE="fs",SIZE="16"]\nCONTEXT=[NETWORK="YES"]')
            vm = raw.ok("one.template.instantiate", tid, "probe", False, "", False)
            doc = raw.ok("one.vm.info", vm, False)
            payload_file = Path(tmp) / "payload.xml"
            payload_file.write_text(doc)

            floor_port = fe.free_port()
            floor = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(floor_port), str(payload_file)])
            try:
                fe_wait(floor_port)
                body = xmlrpc.client.dumps((frontend.session, vm, False), "one.vm.info").encode()
                floor_rps, floor_p99 = load(floor_port, body, args.seconds)
                one_rps, one_p99 = load(frontend.port, body, args.seconds)
            finally:
                floor.terminate()
                floor.wait()

            instantiate_s, _ = timed(lambda: [raw.ok("one.template.instantiate", tid, "", False, "", False)
                                             for _ in range(2000)])
            pool2k = pool_times(frontend.port, frontend.session)
            remaining = args.vms - 2001
            with multiprocessing.Pool(4) as pool:
                pool.starmap(_instantiate_many, [(frontend.url, frontend.session, tid, remaining // 4 + (i < remaining % 4))
                                                 for i in range(4)])
            poolN = pool_times(frontend.port, frontend.session)
            memory = rss_mb(frontend.process.pid)
        finally:
            frontend.stop()

    print(f"one.vm.info, 16 clients: oneedge {one_rps:8.0f} req/s p99 {one_p99:6.1f} ms | "
          f"do-nothing endpoint {floor_rps:8.0f} req/s p99 {floor_p99:6.1f} ms | "
          f"ratio {one_rps / floor_rps:.2f} (goal >= 0.5; OpenNebula 6.10 ~600 req/s, p99 ~66 ms)")
    print(f"2,000 sequential one.template.instantiate: {instantiate_s:6.2f} s (OpenNebula 6.10 ~18 s)")
    for count, (received, decoded), goal in ((pool2k[2], pool2k[:2], "OpenNebula 6.10 ~0.11 s for 2,000"),
                                             (poolN[2], poolN[:2], "goal < 1 s for 10,000")):
        print(f"one.vmpool.info of {count} VMs: response in {received:6.3f} s, "
              f"{decoded:6.3f} s with xmlrpc.client decoding ({goal})")
    print(f"front-end RSS with {poolN[2]} VMs: {memory:6.0f} MB (goal < 500 MB)")


def _instantiate_many(url: str, session: str, tid: int, count: int) -> None:
    proxy = xmlrpc.client.ServerProxy(url)
    for _ in range(count):
        result = proxy.one.template.instantiate(session, tid, "", False, "", False)
        if not result[0]:
            raise RuntimeError(result)


def fe_wait(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
