"""CLI benchmark: ``onevm list`` start-up against ``python -c pass``, and ``onevm list``
of 10,000 VMs, measured side by side in one run.

    .venv/bin/python bench/cli_bench.py [--vms 10000] [--runs 20]

Starts a throwaway front-end (``oneedge up``) with an empty pool, times the
start-up ratio, fills the pool with VMs through ``one.vm.allocate`` (on hold:
no scheduling), then times the full listing. Goals (issue 7): ratio < 4,
listing < 1.5 s.

Start-up is timed twice: as installed (modules byte-compiled, as pip leaves
them; the cache goes to a temporary PYTHONPYCACHEPREFIX) and from source
(PYTHONDONTWRITEBYTECODE=1: every module compiled on every run, the worst
case, which is how this repository's test environment runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import frontend as fe  # noqa: E402

BIN = Path(sys.executable).parent


def best(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of ``runs`` runs (after one warm-up), in seconds."""
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fill(url: str, session: str, count: int) -> None:
    template = 'NAME="bench"\nCPU="1"\nMEMORY="128"\n'

    def allocate(_: int) -> None:
        with xmlrpc.client.ServerProxy(url) as proxy:
            answer = proxy.one.vm.allocate(session, template, True)
        if not answer[0]:
            raise RuntimeError(answer[1])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(allocate, range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        front = fe.start(Path(tmp) / "home")
        try:
            env = dict(os.environ, ONE_XMLRPC=front.url, ONE_AUTH=str(front.home / "one_auth"))
            source = dict(env, PYTHONDONTWRITEBYTECODE="1")
            compiled = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            compiled["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            python = best([sys.executable, "-c", "pass"], env, args.runs)
            onevm = best([str(BIN / "onevm"), "list"], compiled, args.runs)
            onevm_source = best([str(BIN / "onevm"), "list"], source, args.runs)
            started = time.perf_counter()
            fill(front.url, front.session, args.vms)
            filled = time.perf_counter() - started
            listing = best([str(BIN / "onevm"), "list"], env, 3)
            lines = subprocess.run([str(BIN / "onevm"), "list"], env=env, capture_output=True, text=True).stdout
            rows = len(lines.splitlines()) - 1
        finally:
            front.stop()
    print(f"python -c pass          {python * 1000:8.1f} ms")
    print(f"onevm list (empty)      {onevm * 1000:8.1f} ms   ratio {onevm / python:.2f}x  (goal < 4x)")
    print(f"  from source           {onevm_source * 1000:8.1f} ms   ratio {onevm_source / python:.2f}x")
    print(f"onevm list ({rows} VMs) {listing:8.3f} s    (goal < 1.5 s; pool filled in {filled:.0f} s)")


if __name__ == "__main__":
    main()
