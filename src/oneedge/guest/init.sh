#!/bin/busybox sh
# oneedge bundled guest: PID 1. Loads the modules, reads OpenNebula's context
# CD-ROM, configures the NICs, hostname and SSH key it names, runs its start
# script, reports each step on the serial console ("one-context: ..."), then
# serves a shell there and powers off on the ACPI power button.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /run /mnt/context /root/.ssh /etc
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "one-context: init started, kernel $(uname -r)"
while read -r module; do insmod "/lib/modules/$module" 2>/dev/null; done < /etc/modules

# Devices appear asynchronously after their driver loads: wait up to 3 s for the CD.
context=""
tries=0
while [ -z "$context" ] && [ $tries -lt 30 ]; do
    for dev in /dev/sr* /dev/vd* /dev/sd* /dev/hd*; do
        [ -b "$dev" ] || continue
        if mount -t iso9660 -o ro "$dev" /mnt/context 2>/dev/null; then
            if [ -f /mnt/context/context.sh ]; then context=$dev; break; fi
            umount /mnt/context
        fi
    done
    [ -n "$context" ] || { usleep 100000; tries=$((tries + 1)); }
done

mask_prefix() {  # 255.255.255.0 -> 24
    bits=0
    for octet in $(echo "$1" | tr . ' '); do
        while [ "$octet" -gt 0 ]; do bits=$((bits + (octet & 1))); octet=$((octet >> 1)); done
    done
    echo $bits
}

ifconfig lo 127.0.0.1 up
if [ -z "$context" ]; then
    echo "one-context: no context CD-ROM found"
else
    echo "one-context: context found on $context"
    set -a
    . /mnt/context/context.sh
    set +a
    n=0
    while [ $n -lt 16 ]; do
        eval "mac=\${ETH${n}_MAC:-} ip=\${ETH${n}_IP:-} mask=\${ETH${n}_MASK:-} gw=\${ETH${n}_GATEWAY:-} dns=\${ETH${n}_DNS:-} mtu=\${ETH${n}_MTU:-}"
        if [ -n "$mac" ]; then
            dev=""
            for path in /sys/class/net/*; do
                [ "$(cat "$path/address")" = "$mac" ] && dev=${path##*/}
            done
            if [ -z "$dev" ]; then
                echo "one-context: ETH$n: no interface with MAC $mac"
            else
                [ -n "$mtu" ] && ip link set "$dev" mtu "$mtu"
                ip link set "$dev" up
                if [ -n "$ip" ]; then
                    ip addr add "$ip/$(mask_prefix "${mask:-255.255.255.0}")" dev "$dev"
                    echo "one-context: ETH$n $dev ip $ip mask ${mask:-255.255.255.0} mac $mac"
                fi
                if [ -n "$gw" ]; then
                    ip route add default via "$gw" dev "$dev" && echo "one-context: ETH$n gateway $gw"
                fi
                for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
                [ -n "$dns" ] && echo "one-context: ETH$n dns $dns"
            fi
        fi
        n=$((n + 1))
    done
    name=${SET_HOSTNAME:-${HOSTNAME:-}}
    if [ -n "$name" ]; then
        hostname "$name" && echo "$name" > /etc/hostname && echo "one-context: hostname $name"
    fi
    if [ -n "${SSH_PUBLIC_KEY:-}" ]; then
        echo "$SSH_PUBLIC_KEY" > /root/.ssh/authorized_keys
        echo "one-context: ssh key for root: $(echo "$SSH_PUBLIC_KEY" | wc -l) line(s)"
    fi
    files=$(cd /mnt/context && ls | grep -v '^context.sh$' | tr '\n' ' ')
    [ -n "$files" ] && echo "one-context: files $files"
    script=""
    if [ -n "${START_SCRIPT_BASE64:-}" ]; then
        script=$(echo "$START_SCRIPT_BASE64" | base64 -d)
    elif [ -n "${START_SCRIPT:-}" ]; then
        script=$START_SCRIPT
    fi
    if [ -n "$script" ]; then
        printf '%s\n' "$script" > /run/start-script
        echo "one-context: running start script"
        (cd /tmp && sh /run/start-script 2>&1 | sed 's/^/start-script: /') &
    fi
fi

# The ACPI power button (graceful shutdown): any event on its input device powers off.
for event in /sys/class/input/event*; do
    [ -e "$event" ] || continue
    if grep -q "Power Button" "$event/device/name" 2>/dev/null; then
        (dd if="/dev/input/${event##*/}" bs=24 count=1 >/dev/null 2>&1
         echo "one-context: power button, powering off"; sync; poweroff -f) &
    fi
done
echo "one-context: ready"
while true; do
    setsid cttyhack sh -l
done
