"""Entry point of every action script: ``<action> RUNTIME_KEY VM_DIR`` with JSON on stdin.

Prints the action's JSON answer and exits 0, or prints its message on one
stderr line and exits 1.
"""

from __future__ import annotations

import json
import sys

from kvmhost import actions
from kvmhost.actions import ActionError
from kvmhost.launch import LaunchError
from kvmhost.qmp import QmpError
from kvmhost.runtime import Runtime


def main(action: str, argv: list[str]) -> int:
    try:
        text = sys.stdin.read()
        request = json.loads(text) if text.strip() else {}
        if action == "acceleration":
            answer = actions.acceleration(None, request)
        else:
            if len(argv) != 2:
                raise ActionError(f"usage: {action} RUNTIME_KEY VM_DIR")
            answer = getattr(actions, action)(Runtime.of(argv[0], argv[1]), request)
    except (ActionError, LaunchError, QmpError, ValueError, KeyError, OSError) as exc:
        message = f"missing request field {exc}" if isinstance(exc, KeyError) else str(exc)
        print(" ".join(message.split()) or type(exc).__name__, file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0

