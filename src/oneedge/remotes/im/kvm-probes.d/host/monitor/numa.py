#!/usr/bin/env python3
"""MONITOR_HOST: free and used memory and free hugepages per NUMA node."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.numa_monitor()))
