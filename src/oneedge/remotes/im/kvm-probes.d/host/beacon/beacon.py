#!/usr/bin/env python3
"""BEACON_HOST: the agent is alive; a beacon carries no data."""
