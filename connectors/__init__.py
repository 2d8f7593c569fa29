"""Adapters to external systems, one folder per system."""
