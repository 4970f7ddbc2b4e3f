"""The window's project files: new, open (an example as a copy), save, save as, revert, recovery.

Part of MainWindow (mixed into it): these are the File menu's project
commands and the Open Recent and Examples menus. Loading a file replaces the
document's content in one step and clears the undo stack: it is not an edit.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QTimer

from layerlab.core import project as project_io
from layerlab.core.errors import LayerLabError
from layerlab.core.project import Project
from layerlab.gui import files, recovery
from layerlab.gui.dialogs import CANCEL, DISCARD, OVERWRITE, SAVE, SAVE_AS
from layerlab.gui.training.controller import anchored_dataset


def disk_stamp(path: Path | None) -> tuple[int, int] | None:
    """What the file on disk looks like now (modification time, size); None when there is none."""
    try:
        st = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if st is not None else None


class ProjectFiles:
    """MainWindow's project commands (a mixin: `self` is the window)."""

    def maybe_save(self, doing: str = "closing") -> bool:
        """Ask about unsaved changes; True if it is fine to go on."""
        if not self.is_modified():
            return True
        answer = self.dialogs.ask(self, "Unsaved changes", f"Save the changes to {self.display_name()} before "
                                  f"{doing}?", (SAVE, DISCARD, CANCEL),
                                  "Your changes will be lost if you don't save them.")
        if answer == SAVE:
            return self.save()
        if answer == DISCARD:
            self.recovery.discard()
            return True
        return False

    def new_project(self) -> None:
        if not self.maybe_save("starting a new model"):
            return
        self.adopt(Project())
        self._show_canvas()

    def _choose_file(self, doing: str, caption: str, filters: str) -> str | None:
        """Ask about unsaved changes, then for a file (the dialog starts in start_folder())."""
        if not self.maybe_save(doing):
            return None
        return self.dialogs.open_file(self, caption, str(self.start_folder()), filters)

    def open_dialog(self) -> None:
        path = self._choose_file("opening another project", "Open Project", files.PROJECT_FILTER)
        if path:
            self.open_path(path, ask=False)

    def _load(self, path: str | Path, ask: bool, doing: str, title: str, failed=None) -> Project | None:
        """Ask about unsaved changes (when `ask`), then read `path`; None when cancelled or unreadable (said)."""
        if ask and not self.maybe_save(doing):
            return None
        try:
            return project_io.load(path)
        except LayerLabError as exc:
            self.dialogs.error(self, title, str(exc))
            if failed is not None:
                failed()
            return None

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file (asking first about unsaved changes when `ask`); a bundled example as a copy."""
        if files.is_example(path):
            return self.open_example(path, ask=ask)
        loaded = self._load(path, ask, "opening another project", "Cannot open the project",
                            failed=lambda: self.recent.remove(Path(path)))
        if loaded is None:
            return False
        self.adopt(loaded)
        self.recent.add(loaded.path)
        self.settings.setValue("lastDir", str(loaded.path.parent))
        self.statusBar().showMessage(f"Opened {loaded.path}", 5000)
        return True

    def open_example(self, path: str | Path, ask: bool = True) -> bool:
        """Open a bundled example as an untitled copy, so that saving never writes into the examples."""
        loaded = self._load(path, ask, "opening an example", "Cannot open the example")
        if loaded is None:
            return False
        loaded.path = None
        loaded.name = loaded.name or files.example_title(Path(path))
        loaded.dataset = anchored_dataset(loaded.dataset, Path(path).parent)  # its data stays with the example
        self.adopt(loaded)
        self.statusBar().showMessage(f"Opened a copy of the example '{loaded.name}': save it to keep your changes.",
                                     8000)
        return True

    def adopt(self, loaded: Project) -> None:
        """Show `loaded` in this window: the document is replaced in one step and the undo stack cleared."""
        unplaced = any(loaded.document.position(n) is None for n in loaded.document.node_ids())
        self._import = None
        p = self.project
        p.name, p.dataset, p.training, p.path = loaded.name, loaded.dataset, loaded.training, loaded.path
        p.extra, p.node_extra, p.load_problems = loaded.extra, loaded.node_extra, list(loaded.load_problems)
        self.document.load(loaded.document.nodes(), loaded.document.edges(), loaded.document.groups())
        if unplaced:
            self._place_all()
        self.undo_stack.clear()
        self._restored = False
        self.check_service.set_extra_problems(list(loaded.load_problems))
        self.problems.set_problems(list(loaded.load_problems))
        self.inspector.show_nodes([])
        self.summary.refresh()
        if len(self.document):
            self._show_canvas()
        self._update_title()
        if self.interactive:
            self.recovery.set_dirty(False)
        QTimer.singleShot(0, self.canvas.initial_view)
        self.training.project_loaded()
        self.refresh_path_problems()
        self._disk_stamp = disk_stamp(p.path)
        self.check_status.show(None)  # "checking…" until the engine answers, never a stale "Empty model"
        self.projectLoaded.emit()

    def _place_all(self) -> None:
        """A file without positions (hand-written, imported): lay it out, as part of loading (no undo step)."""
        for node_id, pos in self.canvas.layout_positions().items():  # spaced for the cards as drawn
            self.document.move_node(node_id, pos)

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self.save_to(self.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            start = str(self.project.path or self.start_folder() /
                        f"{(self.project.name or 'untitled').replace(' ', '_').lower()}{project_io.SUFFIX}")
            path = self.dialogs.save_file(self, "Save Project As", start, files.PROJECT_FILTER)
            if not path:
                return False
        path = Path(path)
        if path.suffix != project_io.SUFFIX:
            path = path.with_name(path.name + project_io.SUFFIX)
        return self.save_to(path)

    def _changed_on_disk(self, path: Path) -> bool:
        """Whether `path` (this project's own file) was written by someone else since we opened or saved it."""
        if path != self.project.path:
            return False
        now = disk_stamp(path)
        return now is not None and now != self._disk_stamp

    def save_to(self, path: Path) -> bool:
        from layerlab.core.lock import project_lock

        if self._changed_on_disk(path):  # another window or `layerlab train --save` wrote it: never overwrite unasked
            answer = self.dialogs.ask(self, "Changed on disk", f"{path.name} was changed on disk since you opened or "
                                      "saved it (by another window or program).", (OVERWRITE, SAVE_AS, CANCEL),
                                      "Overwrite replaces those changes with yours (runs recorded there are kept); "
                                      "Save As writes yours to another file.")
            if answer == SAVE_AS:
                return self.save_as()
            if answer != OVERWRITE:
                return False
        old = self.project.path
        try:
            with project_lock(path):  # another LayerLab saving this project: say so, write nothing
                if self._import is not None:  # an imported model's weights, before any trained ones replace them
                    files.write_imported_weights(self._import, path)
                note = self.training.save_project(path)  # with the trained weights and the runs
        except OSError as exc:
            self.dialogs.error(self, "Cannot save the project", f"{path}: {exc.strerror or exc}")
            return False
        except LayerLabError as exc:
            self.dialogs.error(self, "Cannot save the project", str(exc))
            return False
        files.carry_weights(old, path)
        self._disk_stamp = disk_stamp(path)
        self.undo_stack.setClean()
        self._restored = False
        self._import = None
        self._on_modified()
        self.recent.add(path)
        self.refresh_path_problems()  # the project's folder may have changed
        self.settings.setValue("lastDir", str(path.parent))
        self.statusBar().showMessage(f"Saved {path}" + (f". {note}" if note else ""), 8000 if note else 5000)
        return True

    def revert(self) -> None:
        if self.project.path is None or not self.is_modified():
            return
        answer = self.dialogs.ask(self, "Revert to saved", f"Throw away the changes to {self.display_name()}?",
                                  (DISCARD, CANCEL), "This cannot be undone.")
        if answer == DISCARD:
            self.recovery.discard()
            self.open_path(self.project.path, ask=False)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent.paths()
        for i, path in enumerate(paths):
            action = menu.addAction(f"&{i + 1} {path.name}" if i < 9 else path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Recent")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.recent.clear()
        self._refresh_welcome()

    def _fill_examples_menu(self) -> None:
        menu = self.examples_menu
        menu.clear()
        examples = files.example_paths()
        for path in examples:
            action = menu.addAction(files.example_title(path))
            action.setStatusTip(f"Open a copy of {path.name}")
            action.triggered.connect(lambda _=False, p=path: self.open_example(p))
        if not examples:
            menu.addAction("No examples installed").setEnabled(False)

    def offer_recovery(self) -> bool:
        """After a crash: offer to restore the newest recovery file left behind. True if one was restored."""
        def ask(rec: recovery.Recovered) -> str:
            return self.dialogs.ask(
                self, "Restore unsaved work?",
                f"LayerLab closed without saving {rec.label}. Restore the copy kept at {rec.when}?",
                ("restore", DISCARD, "later"), "Discard deletes the copy; Later keeps it for the next start.")

        chosen = recovery.choose(self.recovery.folder, ask, lambda msg: self.statusBar().showMessage(msg, 10_000))
        if chosen is not None:
            self.restore(chosen)
        return chosen is not None

    def restore(self, rec: recovery.Recovered) -> None:
        """Show the recovered project as unsaved work, then let this editor's own recovery file take over."""
        self.adopt(rec.project)
        self._restored = True
        self._on_modified()
        self._show_canvas()
        if self.recovery.write_now() or not self.interactive:
            rec.file.unlink(missing_ok=True)
        self.statusBar().showMessage(f"Restored {rec.label}: save it to keep it.", 10_000)

