"""Datastore drivers: the side effects of images (copying, creating and removing
their files, measuring capacity), apart from the API that records them.

``layout`` is pure (paths, sizes, capacity arithmetic), ``mads`` holds the
DS_MAD/TM_MAD names as data, ``driver`` the interface and its registry, and
one module per driver (``fs``) does the file operations.
"""
