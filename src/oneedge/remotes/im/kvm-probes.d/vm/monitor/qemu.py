#!/usr/bin/env python3
"""MONITOR_VM: CPU, memory, disk and network counters of every QEMU VM."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import base64

import qemu

state = os.path.join(os.environ.get("ONE_STATE_DIR", "/tmp"), f"qemu-cpu-{os.environ.get('ONE_HOST_ID', '0')}.json")
for sample in qemu.monitor(state):
    vm = sample.pop("vm")
    data = "".join(f"{key}={value}\n" for key, value in sample.items())
    print(f'VM=[ ID="{vm.vm_id}", DEPLOY_ID="{vm.deploy_id}", MONITOR="{base64.b64encode(data.encode()).decode()}" ]')
