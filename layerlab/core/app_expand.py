"""An application node expanded into its layers: the keras.applications model as a collapsed `model: true` group.

The check engine builds `keras.applications.<Name>(include_top=False,
input_shape=<the wire's shape, or the application's default>, pooling, alpha,
weights=None)` as the node's params say, and reads its config with the
importer (nothing but Keras's own config is read; nothing from a file runs).
The result is a graph fragment: the nested model's nodes, edges and groups
(the model group, named after the node, and its name-scope blocks), the
entries (inner node and port fed by the node's input wire) and the exit (the
inner node and port whose tensor the node gave). The editor replaces the
node by it as one undo step (gui/app_expand.py).

Frozen stays frozen (every inner layer `trainable: false`, as Keras saves a
model after `model.trainable = False`). ImageNet weights are not copied into
the project: the group's `extra` says which application it came from
(`{"application": {...}}`) and the build loads the weights from the Keras
cache (`load_pretrained`), where the node loaded them from too.
"""

from __future__ import annotations

import collections
import contextlib
import json
from dataclasses import dataclass, field

from layerlab.core.document import Edge, GraphDocument, Group, Node
from layerlab.core.errors import LayerLabError

DEFAULT_SHAPE = (224, 224, 3)  # keras.applications' own default input size


class ExpandError(LayerLabError):
    """The node cannot be expanded into layers (not an application, a shape Keras refuses, weights missing)."""

    exit_code = 1


@dataclass
class Fragment:
    """A nested model's graph, ready to stand where an application node stood."""

    nodes: list[Node]
    edges: list[Edge]
    groups: list[Group]
    entries: list[tuple[str, int]]  # (inner node, port) fed by the node's input
    exit: tuple[str, int]  # (inner node, output port) that gives the node's output
    group_id: str  # the `model: true` group
    notes: list[str] = field(default_factory=list)


def application_kwargs(params: dict) -> dict:
    """The keras.applications constructor's arguments among a node's params (all but trainable, name, weights)."""
    return {k: v for k, v in params.items() if k not in ("trainable", "name", "weights")}


@contextlib.contextmanager
def _fresh_layer_names():
    """Keras's automatic layer names counted afresh ('global_max_pooling2d', not '..._4').

    Whatever the engine built before, the same application expands to the same layers (and finds its
    ImageNet weights by name). Keras keeps the counters per thread; without that private attribute the
    names just count on.
    """
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - another Keras layout
        yield
        return
    saved = global_state.get_global_attribute("object_name_uids")
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    try:
        yield
    finally:
        global_state.set_global_attribute("object_name_uids", saved)


