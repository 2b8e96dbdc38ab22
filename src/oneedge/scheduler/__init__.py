"""The scheduler: places pending VMs on hosts and system datastores (OpenNebula's mm_sched).

``expr`` is the requirement and rank language, ``model`` the frozen snapshot
and plan, ``filters`` and ``policies`` the predicates and weighers,
``placement`` the pure function from one to the other, ``snapshot`` reads it
from the database and ``service`` runs the periodic loop inside ``oneedge up``.
"""
