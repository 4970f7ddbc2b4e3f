"""The chosen data, read in the check engine: its preview, its arrays, and its problems against the model.

Reading a CSV, importing scikit-learn or decoding images takes from a
fraction of a second to many; none of it happens in the editor. The engine
reads the preview (images come back as .npy files), then loads the arrays
and keeps them: the editor holds a few facts about them (:class:`LoadedData`)
and asks the engine for the problems between the data and the model
(:meth:`DataService.check`). Each request gets a generation number; the
engine is told to stop older ones, and their answers are dropped, so the
panel always ends up showing the current section. If the engine restarts,
the current section is read again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from layerlab.core.engine import check_messages as msg
from layerlab.core.engine.connection import EngineDied
from layerlab.core.errors import LayerLabError


def section_key(section: dict | None, base_dir: Path) -> str | None:
    """A stable key for a dataset section as read from `base_dir` (None for no section)."""
    if not section:
        return None
    return json.dumps(section, sort_keys=True, default=str) + "@" + str(Path(base_dir).resolve())


@dataclass(frozen=True)
class LoadedData:
    """The dataset the engine holds for the current section (the arrays stay in the engine)."""

    key: str
    num_train: int
    has_test: bool
    class_names: list[str] | None = None
    source: str = ""
    x_shape: tuple | dict | None = None  # of the training inputs (a dict for several inputs)
    targets: list | None = None  # per target, what the training defaults need (core.training.defaults.target_facts)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, LayerLabError) and getattr(exc, "kind", "") != "InternalError":
        return str(exc)  # the reader's own words: the key, file, row
    return f"The data could not be loaded: {exc}"


def _shape(value):
    if isinstance(value, dict):
        return {k: tuple(v) for k, v in value.items()}
    return tuple(value) if isinstance(value, list) else None


class DataService(QObject):
    """Keeps the preview of the current dataset section, and its arrays loaded in the check engine.

    Signals:
        loading(): a new section is being read.
        previewReady(Preview), datasetReady(LoadedData): results for the current section.
        failed(str): the section or its data cannot be read (the message names the key, file, row...).
        cleared(): there is no dataset section.
    """

    loading = Signal()
    previewReady = Signal(object)  # noqa: N815 - Qt naming
    datasetReady = Signal(object)  # noqa: N815
    failed = Signal(str)
    cleared = Signal()

    def __init__(self, parent: QObject | None = None, engine=None):
        super().__init__(parent)
        from layerlab.gui import check_engine

        self.engine = engine if engine is not None else check_engine.shared()
        self.key: str | None = None
        self.preview = None
        self.dataset: LoadedData | None = None
        self.error = ""
        self.busy = False
        self._section: dict | None = None
        self._base_dir: Path | None = None
        self._generation = 0
        self._requests: list[int] = []
        self._closed = False
        self.engine.restarted.connect(self._on_engine_restarted)

    def request(self, section: dict | None, base_dir: Path, force: bool = False) -> None:
        """Read `section` (unless it is the one already read, or being read)."""
        key = section_key(section, base_dir)
        if key == self.key and not force:
            return
        self.key = key
        self.preview = self.dataset = None
        self.error = ""
        self._generation += 1
        for request_id in self._requests:
            self.engine.stop(request_id)
        self._requests = []
        if key is None or self._closed:
            self.busy = False
            self._section = None
            self.cleared.emit()
            return
        self._section, self._base_dir = dict(section), Path(base_dir)
        self.busy = True
        self.loading.emit()
        generation = self._generation
        args = {"section": self._section, "base_dir": str(Path(base_dir).resolve())}
        preview = self.engine.call("data_preview", args, lambda r: self._on_previewed(generation, r),
                                   lambda e: self._on_failed(generation, e))
        load = self.engine.call("data_load", {**args, "key": key}, lambda r: self._on_loaded(generation, r),
                                lambda e: self._on_failed(generation, e))
        self._requests = [r for r in (preview.request_id, load.request_id) if r is not None]

    def dataset_for(self, section: dict | None, base_dir: Path):
        """The loaded arrays for `section`, when the editor holds them: never now (they stay in the engine)."""
        return None

    def check(self, document_key: str, training: dict | None, on_done: Callable[[list], None]) -> None:
        """The problems between the loaded data and the document the engine checks under `document_key`.

        `on_done(problems)` runs on the GUI thread (DataProblems; a failure to check is one problem too).
        Nothing is called if the data changes meanwhile or the engine dies (the restart checks again).
        """
        if self.dataset is None:
            return
        generation = self._generation

        def done(result: dict) -> None:
            if generation == self._generation and not self._closed:
                on_done([msg.problem_from_json(p) for p in result.get("problems") or []])

        def failed(exc: Exception) -> None:
            if generation == self._generation and not self._closed and not isinstance(exc, EngineDied):
                from layerlab.core.data.checks import DataProblem

                on_done([DataProblem(str(exc))])

        self.engine.call("data_check", {"key": self.dataset.key, "doc": document_key, "training": training},
                         done, failed)

    def _on_previewed(self, generation: int, result: dict) -> None:
        if generation != self._generation or self._closed:
            return
        arrays = self.engine.arrays
        self.preview = msg.preview_from_json(result, arrays)
        self.previewReady.emit(self.preview)

    def _on_loaded(self, generation: int, result: dict) -> None:
        if generation != self._generation or self._closed:
            return
        self.busy = False
        self.dataset = LoadedData(str(result["key"]), int(result["num_train"]), bool(result["has_test"]),
                                  result.get("class_names"), str(result.get("source") or ""),
                                  _shape(result.get("x_shape")), result.get("targets"))
        self.datasetReady.emit(self.dataset)

    def _on_failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation or self._closed or self.error:
            return  # the preview's failure is the load's too: said once
        if isinstance(exc, EngineDied) and not self.engine.gave_up:
            return  # the engine restarts and the section is read again
        self.busy = False
        self.error = _error_text(exc)
        self.failed.emit(self.error)

    def _on_engine_restarted(self) -> None:
        self._requests = []  # their ids were the dead engine's: stopping them would stop the new engine's requests
        if not self._closed and self._section is not None and self._base_dir is not None:
            self.request(self._section, self._base_dir, force=True)  # the new engine holds no data

    def shutdown(self) -> None:
        """Stop listening (the window is closing); the engine lets go of nothing it needs."""
        if self._closed:
            return
        self._closed = True
        self._generation += 1
        for request_id in self._requests:
            self.engine.stop(request_id)
        try:
            self.engine.restarted.disconnect(self._on_engine_restarted)
        except (RuntimeError, TypeError):
            pass
