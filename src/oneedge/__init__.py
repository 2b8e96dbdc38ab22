"""oneedge: an edge-cloud platform speaking OpenNebula's API, formats and tools."""

__version__ = "0.1.0"

#: The OpenNebula release whose XML-RPC semantics and documents oneedge follows.
ONE_VERSION = "6.10.0"
