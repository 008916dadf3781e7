"""The kite adapter (work in progress)."""
