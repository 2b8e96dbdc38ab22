"""Dummy drivers: simulated hosts that succeed at once, scriptable to fail, hang or slow down."""
