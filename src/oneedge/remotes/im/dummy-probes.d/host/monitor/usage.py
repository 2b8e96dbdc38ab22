#!/usr/bin/env python3
"""MONITOR_HOST of a simulated host."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
import time

import dummy

sys.stdout.write(dummy.monitor(int(os.environ["ONE_HOST_ID"]), int(time.time())))
