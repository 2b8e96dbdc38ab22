#!/usr/bin/env bash
# Installs oneedge into ./.venv (Python 3.11+ and pip from the machine).
# With --test, also the test dependencies and the system packages the test
# suite drives for real (PostgreSQL server, OpenSSH server for host transports).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "install.sh: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# QEMU, qemu-img, the bundled guest's kernel and busybox, the context ISO tool, and ip/nft for
# bridges, taps and security groups: `oneedge up` needs them.
apt_install qemu-system-x86 qemu-utils linux-image-cloud-amd64 busybox-static genisoimage iproute2 nftables
if [ $want_test = 1 ]; then
    apt_install postgresql openssh-server openssh-client
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ $want_test = 1 ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q -e .
fi
