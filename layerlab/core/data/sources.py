"""What the editor needs to know about each data source, declared once (as the layer catalog is).

`section.py` says which keys a source takes; this module says how a person
chooses one: its title, the keys a new section starts with, what its path
names (a file or a folder, and which suffixes), and which section keys map
its columns or arrays to the model's inputs and outputs. The Data panel and
its mapping editor read these; they keep no rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layerlab.core.data.section import KERAS_OPTIONS, PREPROCESS_KEYS, SOURCE_KEYS


@dataclass(frozen=True)
class Mapping:
    """The section keys that map a source's data to the model: features per Input, targets per output."""

    inputs: str | None  # "features" (CSV columns), "x" (.npz arrays); None: the source decides (text)
    outputs: str  # "target", "y"
    text: str | None = None  # the text column (text_csv)
    arrays: bool = False  # named arrays (.npz), not columns


@dataclass(frozen=True)
class SourceInfo:
    key: str
    title: str  # as the source list shows it
    starts_with: dict = field(default_factory=dict)  # the keys a new section of this source gets
    path_names: str | None = None  # what its "path" names: "a CSV file", "a folder"; None: no path
    folder: bool = False  # its path is a folder
    suffixes: tuple[str, ...] = ()  # the files its path may name (empty: any)
    mapping: Mapping | None = None  # how its data maps to the model; None: fixed by the source
    note: str = ""  # a line of help under its fields


SOURCES: dict[str, SourceInfo] = {info.key: info for info in (
    SourceInfo("sklearn", "Bundled sample (offline)", {"name": "digits"}),
    SourceInfo("csv", "CSV file", path_names="a CSV file", suffixes=(".csv", ".tsv", ".txt"),
               mapping=Mapping("features", "target")),
    SourceInfo("npz", "NumPy arrays (.npz)", path_names="an .npz file", suffixes=(".npz",),
               mapping=Mapping("x", "y", arrays=True)),
    SourceInfo("images", "Image folder", path_names="a folder", folder=True,
               note="One folder per class inside the chosen folder; the folder names are the class names."),
    SourceInfo("text_csv", "Text in a CSV file", path_names="a CSV file", suffixes=(".csv", ".tsv", ".txt"),
               mapping=Mapping(None, "target", text="text")),
    SourceInfo("keras", "Keras dataset (download)", {"name": "mnist"},
               note="Keras downloads the dataset once into its cache (~/.keras/datasets); without network "
                    "access, put the file there yourself."),
)}

SKLEARN_TITLES = {"digits": "digits (8×8 images, 10 classes)", "iris": "iris (4 features, 3 classes)",
                  "wine": "wine (13 features, 3 classes)", "breast_cancer": "breast_cancer (30 features, 2 classes)",
                  "diabetes": "diabetes (10 features, regression)"}
KERAS_NAMES = tuple(KERAS_OPTIONS)
SEQUENCE_KEYS = ("num_words", "maxlen", "padding")  # the sequence options (text_csv; Keras's imdb and reuters)


def file_filter(source: str) -> str:
    """A file dialog's filter for the source's path ("CSV files (*.csv *.tsv *.txt);;All files (*)")."""
    info = SOURCES.get(source)
    if info is None or not info.suffixes:
        return "All files (*)"
    what = {".npz": "NumPy arrays"}.get(info.suffixes[0], f"{info.suffixes[0][1:].upper()} files")
    return f"{what} ({' '.join('*' + s for s in info.suffixes)});;All files (*)"


def mapped_sources() -> tuple[str, ...]:
    """The sources whose columns or arrays the user maps to the model's inputs and outputs."""
    return tuple(key for key, info in SOURCES.items() if info.mapping is not None)


def takes(section: dict, key: str) -> bool:
    """Whether a section of this source (and, for Keras, this dataset) takes `key`."""
    source = section.get("source")
    if source == "keras":
        return key in KERAS_OPTIONS.get(section.get("name"), ()) or key in SOURCE_KEYS["keras"]
    return key in SOURCE_KEYS.get(source or "", ())


def kept_on_dataset_change(section: dict) -> dict:
    """What stays of a section when another dataset of the same source is chosen.

    The source, the name and the preprocessing stay; the previous dataset's own options go.
    """
    return {k: v for k, v in section.items() if k in ("source", "name", *PREPROCESS_KEYS)}
