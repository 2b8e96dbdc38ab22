"""Benchmark onecfg on OpenNebula's real configuration files (goal: < 3 s each).

    .venv/bin/python bench/onecfg_bench.py

1. generate the descriptor of one real step (5.12.0 -> 6.0.0);
2. upgrade a customized 5.6.0 tree to 6.0.0 in one run (4 chained steps).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from oneedge.onecfg.generate import generate
from oneedge.onecfg.registry import Registry
from oneedge.onecfg.settings import Settings
from oneedge.onecfg.upgrade import Options, upgrade

# The shared data folder stands beside the repository (../shared).
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "opennebula-config"
VERSIONS = ["5.6.0", "5.8.0", "5.10.0", "5.12.0", "6.0.0"]


def main() -> int:
    registry = Registry.load()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        descriptors = work / "descriptors"
        descriptors.mkdir()
        start = time.perf_counter()
        step = generate(DATA / "5.12.0", DATA / "6.0.0", "5.12.0", "6.0.0", registry)
        (descriptors / "5.12.0_to_6.0.0.yaml").write_text(step.to_yaml())
        generate_s = time.perf_counter() - start
        for old, new in zip(VERSIONS, VERSIONS[1:-1]):
            desc = generate(DATA / old, DATA / new, old, new, registry)
            (descriptors / f"{old}_to_{new}.yaml").write_text(desc.to_yaml())

        root = work / "root"
        shutil.copytree(DATA / "5.6.0", root)
        oned = root / "etc/one/oned.conf"
        oned.write_text(oned.read_text().replace("PORT = 2633", "PORT = 2700")
                        + '\nVM_MAD = [ NAME = "mine", EXECUTABLE = "one_vmm_exec", ARGUMENTS = "-t 1 mine" ]\n')
        kvmrc = root / "var/lib/one/remotes/etc/vmm/kvm/kvmrc"
        kvmrc.write_text(kvmrc.read_text().replace("SHUTDOWN_TIMEOUT=300", "SHUTDOWN_TIMEOUT=900"))
        for cli in ("onevm", "onehost", "oneimage"):
            path = root / f"etc/one/cli/{cli}.yaml"
            path.write_text(path.read_text().replace(":size: 4", ":size: 6", 1))
        sunstone = root / "etc/one/sunstone-server.conf"
        sunstone.write_text(sunstone.read_text().replace(":port: 9869", ":port: 9999"))
        Settings(version="5.6.0").save(root)
        start = time.perf_counter()
        result = upgrade(root, descriptors, Options(unprivileged=True))
        upgrade_s = time.perf_counter() - start
    print(f"generate 5.12.0 -> 6.0.0 descriptor: {generate_s:.2f} s")
    print(f"upgrade customized tree 5.6.0 -> {result.version} ({len(result.changes)} files): {upgrade_s:.2f} s")
    return 0 if generate_s < 3 and upgrade_s < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
