"""A Keras model config -> LayerLab graph nodes and edges, without Keras.

Node ids are the Keras layer names. A model nested as a layer is flattened:
its layers become nodes (renamed with the nested model's name when their names
clash), its inputs are wired to whatever fed the nested model, and whatever
read its outputs reads the inner layers instead; its nodes make one
`model: true` group named after it (core.nested builds it back as a
sub-model; a second call of it is a group whose nodes share the first's,
marked {"shares": first group}). A layer called at several
places stays one layer: its first call owns it, the others are nodes with
`shares` pointing at the owner. Input ports follow the order of the tensors in
each call, and a tensor's index (a layer with several outputs) becomes the
edge's source_port.

Both config dialects are read: Keras 3 (inbound nodes as {"args", "kwargs"}
with serialized tensors) and Keras 2 (inbound nodes as lists of
[layer, node_index, tensor_index, kwargs]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layerlab.core import catalog
from layerlab.core.catalog.entries.common import numbers
from layerlab.core.catalog.spec import CALL_LIST, CALL_POSITIONAL
from layerlab.core.document import Edge, Node
from layerlab.core.groups import Group
from layerlab.core.importer import keras_names as kn
from layerlab.core.importer.calls import (
    INPUT_LAYER,
    Call,
    TensorRef,
    call_count,
    input_specs,
    model_refs,
    node_offset,
    parse_call,
)
from layerlab.core.importer.errors import ModelFileError, Refusal
from layerlab.core.importer.params import dtype_name, layer_params, plain_value, to_snake_case
from layerlab.core.importer.safety import layer_name

Endpoint = tuple  # (node id, source port)


@dataclass
class LayerOrigin:
    """Where one imported layer's weights are in the file."""

    node_id: str
    type: str
    params: dict
    h5_group: str  # the top-level group under model_weights (legacy .h5)
    h5_name: str | None  # the layer's own name inside a nested model's group; None for a top-level layer
    keras_path: str  # its group in model.weights.h5 (.keras)
    input_specs: list | None = None  # [(shape, dtype)] of its first call, where the config records them


@dataclass
class Conversion:
    """The graph made from a model config, plus what the weights reader needs."""

    name: str | None
    nodes: list[Node]
    edges: list[Edge]
    origins: list[LayerOrigin]
    output_ids: list[str]
    notes: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)  # nested models, as `model: true` groups


@dataclass(frozen=True)
class _Place:
    """Where a model's layers live: in the graph (naming) and in the weights file."""

    keras_path: str  # the model's own group in model.weights.h5 ("" for the top model)
    h5_group: str | None  # the top-level group of the enclosing nested model (None at the top)
    model_name: str  # used to rename clashing layers of a nested model
    where: str  # dotted path for messages


