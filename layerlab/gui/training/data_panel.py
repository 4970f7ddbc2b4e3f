"""The Data panel: choose a source, map it to the model's inputs and outputs, preprocess, preview.

Every edit becomes the project's `dataset` section through the SectionStore
(one undo step each). The panel redraws from that section, from the graph's
inputs and outputs, and from the DataService's preview. Problems between the
data and the graph are listed here in short and in the Problems list in full;
the two buttons apply every shape or units fix at once (one undo step).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from layerlab.core.data import sources
from layerlab.core.data.section import SKLEARN_NAMES
from layerlab.core.data.targets import guess_target
from layerlab.core.document import NODE_MOVED, GraphDocument
from layerlab.gui.training.adapt_box import AdaptBox
from layerlab.gui.training.fields import ChoiceField, NumberField, PathField, hint, parse_shape, scrolling_column
from layerlab.gui.training.mapping import MappingEditor
from layerlab.gui.training.preview_view import PreviewView
from layerlab.gui.training.sections import SectionStore


class DataPanel(QWidget):
    """The dataset editor.

    Signals:
        fixesRequested(list): apply these data fixes (SetParam) to the graph, as one undo step.
        browseRequested(str, object): choose a file or folder for a PathField (kind, field).
    """

    fixesRequested = Signal(list)  # noqa: N815 - Qt naming
    browseRequested = Signal(str, object)  # noqa: N815

    def __init__(self, store: SectionStore, document: GraphDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("DataPanel")
        self.store = store
        self.document = document
        self.problems: list = []
        self.columns: list[str] = []
        self.data_ready = False  # a dataset is loaded: only then can it be said to fit

        layout = scrolling_column(self)

        self.source = ChoiceField([(key, info.title) for key, info in sources.SOURCES.items()])
        self.source.setPlaceholderText("Choose a data source…")  # shown while no source is set
        self.source.edited.connect(self._on_source)
        top = QFormLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addRow("Source", self.source)
        layout.addLayout(top)

        self.source_box = QGroupBox("Where the data is")
        self.source_form = QFormLayout(self.source_box)
        self._build_source_rows()
        layout.addWidget(self.source_box)

        self.mapping_box = QGroupBox("Inputs and outputs")
        mapping_layout = QVBoxLayout(self.mapping_box)
        self.mapping = MappingEditor()
        self.mapping.edited.connect(lambda key, value: self.store.set_field("dataset", key, value))
        mapping_layout.addWidget(self.mapping)
        self.target_note = hint("")  # says when the target column is the one guessed from the data
        mapping_layout.addWidget(self.target_note)
        self._guess: tuple | None = None  # (file, column, why): the target guessed when the file was chosen
        layout.addWidget(self.mapping_box)

        self.fit_box = QGroupBox("Fit the model to the data")
        fit_layout = QVBoxLayout(self.fit_box)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fit_layout.addWidget(self.problem_label)
        buttons = QHBoxLayout()
        self.shapes_button = QPushButton("Set Input shapes")
        self.shapes_button.setToolTip("Set every Input's shape to the shape of its features (one undo step)")
        self.shapes_button.clicked.connect(lambda: self._request_fixes("shape"))
        self.units_button = QPushButton("Set output units")
        self.units_button.setToolTip("Set each output layer's units to the number of classes or target values "
                                     "(one undo step)")
        self.units_button.clicked.connect(lambda: self._request_fixes("units"))
        buttons.addWidget(self.shapes_button)
        buttons.addWidget(self.units_button)
        fit_layout.addLayout(buttons)
        layout.addWidget(self.fit_box)

        self.preview_box = QGroupBox("Preview")
        preview_layout = QVBoxLayout(self.preview_box)
        self.preview = PreviewView()
        preview_layout.addWidget(self.preview)
        layout.addWidget(self.preview_box)

        self.prep_box = QGroupBox("Preprocessing")
        self.prep_form = QFormLayout(self.prep_box)
        self._build_preprocessing_rows()
        layout.addWidget(self.prep_box)

        self.adapt_box = AdaptBox(document)  # preprocessing layers adapted to this data (adapt_box.py)
        layout.addWidget(self.adapt_box)
        layout.addStretch(1)

        self._graph_timer = QTimer(self)  # a burst of graph edits redraws the mapping once
        self._graph_timer.setSingleShot(True)
        self._graph_timer.setInterval(0)
        self._graph_timer.timeout.connect(self.refresh)
        self._unsubscribe = document.subscribe(self._on_graph_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        store.changed.connect(self._on_section_changed)
        self.set_problems([])
        self.refresh()

    # -- construction -------------------------------------------------------------------------
    def _build_source_rows(self) -> None:
        f = self.source_form
        self.path = PathField("choose a file")
        self.path.edited.connect(lambda v: self.store.set_field("dataset", "path", v or None))
        self.path.browse.clicked.connect(lambda: self.browseRequested.emit(self._source(), self.path))
        self.test_path = PathField("none")
        self.test_path.edited.connect(lambda v: self.store.set_field("dataset", "test_path", v or None))
        self.test_path.browse.clicked.connect(lambda: self.browseRequested.emit(self._source(), self.test_path))
        self.delimiter = QLineEdit()
        self.delimiter.setPlaceholderText(",")
        self.delimiter.setMaxLength(1)
        self.delimiter.editingFinished.connect(
            lambda: self.store.set_field("dataset", "delimiter", self.delimiter.text() or None))
        self.header = QCheckBox("Header row (column names)")
        self.header.toggled.connect(lambda on: self.store.set_field("dataset", "header", None if on else False))
        self.sklearn_name = ChoiceField([(n, sources.SKLEARN_TITLES.get(n, n)) for n in SKLEARN_NAMES])
        self.sklearn_name.edited.connect(lambda v: self.store.set_field("dataset", "name", v))
        self.keras_name = ChoiceField([(n, n) for n in sources.KERAS_NAMES])
        self.keras_name.edited.connect(self._on_keras_name)
        self.num_words = NumberField("10000", integer=True, minimum=1)
        self.num_words.edited.connect(lambda v: self.store.set_field("dataset", "num_words", v))
        self.maxlen = NumberField("80", integer=True, minimum=1)
        self.maxlen.edited.connect(lambda v: self.store.set_field("dataset", "maxlen", v))
        self.padding = ChoiceField([("pre", "pre (pad and cut at the start)"), ("post", "post (at the end)")])
        self.padding.edited.connect(lambda v: self.store.set_field("dataset", "padding", v))
        self.image_size = QLineEdit()
        self.image_size.setPlaceholderText("256, 256")
        self.image_size.setToolTip("height, width: every image is resized to this")
        self.image_size.editingFinished.connect(self._on_image_size)
        self.color_mode = ChoiceField([("rgb", "colour (RGB)"), ("grayscale", "grayscale")])
        self.color_mode.edited.connect(lambda v: self.store.set_field("dataset", "color_mode", v))
        self.x_test = QLineEdit()
        self.x_test.setPlaceholderText("x_test")
        self.x_test.editingFinished.connect(lambda: self.store.set_field("dataset", "x_test",
                                                                         self.x_test.text().strip() or None))
        self.y_test = QLineEdit()
        self.y_test.setPlaceholderText("y_test")
        self.y_test.editingFinished.connect(lambda: self.store.set_field("dataset", "y_test",
                                                                         self.y_test.text().strip() or None))
        self.source_note = hint("")
        self._source_rows = {
            "path": ("File", self.path), "test_path": ("Test file", self.test_path),
            "delimiter": ("Delimiter", self.delimiter), "header": ("", self.header),
            "sklearn_name": ("Dataset", self.sklearn_name), "keras_name": ("Dataset", self.keras_name),
            "num_words": ("Words kept", self.num_words), "maxlen": ("Length", self.maxlen),
            "padding": ("Padding", self.padding), "image_size": ("Image size", self.image_size),
            "color_mode": ("Colours", self.color_mode), "x_test": ("Test features", self.x_test),
            "y_test": ("Test targets", self.y_test), "note": ("", self.source_note),
        }
        for label, widget in self._source_rows.values():
            f.addRow(label, widget)

    def _build_preprocessing_rows(self) -> None:
        f = self.prep_form
        self.scale = NumberField("none", minimum=0)
        self.scale.setToolTip("Divide every feature by this number (255 for 8-bit pixels)")
        self.scale.edited.connect(lambda v: self.store.set_field("dataset", "scale", v))
        self.standardize = QCheckBox("Standardize (mean 0, std 1)")
        self.standardize.toggled.connect(lambda on: self.store.set_field("dataset", "standardize", on or None))
        self.one_hot = QCheckBox("One-hot class labels")
        self.one_hot.toggled.connect(lambda on: self.store.set_field("dataset", "one_hot", on or None))
        self.reshape = QLineEdit()
        self.reshape.setPlaceholderText("as stored, e.g. 28, 28, 1")
        self.reshape.setToolTip("The shape of one sample, without the batch axis (one -1 allowed)")
        self.reshape.editingFinished.connect(self._on_reshape)
        self.shuffle_seed = NumberField("no shuffling", integer=True, minimum=0)
        self.shuffle_seed.setToolTip("Put the training samples in a random order given by this seed")
        self.shuffle_seed.edited.connect(lambda v: self.store.set_field("dataset", "shuffle_seed", v))
        self.prep_problem = QLabel()
        self.prep_problem.setProperty("role", "error")
        self.prep_problem.setWordWrap(True)
        self.prep_problem.hide()
        f.addRow("Scale", self.scale)
        f.addRow("", self.standardize)
        f.addRow("", self.one_hot)
        f.addRow("Reshape", self.reshape)
        f.addRow("Shuffle seed", self.shuffle_seed)
        f.addRow(self.prep_problem)

    # -- redraw from the project --------------------------------------------------------------
    def _source(self) -> str:
        return (self.store.raw("dataset") or {}).get("source") or ""

    def _on_section_changed(self, key: str) -> None:
        if key == "dataset":
            self.refresh()

    def _on_graph_change(self, change) -> None:
        if change.kind != NODE_MOVED and not self._graph_timer.isActive():
            self._graph_timer.start()

    def refresh(self) -> None:
        """Show the project's dataset section (and the graph's inputs and outputs)."""
        section = self.store.get("dataset")
        source = section.get("source")
        self.source.set_value(source if source in sources.SOURCES else None)
        has = bool(source in sources.SOURCES)
        for box in (self.source_box, self.prep_box):
            box.setVisible(has)
        self._show_source_rows(source, section)
        self.mapping_box.setVisible(source in sources.mapped_sources())
        self.mapping.set_context(source or "", section, self.document.input_ids(), self.document.output_ids(),
                                 self.columns)
        self._show_guess(section)
        self.scale.set_value(section.get("scale"))
        _set_checked(self.standardize, section.get("standardize") is True)
        one_hot = section.get("one_hot")
        _set_checked(self.one_hot, one_hot is True or (isinstance(one_hot, list) and any(one_hot)))
        reshape = section.get("reshape")
        with QSignalBlocker(self.reshape):
            self.reshape.setText(", ".join(map(str, reshape)) if isinstance(reshape, list) else "")
        self.reshape.setEnabled(not isinstance(reshape, dict))
        self.shuffle_seed.set_value(section.get("shuffle_seed"))
        self.adapt_box.refresh()
        if not has:
            self.preview.show_message("Choose where the training data comes from.")

    def _show_source_rows(self, source: str | None, section: dict) -> None:
        info = sources.SOURCES.get(source or "")
        shown = {"path", "test_path", "delimiter", "header", *sources.SEQUENCE_KEYS, "image_size", "color_mode"}
        visible = {key: key in shown and sources.takes(section, key) for key in self._source_rows}
        visible.update(sklearn_name=source == "sklearn", keras_name=source == "keras",
                       x_test=sources.takes(section, "x_test") and len(self.document.input_ids()) <= 1,
                       y_test=sources.takes(section, "y_test") and len(self.document.output_ids()) <= 1,
                       note=bool(info and info.note))
        for key, (_label, widget) in self._source_rows.items():
            self.source_form.setRowVisible(widget, visible[key])
        self.path.line.setPlaceholderText(f"choose {info.path_names if info and info.path_names else 'a file'}")
        self.path.set_value(_text(section.get("path")))
        self.test_path.set_value(_text(section.get("test_path")))
        with QSignalBlocker(self.delimiter):
            self.delimiter.setText(section.get("delimiter") or "")
        _set_checked(self.header, section.get("header", True) is not False)
        self.sklearn_name.set_value(section.get("name") if source == "sklearn" else None)
        self.keras_name.set_value(section.get("name") if source == "keras" else None)
        self.num_words.set_value(section.get("num_words"))
        self.maxlen.set_value(section.get("maxlen"))
        self.padding.set_value(section.get("padding", "pre"))
        size = section.get("image_size")
        with QSignalBlocker(self.image_size):
            self.image_size.setText(", ".join(map(str, size)) if isinstance(size, list) else "")
        self.color_mode.set_value(section.get("color_mode", "rgb"))
        for field, key in ((self.x_test, "x_test"), (self.y_test, "y_test")):
            with QSignalBlocker(field):
                field.setText(_text(section.get(key)))
        self.source_note.setText(info.note if info else "")

    def set_columns(self, columns: list[str]) -> None:
        """The data's column names (from the preview), offered in the mapping."""
        if columns != self.columns:
            self.columns = list(columns)
            self.refresh()
        if self._wants_guess():
            QTimer.singleShot(0, self._guess_target)  # not inside the edit that chose the file: after it

    # -- the guessed target ---------------------------------------------------------------------
    def _wants_guess(self) -> bool:
        section = self.store.get("dataset")
        if section.get("source") != "csv" or section.get("target") is not None or not self.columns:
            return False
        if len(self.document.output_ids()) > 1:
            return False  # one column per output: the user says which
        return self._guess is None or self._guess[0] != section.get("path")  # an undone guess stays undone

    def _guess_target(self) -> None:
        if not self._wants_guess():
            return
        section = self.store.get("dataset")
        name, why = guess_target(self.columns)
        self._guess = (section.get("path"), name, why)
        section["target"] = int(name) if section.get("header") is False else name
        self.store.edit("dataset", section, "path")  # merges with the choice of the file: one undo step

    def _show_guess(self, section: dict) -> None:
        guess = self._guess
        shown = (guess is not None and section.get("source") == "csv" and section.get("path") == guess[0]
                 and str(section.get("target")) == str(guess[1]))
        if shown:
            self.target_note.setText(f"Target column '{guess[1]}' from the data ({guess[2]}). "
                                     "Choose another to set your own.")
        self.target_note.setVisible(shown)

    def set_problems(self, problems: list) -> None:
        """The data's problems against the graph (DataProblem), with their fixes."""
        self.problems = list(problems)
        errors = [p for p in problems if p.level == "error"]
        if not problems:
            self.problem_label.setText("The data fits the model." if self.data_ready else "")
            self.problem_label.setProperty("role", "secondary")
        else:
            marks = "\n".join(("✖ " if p.level == "error" else "⚠ ") + p.message for p in problems)
            self.problem_label.setText(marks)
            self.problem_label.setProperty("role", "error" if errors else "secondary")
        self.problem_label.style().unpolish(self.problem_label)
        self.problem_label.style().polish(self.problem_label)
        self.shapes_button.setEnabled(bool(self._fixes("shape")))
        self.units_button.setEnabled(bool(self._fixes("units")))

    def set_data_ready(self, ready: bool) -> None:
        """Whether the chosen data is loaded (and so checked against the model)."""
        self.adapt_box.set_ready(ready)
        if ready != self.data_ready:
            self.data_ready = ready
            self.set_problems(self.problems)

    def _fixes(self, name: str) -> list:
        return [p.fix for p in self.problems if p.fix is not None and p.fix.name == name]

    def _request_fixes(self, name: str) -> None:
        fixes = self._fixes(name)
        if fixes:
            self.fixesRequested.emit(fixes)

    # -- edits --------------------------------------------------------------------------------
    def _on_source(self, source) -> None:
        if source is None or source == self._source():
            return
        self.columns = []
        self.store.edit("dataset", {"source": source, **sources.SOURCES[source].starts_with},
                        text="Change the data source")

    def _on_keras_name(self, name) -> None:
        keep = sources.kept_on_dataset_change(self.store.get("dataset"))
        keep["name"] = name
        self.store.edit("dataset", keep, "name")

    def _on_image_size(self) -> None:
        try:
            size = parse_shape(self.image_size.text())
        except ValueError:
            size = None
        if size is not None and len(size) != 2:
            size = None
        self.store.set_field("dataset", "image_size", size)

    def _on_reshape(self) -> None:
        try:
            shape = parse_shape(self.reshape.text())
        except ValueError as exc:
            self.prep_problem.setText(f"Reshape: {exc}")
            self.prep_problem.show()
            return
        self.prep_problem.hide()
        self.store.set_field("dataset", "reshape", shape)

    def show_loading(self) -> None:
        self.preview.show_message("Loading the data…")

    def show_error(self, text: str) -> None:
        self.preview.show_message(text, error=True)

    def show_preview(self, pv) -> None:
        self.preview.show_preview(pv)
        info = sources.SOURCES.get(self._source())
        if info is not None and info.mapping is not None and not info.mapping.arrays and pv.columns:
            self.set_columns(list(pv.columns))

    def path_for(self, chosen: str, base_dir: Path | None) -> str:
        """A chosen file as the section stores it: relative to the project's folder when inside it."""
        path = Path(chosen)
        if base_dir is not None:
            try:
                return str(path.resolve().relative_to(Path(base_dir).resolve()))
            except ValueError:
                pass
        return str(path)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _set_checked(box: QCheckBox, on: bool) -> None:
    with QSignalBlocker(box):
        box.setChecked(on)
