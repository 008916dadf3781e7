"""The kite paper server (work in progress)."""
