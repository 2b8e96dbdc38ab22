"""Default configuration files written into a new front-end home."""
