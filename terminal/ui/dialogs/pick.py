"""File and folder pickers that are awaited (``QFileDialog`` opened with ``open()``), instead of the static
``QFileDialog.get…`` functions, which run a nested event loop (see ``run.py``)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget
from shiboken6 import isValid

from .run import run_dialog

ACCEPTED = QDialog.DialogCode.Accepted.value


async def _pick(dialog: QFileDialog) -> str | None:
    try:
        if await run_dialog(dialog) != ACCEPTED or not isValid(dialog):
            return None
        chosen = dialog.selectedFiles()
        return chosen[0] if chosen else None
    finally:
        if isValid(dialog):
            dialog.deleteLater()


async def pick_folder(parent: QWidget | None, caption: str, directory: str = "") -> str | None:
    """The folder the user chose, or None."""
    dialog = QFileDialog(parent, caption, directory)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return await _pick(dialog)


async def pick_file(parent: QWidget | None, caption: str, directory: str = "", filters: str = "") -> str | None:
    """An existing file the user chose, or None. ``filters`` as for QFileDialog: "CSV (*.csv);;All files (*)"."""
    dialog = QFileDialog(parent, caption, directory, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    return await _pick(dialog)


async def pick_save_file(parent: QWidget | None, caption: str, path: str = "", filters: str = "",
                         suffix: str = "") -> str | None:
    """A path to write to (the dialog asks before replacing an existing file), or None. ``path`` proposes a folder
    and file name; ``suffix`` is added to a name typed without one (``"csv"``)."""
    dialog = QFileDialog(parent, caption, path, filters)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if suffix:
        dialog.setDefaultSuffix(suffix)
    return await _pick(dialog)
