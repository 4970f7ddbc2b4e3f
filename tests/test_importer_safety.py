"""Safety: a model holding code, custom objects or layers outside the catalog is refused, and nothing from it runs.

Refusals raise ModelRefusedError (exit code 1) listing every offending layer by
name and type, with the reason. The lists of Keras built-ins that the check uses
without importing Keras are compared with the installed Keras here.
"""

import json
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest
from test_importer_support import keras

from layerlab.core import catalog
from layerlab.core.importer import ModelRefusedError, import_model
from layerlab.core.importer import keras_names as kn
from layerlab.core.importer.params import _INITIALIZER_DEFAULTS, plain_value


def _refused(path, *needles, unsafe=True):
    with pytest.raises(ModelRefusedError) as info:
        import_model(path)
    err = info.value
    assert err.exit_code == 1 and err.unsafe is unsafe
    text = str(err)
    assert str(path) in text and "\n" not in text
    for needle in needles:
        assert needle in text, (needle, text)
    return err


def _save(model, path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    return path


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_custom_layer_and_custom_activation_are_all_listed(tmp_path, suffix):
    k = keras()

    def doubled(t):
        return t * 2

    @k.saving.register_keras_serializable(package="SafetyTest")
    class Scale(k.layers.Layer):
        def call(self, t):
            return t * 3

    x = k.Input((4,), name="x")
    y = k.layers.Dense(3, activation=doubled, name="dense_fn")(x)
    y = Scale(name="scale")(y)
    y = k.layers.Lambda(lambda t: t + 1, name="plus_one")(y)
    path = _save(k.Model(x, y), tmp_path / f"custom{suffix}")
    err = _refused(path, "'plus_one' (Lambda)", "Python code", "'scale'", "SafetyTest>Scale", "'dense_fn'",
                   "doubled", "never runs code")
    assert {r.layer for r in err.refusals} == {"dense_fn", "scale", "plus_one"}


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_custom_initializer_object_is_refused(tmp_path, suffix):
    k = keras()

    @k.saving.register_keras_serializable(package="SafetyTest")
    class HalfOnes(k.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return k.ops.ones(shape, dtype=dtype) / 2

    x = k.Input((4,), name="x")
    path = _save(k.Model(x, k.layers.Dense(2, kernel_initializer=HalfOnes(), name="d")(x)), tmp_path / f"i{suffix}")
    _refused(path, "'d' (Dense)", "kernel_initializer", "HalfOnes")


def test_keras_operation_outside_the_curated_set_is_refused_as_unsupported(tmp_path):
    k = keras()
    x = k.Input((4,), name="x")
    path = _save(k.Model(x, k.ops.cumsum(k.layers.Dense(2, name="d")(x), axis=1)), tmp_path / "ops.keras")
    _refused(path, "Keras operation", "Cumsum", unsafe=False)


def test_keras_layer_outside_the_catalog_is_refused(tmp_path):
    k = keras()
    assert catalog.get("Pipeline") is None  # a built-in the catalog leaves out (tests/test_catalog.py REFUSED)
    x = k.Input((4,), name="x")
    pipeline = k.layers.Pipeline([k.layers.Rescaling(0.5)], name="outsider")
    path = _save(k.Model(x, pipeline(x)), tmp_path / "out.keras")
    _refused(path, "'outsider' (Pipeline)", "not in LayerLab's catalog", unsafe=False)


def test_tensor_argument_the_graph_cannot_hold_is_refused(tmp_path):
    k = keras()
    q, v = k.Input((5, 4), name="q"), k.Input((6, 4), name="v")
    qm = k.Input((5,), dtype="bool", name="qm")
    y = k.layers.MultiHeadAttention(2, 2, name="attend")(q, v, query_mask=qm)
    path = _save(k.Model([q, v, qm], y), tmp_path / "mask.keras")
    _refused(path, "'attend' (MultiHeadAttention)", "query_mask", unsafe=False)


def _write_h5(path, config):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.create_group("model_weights").attrs["layer_names"] = []
    return path


def _functional(*layers):
    entries = [{"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
                "config": {"name": "x", "batch_input_shape": [None, 3]}}]
    prev = "x"
    for cls, name, module, extra in layers:
        entry = {"class_name": cls, "name": name, "inbound_nodes": [[[prev, 0, 0, {}]]],
                 "config": {"name": name, **extra}}
        if module:
            entry["module"] = module
        entries.append(entry)
        prev = name
    return {"class_name": "Functional", "config": {"name": "m", "layers": entries, "input_layers": [["x", 0, 0]],
                                                   "output_layers": [[prev, 0, 0]]}}


def test_keras2_marshalled_lambda_is_never_unmarshalled(tmp_path):
    # Keras 2 stored a Lambda's bytecode as marshal+base64; the bytes below would crash or run if unmarshalled.
    code = ["4wAAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkA", None, None]
    path = _write_h5(tmp_path / "k2.h5", _functional(("Lambda", "lam", None, {"function": code,
                                                                                "function_type": "lambda"})))
    _refused(path, "'lam' (Lambda)")


def test_class_from_an_arbitrary_module_is_refused_without_importing_it(tmp_path):
    module = "layerlab_safety_probe_module"
    config = _functional(("Dense", "d", module, {"units": 2}),
                         ("Dense", "e", "keras.layers", {"units": 2, "kernel_initializer": {
                             "module": module, "class_name": "Probe", "config": {}, "registered_name": "x>Probe"}}))
    path = _write_h5(tmp_path / "probe.h5", config)
    _refused(path, f"module '{module}'", "'e' (Dense)", "Probe")
    assert module not in sys.modules


def test_refusing_and_plain_imports_do_not_load_tensorflow(tmp_path):
    """The checks and the conversion of a plain model run without Keras or TensorFlow."""
    refused = _write_h5(tmp_path / "refused.h5", _functional(("Lambda", "lam", None, {"function": ["x", None, None]})))
    plain = _write_h5(tmp_path / "plain.h5", _functional(("Dense", "d", None, {"units": 2}),
                                                         ("ReLU", "r", None, {})))
    code = textwrap.dedent(f"""
        import sys
        from layerlab.core.importer import ModelRefusedError, import_model
        try:
            import_model({str(refused)!r})
        except ModelRefusedError:
            pass
        result = import_model({str(plain)!r})
        assert [n.type for n in result.project.document.nodes()] == ["Input", "Dense", "ReLU"]
        heavy = [m for m in ("tensorflow", "keras") if m in sys.modules]
        assert not heavy, heavy
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


# -- the written-out lists of Keras built-ins, against the installed Keras -------------------------
def test_layer_names_are_keras_layers_and_cover_the_catalog():
    k = keras()
    real = {c.__name__ for c in vars(k.layers).values() if isinstance(c, type) and issubclass(c, k.layers.Layer)}
    assert kn.LAYERS <= real | {"Pipeline"}
    assert real - kn.LAYERS - set(kn.CODE_LAYERS) <= {"Layer", "Wrapper"}
    layer_types = {s.type for s in catalog.all_specs() if not s.is_operation and not s.application} - {"Input"}
    aliases = {public: name for name, public in kn.CATALOG_ALIASES.items()}
    assert {aliases.get(t, t) for t in layer_types} <= kn.LAYERS


def test_object_families_match_keras():
    k = keras()
    for module, names in ((k.initializers, kn.INITIALIZERS), (k.regularizers, kn.REGULARIZERS),
                          (k.constraints, kn.CONSTRAINTS)):
        real = {n for n, c in vars(module).items() if isinstance(c, type) and n[0].isupper()}
        base = {"Initializer", "Regularizer", "Constraint"}
        assert names == real - base, module.__name__
    for name in kn.ACTIVATIONS:
        assert callable(getattr(k.activations, name)), name
    for name in kn.DTYPE_POLICIES:
        assert hasattr(k.dtype_policies, name)


def test_default_initializers_become_names_keras_accepts():
    k = keras()
    for cls_name in kn.INITIALIZERS - {"STFT", "STFTInitializer"}:
        cls = getattr(k.initializers, cls_name)
        config = cls().get_config()
        if cls_name in _INITIALIZER_DEFAULTS:
            assert {key: v for key, v in config.items() if v is not None} == _INITIALIZER_DEFAULTS[cls_name]
        serialized = {"module": "keras.initializers", "class_name": cls.__name__, "config": config,
                      "registered_name": None}
        plain = plain_value("kernel_initializer", serialized)
        rebuilt = k.initializers.get(plain)  # the name, or the JSON form: Keras accepts either back
        assert type(rebuilt).__name__ == cls.__name__, (cls_name, plain)
        assert rebuilt.get_config() == config


def test_non_default_initializer_keeps_its_json_form():
    k = keras()
    serialized = k.initializers.serialize(k.initializers.RandomNormal(stddev=0.3, seed=2))
    kept = plain_value("kernel_initializer", serialized)
    assert isinstance(kept, dict)
    rebuilt = k.layers.Dense(2, kernel_initializer=kept)
    assert rebuilt.kernel_initializer.get_config() == {"mean": 0.0, "stddev": 0.3, "seed": 2}
    assert np.isfinite(rebuilt.kernel_initializer((2, 2))).all()