class Converter:
    """Turns one model config into nodes and edges; see the module docstring."""

    def __init__(self) -> None:
        self.node_data: dict[str, dict] = {}
        self.order: list[str] = []
        self.edges: list[Edge] = []
        self.out_degree: dict[str, int] = {}
        self.reserved: set[str] = set()
        self.owner_of: dict[int, str] = {}
        self.calls: dict[str, int] = {}
        self.origins: list[LayerOrigin] = []
        self.input_ids: list[str] = []
        self.notes: list[str] = []
        self.refusals: list[Refusal] = []
        self._training_noted = False
        self.open_groups: list[dict] = []  # the nested models being expanded, innermost last
        self.model_groups: list[dict] = []
        self.model_calls: dict[int, str] = {}  # id(nested model entry) -> the group id of its first call

    # -- entry point ---------------------------------------------------------
    def convert(self, top: dict) -> Conversion:
        cfg = top.get("config")
        name = cfg.get("name") if isinstance(cfg, dict) else None
        for entry in _layers_of(top, "the model"):
            self.reserved.add(layer_name(entry))
        outputs = self.expand(top, _Place("", None, str(name or "model"), ""), None)
        output_ids = self._finish_outputs(outputs)
        first = [n for n in self.input_ids]
        last = list(output_ids)
        middle = [n for n in self.order if n not in set(first) | set(last)]
        nodes = []
        for n in first + middle + last:
            d = self.node_data[n]
            nodes.append(Node(n, d["type"], d["params"], None, d.get("shares")))
        position = {node.id: i for i, node in enumerate(nodes)}
        groups = [Group(g["id"], g["label"], tuple(sorted(g["nodes"], key=position.__getitem__)), True, True,
                        g["parent"], g["extra"]) for g in self.model_groups]
        dangling = [n for n in middle if not self.out_degree.get(n)]
        if dangling:
            self.notes.append(f"layers whose outputs nothing reads became extra model outputs: {', '.join(dangling)}")
        return Conversion(name, nodes, self.edges, self.origins, last, self.notes, self.refusals, groups)

    def expand(self, entry: dict, place: _Place, inputs: list[Endpoint] | None) -> list[Endpoint]:
        """Add a model's layers to the graph; returns the endpoints of its outputs."""
        if entry.get("class_name") == "Sequential" or isinstance(entry.get("config"), list):
            return self._expand_sequential(entry, place, inputs)
        return self._expand_functional(entry, place, inputs)

    # -- functional models ---------------------------------------------------
    def _expand_functional(self, entry: dict, place: _Place, inputs: list[Endpoint] | None) -> list[Endpoint]:
        cfg = entry["config"]
        layers = _layers_of(entry, place.where or "the model")
        by_name: dict[str, dict] = {}
        for layer in layers:
            lname = layer_name(layer)
            if lname in by_name:
                raise ModelFileError(f"the model config names two layers '{lname}'")
            by_name[lname] = layer
        keras2 = any(isinstance(n, list) for layer in layers for n in (layer.get("inbound_nodes") or []))
        paths = _container_paths(layers, place.keras_path)
        outs: dict[str, list] = {n: [] for n in by_name}

        in_refs = model_refs(cfg.get("input_layers"))
        if inputs is None:
            for ref in in_refs:
                entry_in = by_name.get(ref.layer)
                if entry_in is None or entry_in.get("class_name") != INPUT_LAYER:
                    raise ModelFileError(f"the model's input '{ref.layer}' is not an InputLayer of the model")
                outs[ref.layer] = [[(self._add_input(entry_in), 0)]]
        else:
            if len(in_refs) != len(inputs):
                raise ModelFileError(f"nested model '{place.model_name}' takes {len(in_refs)} input(s) but is "
                                     f"called on {len(inputs)}")
            for ref, ep in zip(in_refs, inputs):
                outs[ref.layer] = [[ep]]

        def resolve(t: TensorRef, for_output: bool) -> Endpoint | None:
            if t.layer not in by_name:
                raise ModelFileError(f"a call in '{place.where or 'the model'}' reads from unknown layer '{t.layer}'")
            done = outs[t.layer]
            target = by_name[t.layer]
            idx = t.node - node_offset(target, keras2, for_output)
            if idx < 0 or (idx >= call_count(target) and t.node < call_count(target)):
                idx = t.node
            if idx >= len(done):
                if idx >= max(call_count(target), 1):
                    raise ModelFileError(f"a call reads call {t.node} of layer '{t.layer}', which has only "
                                         f"{call_count(target)}")
                return None
            result = done[idx]
            if isinstance(result, str):
                return (result, t.index)
            if t.index >= len(result):
                raise ModelFileError(f"a call reads output {t.index} of '{t.layer}', which has {len(result)}")
            return result[t.index]

        pending = [layer for layer in layers if layer.get("class_name") != INPUT_LAYER]
        progress = True
        while progress:
            progress = False
            for layer in pending:
                lname = layer_name(layer)
                nodes_data = layer.get("inbound_nodes") or []
                while len(outs[lname]) < len(nodes_data):
                    call = parse_call(nodes_data[len(outs[lname])], lname)
                    ends = [resolve(t, False) for t in call.tensors]
                    if any(e is None for e in ends):
                        break
                    ends_by_tensor = dict(zip(map(id, call.tensors), ends))
                    child = _Place(paths.get(lname, ""), place.h5_group or lname, lname,
                                   f"{place.where}.{lname}" if place.where else lname)
                    outs[lname].append(self._call(layer, call, ends_by_tensor, place, child))
                    progress = True
        stuck = [layer_name(la) for la in pending if len(outs[layer_name(la)]) < len(la.get("inbound_nodes") or [])]
        if stuck:
            raise ModelFileError(f"the model graph cannot be resolved (a cycle, or calls of missing layers): "
                                 f"{', '.join(stuck[:5])}")
        ends = []
        for t in model_refs(cfg.get("output_layers")):
            ep = resolve(t, True)
            if ep is None:
                raise ModelFileError(f"the model's output '{t.layer}' is never computed")
            ends.append(ep)
        return ends

    # -- sequential models ---------------------------------------------------
    def _expand_sequential(self, entry: dict, place: _Place, inputs: list[Endpoint] | None) -> list[Endpoint]:
        layers = _layers_of(entry, place.where or "the model")
        input_entry = layers[0] if layers and layers[0].get("class_name") == INPUT_LAYER else None
        body = layers[1:] if input_entry is not None else layers
        paths = _container_paths(body, place.keras_path)
        if inputs is None:
            x = (self._add_input(input_entry) if input_entry else self._sequential_input(entry, body), 0)
        elif len(inputs) != 1:
            raise ModelFileError(f"Sequential model '{place.model_name}' is called on {len(inputs)} inputs")
        else:
            x = inputs[0]
        for layer in body:
            lname = layer_name(layer)
            call = Call([[TensorRef("", 0, 0)]], {}, [], {})
            child = _Place(paths[lname], place.h5_group or lname, lname,
                           f"{place.where}.{lname}" if place.where else lname)
            ends = self._call(layer, call, {id(call.tensors[0]): x}, place, child)
            if isinstance(ends, str):
                x = (ends, 0)
            elif len(ends) != 1:
                raise ModelFileError(f"layer '{lname}' of a Sequential model has {len(ends)} outputs")
            else:
                x = ends[0]
        return [x]

    def _sequential_input(self, entry: dict, body: list[dict]) -> str:
        """The Input of a Sequential model saved without an InputLayer (Keras 2, or built with build())."""
        first_cfg = body[0].get("config", {}) if body else {}
        shape = first_cfg.get("batch_input_shape") or first_cfg.get("batch_shape")
        if shape is None:
            cfg = entry.get("config") if isinstance(entry.get("config"), dict) else {}
            shape = cfg.get("build_input_shape") or (entry.get("build_config") or {}).get("input_shape")
        if not isinstance(shape, list) or not shape:
            self.refusals.append(Refusal("", "Sequential", "the model has no input shape (it was saved before it "
                                         "was built), so its layers' shapes are unknown"))
            shape = [None, 1]
        dtype = dtype_name(first_cfg.get("dtype")) or "float32"
        entry_in = {"class_name": INPUT_LAYER, "config": {"batch_shape": shape, "dtype": dtype, "name": "input_layer"}}
        return self._add_input(entry_in)

    # -- nodes -----------------------------------------------------------------
    def _add_input(self, entry: dict) -> str:
        cfg = entry.get("config") or {}
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if not isinstance(shape, list) or not shape:
            raise ModelFileError(f"input '{layer_name(entry)}' has no shape")
        params: dict[str, Any] = {"shape": list(shape[1:]), "dtype": dtype_name(cfg.get("dtype")) or "float32"}
        if cfg.get("sparse"):
            params["sparse"] = True
        node_id = self._claim(layer_name(entry), None)
        self._add_node(node_id, "Input", params)
        self.input_ids.append(node_id)
        return node_id

    def _add_node(self, node_id: str, type_name: str, params: dict, shares: str | None = None) -> None:
        self.node_data[node_id] = {"type": type_name, "params": params, "shares": shares}
        self.order.append(node_id)
        if self.open_groups:
            self.open_groups[-1]["nodes"].append(node_id)

    def _add_edge(self, source: Endpoint, target: str, port: int) -> None:
        self.edges.append(Edge(source[0], target, port, source[1]))
        self.out_degree[source[0]] = self.out_degree.get(source[0], 0) + 1

    def _claim(self, name: str, prefix: str | None) -> str:
        """A unique node id for `name`; a nested model's layer that clashes is prefixed with the model's name."""
        taken, reserved = self.node_data, self.reserved if prefix is not None else ()
        if name not in taken and name not in reserved:
            return name
        base = f"{prefix}_{name}" if prefix else name
        candidate, i = base, 2
        while candidate in taken or candidate in reserved:
            candidate, i = f"{base}_{i}", i + 1
        if prefix is not None:
            self.notes.append(f"layer '{name}' of nested model '{prefix}' was renamed '{candidate}' "
                              "(its name was taken)")
        return candidate

    def _call(self, layer: dict, call: Call, ends: dict, place: _Place, child: _Place):
        """One call of a layer or nested model; returns the call's node id, or a nested model's output endpoints."""
        cls = layer.get("class_name")
        if cls in kn.MODELS:
            inputs = [ends[id(t)] for t in call.tensors]
            self._check_kwargs(call, None, child.where)
            self._open_group(layer)
            try:
                return self.expand(layer, child, inputs)
            finally:
                self.open_groups.pop()
        key = id(layer)
        lname = layer_name(layer)
        owner = self.owner_of.get(key)
        type_name = kn.catalog_type(layer) or str(cls)
        spec = catalog.get(type_name)
        if owner is None:
            prefix = place.model_name if place.h5_group is not None else None
            node_id = self._claim(lname, prefix)
            params = layer_params(layer.get("config") or {}, type_name)
            if spec is not None and spec.is_operation:
                params.update(self._operation_constants(spec, call, child.where))
            self._add_node(node_id, type_name, params)
            self.owner_of[key] = node_id
            self.calls[node_id] = 1
            nested = place.h5_group is not None
            if spec is None or not spec.is_operation:  # operations hold no weights
                self.origins.append(LayerOrigin(
                    node_id, type_name, params, place.h5_group if nested else lname, lname if nested else None,
                    child.keras_path, input_specs(layer, call)))
        else:
            self.calls[owner] += 1
            node_id = self._claim(f"{owner}_call{self.calls[owner]}", None)
            self._add_node(node_id, type_name, {}, shares=owner)
        for port, tensor in self._ports(spec, call, child.where):
            self._add_edge(ends[id(tensor)], node_id, port)
        return node_id

    def _open_group(self, entry: dict) -> None:
        """Start the `model: true` group of one call of a nested model (a later call shares the first's)."""
        label = layer_name(entry)
        first = self.model_calls.get(id(entry))
        taken = {g["id"] for g in self.model_groups}
        gid, i = label if first is None else f"{label}_call2", 2
        while gid in taken:
            i += 1
            gid = f"{label}_call{i}"
        extra = {}  # a frozen model is frozen through its layers' own `trainable` (core.nested)
        if first is not None:
            extra["shares"] = first
        else:
            self.model_calls[id(entry)] = gid
        record = {"id": gid, "label": label, "nodes": [], "extra": extra,
                  "parent": self.open_groups[-1]["id"] if self.open_groups else None}
        self.model_groups.append(record)
        self.open_groups.append(record)

    def _operation_constants(self, spec, call: Call, where: str) -> dict:
        """A binary operation's constant operand (x * 0.5, 127.5 / x) as params; other constants are refused."""
        if not call.extra_args:
            return {}
        value = plain_value("constant", call.extra_args[0])
        if len(spec.inputs) == 2 and len(call.extra_args) == 1 and numbers(value) is None:
            return {"constant": value, "constant_first": call.layout[:1] == ["c"]}
        self._refuse(where, spec.type, f"is called with constant argument(s) {call.extra_args!r}, which LayerLab's "
                     "operation node cannot hold")
        return {}

    def _keyword_ports(self, spec, call: Call, where: str) -> list[tuple[int, TensorRef]]:
        """Tensors passed by keyword (initial_state=[h, c], attention_mask=m) on the spec's keyword ports."""
        pairs = []
        for name, group in call.tensor_kwargs.items():
            ports = [len(spec.inputs) + i for i, (_, kw) in enumerate(spec.keyword_inputs) if kw == name] \
                if spec else []
            if spec is not None and name in spec.inputs and spec.call == CALL_POSITIONAL and len(group) == 1:
                pairs.append((spec.inputs.index(name), group[0]))
            elif ports and len(group) <= len(ports):
                pairs.extend(zip(ports, group))
            else:
                self._refuse(where, spec.type if spec else "?", f"is called with tensor argument '{name}', which "
                             "its LayerLab node has no port for")
        return pairs

    def _ports(self, spec, call: Call, where: str) -> list[tuple[int, TensorRef]]:
        """(input port, tensor) pairs: the order of the call's tensors, and named arguments on their ports."""
        style = spec.call if spec else None
        if spec is not None and spec.is_operation:
            self._check_kwargs(Call(call.positional, call.tensor_kwargs, [], call.constants), spec, where)
            return list(enumerate(t for group in call.positional for t in group))
        if style == CALL_POSITIONAL:
            pairs = [(i, group[0]) for i, group in enumerate(call.positional) if len(group) == 1]
            if any(len(group) != 1 for group in call.positional):
                self._refuse(where, spec.type, "is called on a nested list of tensors, which LayerLab cannot wire")
            pairs.extend(self._keyword_ports(spec, call, where))
            self._check_kwargs(call, spec, where)
            return pairs
        tensors = [t for group in call.positional for t in group]
        keyword = self._keyword_ports(spec, call, where)
        self._check_kwargs(call, spec, where)
        if style != CALL_LIST and len(tensors) != 1:
            self._refuse(where, spec.type if spec else "?", f"is called on {len(tensors)} tensors; its LayerLab "
                         "node takes one")
            return []
        return list(enumerate(tensors)) + keyword

    def _check_kwargs(self, call: Call, spec, where: str) -> None:
        kind = spec.type if spec else "model"
        for name, value in call.constants.items():
            if value is None:
                continue
            if name == "training":  # Keras records training=False on every plain Dropout call: nothing to say
                if value is True and not self._training_noted:
                    self.notes.append(f"'{where}' was called with training={value}; LayerLab calls layers without "
                                      "it (predictions are unchanged; training behaviour of BatchNormalization and "
                                      "Dropout may differ)")
                    self._training_noted = True
                continue
            self._refuse(where, kind, f"is called with {name}={value!r}, which LayerLab's graph cannot hold")
        for value in call.extra_args:
            self._refuse(where, kind, f"is called with a constant argument {value!r}, which LayerLab's graph "
                         "cannot hold")

    def _refuse(self, where: str, kind: str, reason: str) -> None:
        self.refusals.append(Refusal(where, kind, reason))

    # -- outputs ---------------------------------------------------------------
    def _finish_outputs(self, outputs: list[Endpoint]) -> list[str]:
        """Node ids of the model outputs, in order; pass-through Identity nodes where a node cannot be one itself.

        LayerLab's outputs are the nodes that feed nothing, each giving all its outputs. A model output that also
        feeds another layer, is an Input, appears twice, or is only some of a layer's outputs, goes through an
        Identity layer instead (it changes no value).
        """
        result: list[str] = []
        i = 0
        counts: dict[str, int] = {}
        for node, _ in outputs:
            counts[node] = counts.get(node, 0) + 1
        while i < len(outputs):
            node, port = outputs[i]
            data = self.node_data[node]
            n_out = self._output_count(node)
            own = outputs[i:i + n_out]
            if (data["type"] != "Input" and not self.out_degree.get(node) and port == 0 and n_out is not None
                    and counts[node] == n_out and own == [(node, p) for p in range(n_out)]):
                result.append(node)
                i += n_out
                continue
            result.append(self._identity(node, port))
            i += 1
        return result

    def _output_count(self, node: str) -> int | None:
        data = self.node_data[node]
        params = self.node_data[data["shares"]]["params"] if data.get("shares") else data["params"]
        spec = catalog.get(data["type"])
        try:
            return len(spec.outputs(params)) if spec else None
        except Exception:  # a catalog entry that cannot tell: wire through an Identity to be safe
            return None

    def _identity(self, node: str, port: int) -> str:
        if catalog.get("Identity") is None:
            self._refuse(node, self.node_data[node]["type"], "is a model output that also feeds other layers (or is "
                         "one of several outputs); LayerLab would need an Identity layer in its catalog")
            return node
        ident = self._claim(f"{node}_output" + (str(port) if port else ""), None)
        self._add_node(ident, "Identity", {})
        self._add_edge((node, port), ident, 0)
        self.notes.append(f"model output '{node}'" + (f" (output {port})" if port else "") +
                          f" goes through a pass-through Identity node '{ident}'")
        return ident


def _layers_of(entry: dict, where: str) -> list[dict]:
    cfg = entry.get("config")
    layers = cfg if isinstance(cfg, list) else (cfg.get("layers") if isinstance(cfg, dict) else None)
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise ModelFileError(f"{where} has no valid list of layers in its config")
    return layers


def _container_paths(layers: list[dict], model_path: str) -> dict[str, str]:
    """Each layer's group in model.weights.h5: layers/<snake_case class name>[_n], in the model's layer order."""
    used: dict[str, int] = {}
    paths = {}
    base = f"{model_path}/layers" if model_path else "layers"
    for layer in layers:
        if kn.is_operation(layer):
            continue  # operations are not among a model's layers, so they take no place in the file
        name = to_snake_case(str(layer.get("class_name")))
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        paths[layer_name(layer)] = f"{base}/{name}"
    return paths
