#!/usr/bin/env python3
"""STATE_VM of the simulated VMs listed in $ONE_DUMMY_VMS."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import dummy

sys.stdout.write(dummy.vm_status(dummy.vms_of(os.environ.get("ONE_DUMMY_VMS"))))
