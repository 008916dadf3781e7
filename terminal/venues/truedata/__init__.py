"""The truedata adapter (work in progress)."""
