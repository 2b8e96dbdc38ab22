#!/usr/bin/env python3
"""STATE_VM: every QEMU VM of the host is RUNNING; the agent reports the ones that vanish."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import qemu

for vm in qemu.processes():
    print(f'VM=[ ID="{vm.vm_id}", DEPLOY_ID="{vm.deploy_id}", STATE="RUNNING" ]')
