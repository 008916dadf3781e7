"""Dialogs of the terminal window."""
