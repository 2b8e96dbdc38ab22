#!/usr/bin/env python3
"""MONITOR_HOST: load-based CPU use, memory use, network counters."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.usage()))
