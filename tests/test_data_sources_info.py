"""core.data.sources: how each data source is chosen and mapped, declared once for the Data panel."""

from layerlab.core.data import sources
from layerlab.core.data.section import KERAS_OPTIONS, SKLEARN_NAMES, SOURCE_KEYS, allowed_keys


def test_every_source_is_described_and_takes_what_it_names():
    assert set(sources.SOURCES) == set(SOURCE_KEYS)
    for key, info in sources.SOURCES.items():
        section = {"source": key, **info.starts_with}
        assert set(info.starts_with) <= set(allowed_keys(section))
        assert (info.path_names is not None) == ("path" in SOURCE_KEYS[key])
        if info.mapping is not None:
            for name in (info.mapping.inputs, info.mapping.outputs, info.mapping.text):
                assert name is None or name in SOURCE_KEYS[key], (key, name)


def test_titles_cover_every_bundled_sample():
    assert set(sources.SKLEARN_TITLES) == set(SKLEARN_NAMES)
    assert sources.KERAS_NAMES == tuple(KERAS_OPTIONS)


def test_what_a_source_takes_follows_section_py():
    assert sources.takes({"source": "keras", "name": "imdb"}, "maxlen")
    assert not sources.takes({"source": "keras", "name": "mnist"}, "maxlen")
    assert sources.takes({"source": "text_csv"}, "maxlen") and sources.takes({"source": "csv"}, "delimiter")
    assert not sources.takes({"source": "npz"}, "delimiter")
    assert sources.mapped_sources() == ("csv", "npz", "text_csv")


def test_file_filters_and_what_a_new_dataset_keeps():
    assert sources.file_filter("csv") == "CSV files (*.csv *.tsv *.txt);;All files (*)"
    assert sources.file_filter("npz") == "NumPy arrays (*.npz);;All files (*)"
    assert sources.file_filter("images") == "All files (*)"
    kept = sources.kept_on_dataset_change({"source": "keras", "name": "imdb", "maxlen": 80, "scale": 255.0})
    assert kept == {"source": "keras", "name": "imdb", "scale": 255.0}
