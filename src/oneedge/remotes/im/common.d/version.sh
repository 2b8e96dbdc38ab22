#!/bin/sh
# Reports the version of the remotes this host holds, as OpenNebula's
# im/common.d/version.sh does: the hash the front-end's sync recorded in
# .oneedge-remotes at the top of the remotes directory.
remotes=$(cd "$(dirname "$0")/../.." && pwd)
if [ -f "$remotes/.oneedge-remotes" ]; then
    echo "VERSION=\"$(cat "$remotes/.oneedge-remotes")\""
fi
