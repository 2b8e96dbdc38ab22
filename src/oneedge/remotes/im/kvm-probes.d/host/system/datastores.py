#!/usr/bin/env python3
"""SYSTEM_HOST: capacity of the datastores directory ($ONE_DS_LOCATION)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import linux

print("\n".join(linux.datastores(os.environ.get("ONE_DS_LOCATION", "/var/lib/one/datastores"))))
