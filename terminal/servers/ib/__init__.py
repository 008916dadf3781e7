"""The ib paper server (work in progress)."""
