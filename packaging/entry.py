"""PyInstaller entry point (a frozen app has no console-script wrapper)."""
import multiprocessing
import sys

from terminal.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # optimisation runs in worker processes
    sys.exit(main())
