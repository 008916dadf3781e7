"""The finnhub paper server (work in progress)."""
