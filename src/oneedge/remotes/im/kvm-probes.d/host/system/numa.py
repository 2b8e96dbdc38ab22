#!/usr/bin/env python3
"""SYSTEM_HOST: NUMA nodes, their cores and thread siblings, hugepages, memory and distances."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.numa_system()))
