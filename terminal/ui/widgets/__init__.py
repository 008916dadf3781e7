"""Dockable widgets of the terminal window."""
