"""No nested event loop is reachable from terminal/ui: no ``.exec()``/``.exec_()`` (dialogs, menus, drags, event
loops) other than the QApplication's in app.py, no static QMessageBox/QFileDialog/QInputDialog/QColorDialog/
QFontDialog helpers (each runs ``exec()`` inside), no ``processEvents()``. From a coroutine any of them runs other
tasks' steps while the calling task is still executing, which asyncio refuses: the streams stop for good (issue 9).
Ask with ``terminal.ui.dialogs.ask``, pick files with ``terminal.ui.dialogs.pick``, run a QDialog with
``terminal.ui.dialogs.run.run_dialog``."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "terminal" / "ui"
EXEC = {"exec", "exec_"}
STATIC = {  # class -> banned static helpers (a name ending in "*" is a prefix)
    "QMessageBox": {"question", "warning", "critical", "information", "about", "aboutQt"},
    "QFileDialog": {"get*"},
    "QInputDialog": {"get*"},
    "QColorDialog": {"getColor"},
    "QFontDialog": {"getFont"},
}
APP_NAMES = {"app", "qapp", "QApplication", "QCoreApplication", "QGuiApplication"}


def _banned_static(cls: str, attr: str) -> bool:
    return any(attr == b or (b.endswith("*") and attr.startswith(b[:-1])) for b in STATIC.get(cls, ()))


def _name(node: ast.AST) -> str | None:
    """``QMessageBox`` for ``QMessageBox`` and ``QtWidgets.QMessageBox``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def nested_loops(source: str, filename: str) -> list[str]:
    """Each place in ``source`` that runs (or hands out to be run) a nested event loop, as "file:line: code"."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> Qt class name (``from PySide6.QtWidgets import QMessageBox as MB``)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                aliases[a.asname or a.name] = a.name
    found: list[ast.Attribute] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):  # calls and bare references (``QTimer.singleShot(0, box.exec)``)
            continue
        receiver = _name(node.value)
        cls = aliases.get(receiver or "", receiver or "")
        if node.attr in EXEC:
            if Path(filename).name == "app.py" and (cls in APP_NAMES or ast.unparse(node.value).startswith(
                    ("QApplication.instance()", "QCoreApplication.instance()"))):
                continue  # the application's own loop
            found.append(node)
        elif node.attr == "processEvents" or _banned_static(cls, node.attr):
            found.append(node)
    return [f"{filename}:{n.lineno}: {ast.unparse(n)}" for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))]


def test_the_check_finds_every_kind_of_nested_loop_and_allows_the_awaited_forms():
    bad = textwrap.dedent('''
        from PySide6.QtWidgets import QMessageBox, QFileDialog as FD, QInputDialog, QColorDialog, QFontDialog
        from PySide6 import QtWidgets
        async def confirm(self):
            box.exec()
            dialog.exec_()
            QMessageBox.question(self, "t", "q")
            QtWidgets.QMessageBox.warning(self, "t", "w")
            QMessageBox.information(self, "t", "i")
            QMessageBox.critical(self, "t", "c")
            QMessageBox.about(self, "t", "a")
            FD.getExistingDirectory(self)
            QtWidgets.QFileDialog.getOpenFileName(self)
            QInputDialog.getText(self, "t", "l")
            QColorDialog.getColor()
            QFontDialog.getFont()
            QTimer.singleShot(0, menu.exec)
            QApplication.processEvents()
            app.exec()
    ''')
    found = nested_loops(bad, "widget.py")
    assert len(found) == 15, "\n".join(found)
    assert found[0] == "widget.py:5: box.exec" and "app.exec" in found[-1]
    good = textwrap.dedent('''
        from PySide6.QtWidgets import QApplication, QMessageBox
        async def confirm(self):
            box = QMessageBox(QMessageBox.Icon.Warning, "t", "q", QMessageBox.StandardButton.Yes, self)
            box.open()
            await run_dialog(box)
            QMessageBox.StandardButton.Yes
            executor.submit(job)
        def main():
            app.exec()
            QApplication.exec()
    ''')
    assert nested_loops(good, "app.py") == []


def test_no_file_under_terminal_ui_runs_a_nested_event_loop():
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 40 and UI / "widgets" / "order_entry.py" in files
    found = [hit for f in files
             for hit in nested_loops(f.read_text(encoding="utf-8"), str(f.relative_to(UI.parents[1])))]
    assert found == [], ("nested event loops (await terminal.ui.dialogs.ask/pick/run_dialog instead):\n"
                         + "\n".join(found))
