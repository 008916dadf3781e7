"""The ib adapter (work in progress)."""
