#!/usr/bin/env python3
"""SYSTEM_HOST: PCI devices for passthrough, filtered by $ONE_PCI_FILTER (vendor:device list)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.pci(filters=os.environ.get("ONE_PCI_FILTER", "0:0"))))
