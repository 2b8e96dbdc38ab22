#!/usr/bin/env python3
"""SYSTEM_HOST: CPU model, speed and count, total memory, host name."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.system()))
