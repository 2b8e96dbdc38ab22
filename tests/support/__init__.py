"""Helpers shared by the test suites: a real front-end process, clients, XSD checks."""
