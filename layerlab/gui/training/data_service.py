"""Loading the chosen data in the background: its preview, then the arrays the checks and training use.

Reading a CSV, importing scikit-learn or decoding images takes from a
fraction of a second to many; none of it happens on the GUI thread. Each
request gets a generation number; a result for an older request than the
latest is dropped, so the panel always ends up showing the current section.
The loaded Dataset is kept and handed to the next run (if its section has
not changed since), so that pressing Train does not load the data twice.
"""

from __future__ import annotations

import atexit
import json
import weakref
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from layerlab.core.errors import LayerLabError


def section_key(section: dict | None, base_dir: Path) -> str | None:
    """A stable key for a dataset section as read from `base_dir` (None for no section)."""
    if not section:
        return None
    return json.dumps(section, sort_keys=True, default=str) + "@" + str(Path(base_dir).resolve())


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, LayerLabError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "Out of memory while loading the data: the dataset is too large for this machine."
    from layerlab.core.keras_errors import friendly_error

    return f"The data could not be loaded: {type(exc).__name__}: {friendly_error(exc)}"


class _DataWorker(QObject):
    previewed = Signal(int, object, str)  # generation, Preview or None, error text
    loaded = Signal(int, object, str)  # generation, Dataset or None, error text

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # written by the GUI thread: a newer request makes older work pointless

    @Slot(int, object, object)
    def load(self, generation: int, section: dict, base_dir: Path) -> None:
        if generation != self.latest:
            return
        from layerlab.core.data import load_dataset, preview

        try:
            self.previewed.emit(generation, preview(section, base_dir), "")
        except Exception as exc:
            self.previewed.emit(generation, None, _error_text(exc))
            return
        if generation != self.latest:
            return
        try:
            self.loaded.emit(generation, load_dataset(section, base_dir), "")
        except Exception as exc:
            self.loaded.emit(generation, None, _error_text(exc))


class DataService(QObject):
    """Keeps the preview and the arrays of the current dataset section, loaded off the GUI thread.

    Signals:
        loading(): a new section is being read.
        previewReady(Preview), datasetReady(Dataset): results for the current section.
        failed(str): the section or its data cannot be read (the message names the key, file, row...).
        cleared(): there is no dataset section.
    """

    loading = Signal()
    previewReady = Signal(object)  # noqa: N815 - Qt naming
    datasetReady = Signal(object)  # noqa: N815
    failed = Signal(str)
    cleared = Signal()
    _request = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.key: str | None = None
        self.preview = None
        self.dataset = None
        self.error = ""
        self.busy = False
        self._generation = 0
        self._closed = False
        self._thread = QThread()
        self._thread.setObjectName("layerlab-data")
        self._worker = _DataWorker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._request.connect(self._worker.load, Qt.ConnectionType.QueuedConnection)
        self._worker.previewed.connect(self._on_previewed, Qt.ConnectionType.QueuedConnection)
        self._worker.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        _live.add(self)

    def request(self, section: dict | None, base_dir: Path, force: bool = False) -> None:
        """Read `section` (unless it is the one already read, or being read)."""
        key = section_key(section, base_dir)
        if key == self.key and not force:
            return
        self.key = key
        self.preview = self.dataset = None
        self.error = ""
        self._generation += 1
        self._worker.latest = self._generation
        if key is None or self._closed:
            self.busy = False
            self.cleared.emit()
            return
        self.busy = True
        self.loading.emit()
        self._request.emit(self._generation, dict(section), Path(base_dir))

    def dataset_for(self, section: dict | None, base_dir: Path):
        """The loaded Dataset when it is for `section` read from `base_dir`, else None."""
        if self.dataset is not None and section_key(section, base_dir) == self.key:
            return self.dataset
        return None

    @Slot(int, object, str)
    def _on_previewed(self, generation: int, preview, error: str) -> None:
        if generation != self._generation or self._closed:
            return
        if error:
            self.busy = False
            self.error = error
            self.failed.emit(error)
            return
        self.preview = preview
        self.previewReady.emit(preview)

    @Slot(int, object, str)
    def _on_loaded(self, generation: int, dataset, error: str) -> None:
        if generation != self._generation or self._closed:
            return
        self.busy = False
        if error:
            self.error = error
            self.failed.emit(error)
            return
        self.dataset = dataset
        self.datasetReady.emit(dataset)

    def shutdown(self) -> None:
        """End the loading thread (waits for a file being read to finish)."""
        if self._closed:
            return
        self._closed = True
        self._worker.latest = -1
        self._thread.quit()
        self._thread.wait()


_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    # a QThread still running when Python exits aborts the process: stop any service left open
    for service in list(_live):
        try:
            service.shutdown()
        except RuntimeError:  # its Qt objects are already gone
            pass
