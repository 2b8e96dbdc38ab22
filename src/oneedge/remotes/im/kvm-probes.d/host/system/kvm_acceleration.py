#!/usr/bin/env python3
"""SYSTEM_HOST: KVM_ACCELERATION (kvm or tcg) and why, from the kvm driver's probe boot (cached per host boot)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "vmm", "kvm"))
from kvmhost import accel  # noqa: E402

answer = accel.acceleration()
print(f"KVM_ACCELERATION={json.dumps(answer['accel'])}")
print(f"KVM_ACCELERATION_REASON={json.dumps(answer['reason'])}")