def fragment(type_name: str, params: dict, input_shape, label: str) -> Fragment:
    """The fragment for an application node of `type_name` with `params`, fed `input_shape` (no batch axis)."""
    from layerlab.core import catalog, keras_apps
    from layerlab.core.catalog.entries.applications import APPLICATIONS
    from layerlab.core.importer.convert import Converter
    from layerlab.core.importer.safety import scan
    from layerlab.core.keras_errors import friendly_error
    from layerlab.core.kerasenv import keras
    from layerlab.core.layout_fit import fit_layout
    from layerlab.core.scopes import add_scope_groups

    spec = catalog.get(type_name)
    if spec is None or spec.application not in APPLICATIONS:
        raise ExpandError(f"a {type_name} node is not a keras.applications model: only those expand into layers")
    name = spec.application
    params = {**spec.defaults(), **params}
    shape = tuple(int(d) for d in input_shape) if input_shape else DEFAULT_SHAPE
    kwargs = application_kwargs(params)
    k = keras()
    if params.get("weights") == "imagenet":
        try:
            keras_apps._check_cached(name, kwargs, (None, *shape))
        except keras_apps.ApplicationWeightsMissing as exc:
            raise ExpandError(str(exc)) from None
    try:
        with _fresh_layer_names():
            app = getattr(k.applications, name)(include_top=False, weights=None, input_shape=shape, **kwargs)
    except Exception as exc:  # Keras's verdict on these arguments and this shape
        raise ExpandError(f"{name} cannot be made for input shape {shape}: {friendly_error(exc)}") from None
    app.name = label
    app.trainable = bool(params.get("trainable", False))
    image = k.Input(shape, name=f"{label}_image")
    outer = k.Model(image, app(image), name=f"{label}_outer")
    top = json.loads(json.dumps(k.saving.serialize_keras_object(outer)))  # as a .keras file holds it (lists)
    if scan(top).refusals:  # pragma: no cover - Keras's own applications are all in the catalog
        raise ExpandError(f"{name} holds layers LayerLab cannot represent")
    conversion = Converter().convert(top)
    if conversion.refusals:  # pragma: no cover - as above
        raise ExpandError(f"{name}: {conversion.refusals[0]}")
    doc = GraphDocument()
    doc.load(conversion.nodes, conversion.edges, conversion.groups)
    add_scope_groups(doc, collapsed=True)
    for node_id, pos in fit_layout(doc).items():
        doc.move_node(node_id, pos)
    [entry_node] = doc.input_ids()
    entries = [(e.target, e.port) for e in doc.out_edges(entry_node)]
    [last] = doc.output_ids()
    model_group = next(g for g in doc.groups() if g.model)
    extra = {"application": {"name": name, "kwargs": kwargs, "input_shape": list(shape)}} \
        if params.get("weights") == "imagenet" else {}
    groups = [g.with_(collapsed=True, extra={**(g.extra or {}), **extra}) if g.id == model_group.id else g
              for g in doc.groups()]
    nodes = [n for n in doc.nodes() if n.id != entry_node]
    edges = [e for e in doc.edges() if e.source != entry_node]
    notes = [] if input_shape else [f"The input shape was not known yet: {name} was made for "
                                    f"{', '.join(map(str, shape))} (its default)."]
    return Fragment(nodes, edges, groups, entries, (last, 0), model_group.id, notes)


def load_pretrained(model, application: dict, notes: list[str] | None = None) -> None:
    """Copy the ImageNet weights of `application` (a group's extra) from the Keras cache into `model`, by layer name."""
    from layerlab.core import catalog, keras_apps
    from layerlab.core.kerasenv import keras

    name = application.get("name")
    spec = catalog.get(f"applications.{name}")
    allowed = {p.name for p in spec.params} if spec is not None else set()  # a file's extra names no other argument
    kwargs = {k: v for k, v in application_kwargs(dict(application.get("kwargs") or {})).items() if k in allowed}
    shape = tuple(application.get("input_shape") or DEFAULT_SHAPE)
    from layerlab.core.catalog.entries.applications import APPLICATIONS

    if name not in APPLICATIONS:
        raise ValueError(f"keras.applications has no model {name!r} in LayerLab's catalog")
    keras_apps._check_cached(name, kwargs, (None, *shape))
    from keras.src.utils import file_utils

    original = file_utils.get_file

    def from_cache(fname=None, origin=None, *args, **kw):  # the file _check_cached found; never a download
        path = keras_apps.keras_cache().parent / kw.get("cache_subdir", "models") / (fname or origin.rsplit("/")[-1])
        if not path.is_file():
            raise keras_apps.ApplicationWeightsMissing(f"the ImageNet weights of {name} are not in the Keras cache: "
                                                       f"put the file '{path.name}' in {path.parent}")
        return str(path)

    file_utils.get_file = from_cache
    try:
        reference = getattr(keras().applications, name)(include_top=False, weights="imagenet", input_shape=shape,
                                                        **kwargs)
    finally:
        file_utils.get_file = original
    by_name = {layer.name: layer for layer in reference.layers}
    renamed = application.get("names") if isinstance(application.get("names"), dict) else {}
    missed = []
    for layer in model.layers:
        source = by_name.get(renamed.get(layer.name, layer.name))
        if not layer.weights:
            continue
        if source is None or [w.shape for w in source.weights] != [w.shape for w in layer.weights]:
            missed.append(layer.name)
            continue
        layer.set_weights(source.get_weights())
    if missed and notes is not None:
        notes.append(f"{len(missed)} layer(s) of '{model.name}' keep random weights: they are not in {name}'s "
                     f"ImageNet weights as they are now ({', '.join(missed[:3])})")
