"""The finnhub adapter (work in progress)."""
