#!/usr/bin/env python3
"""SYSTEM_HOST of a simulated host: 16 CPUs, 32 GB, two NUMA nodes."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import dummy

sys.stdout.write(dummy.system(int(os.environ["ONE_HOST_ID"])))
