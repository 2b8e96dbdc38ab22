"""The ``kvm`` virtualization driver: QEMU driven directly through QMP, no libvirt.

``config`` is the typed QEMU configuration and its command line, ``translate``
turns a VM document and host facts into one (both pure), ``driver`` runs the
host-side actions of ``oneedge/remotes/vmm/kvm`` through the host's transport.
"""
