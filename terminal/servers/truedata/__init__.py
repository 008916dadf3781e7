"""The truedata paper server (work in progress)."""
