"""Qt table models: thin adapters over plain-Python row stores, updated once per frame."""
