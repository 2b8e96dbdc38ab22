"""Host-side code of the kvm virtualization driver (stdlib-only Python 3, shipped to hosts).

Every action is an executable next to this package (``deploy``, ``shutdown``...)
called by the front-end as ``<remotes>/vmm/kvm/<action> RUNTIME_KEY VM_DIR``
with a JSON request on stdin. It prints its answer on stdout and exits 0, or
prints one line on stderr and exits non-zero: that line is the message the
user sees in the VM's log.
"""
