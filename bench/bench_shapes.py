"""Shape checking on a ~500-node graph, against Keras building the same functional model.

Times, in one run:
  (a) a full check by a cold ShapeChecker (empty memo), and the same with the memo off,
  (b) Keras building the same model directly (keras.Input ... keras.Model),
  (c) one-node edits (a random node gets a new parameter value, then a re-check): median and p95,
      and the same edit checked the editor's way (a replica reloaded with document.load, then checked).
and prints a markdown table. Targets (issue 2): (c) median <= 20 ms; (a) faster than (b).

Run: .venv/bin/python bench/bench_shapes.py [--edits 50] [--seed 0]
"""

from __future__ import annotations

import argparse
import random

from common import fmt_ms, markdown_table, median, percentile, quiet_keras, timed

from layerlab.core.document import GraphDocument
from layerlab.core.shapes import ShapeChecker

MERGES = {"Add", "Concatenate"}


class GraphMaker:
    """Builds a varied graph node by node: three inputs, branches, skip connections, merges."""

    def __init__(self, rng: random.Random):
        self.doc = GraphDocument()
        self.rng = rng

    def add(self, type_name: str, params: dict, *sources: str) -> str:
        node = self.doc.add_node(type_name, params)
        for port, src in enumerate(sources):
            self.doc.add_edge(src, node, port=port)
        return node

    def image_branch(self, blocks_per_stage: int) -> str:
        x = self.add("Input", {"shape": [32, 32, 3]})
        x = self.add("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"}, x)
        for stage, filters in enumerate((16, 24, 32)):
            if stage:
                pool = "MaxPooling2D" if stage % 2 else "AveragePooling2D"
                x = self.add(pool, {"pool_size": 2, "padding": "same"}, x)
                x = self.add("Conv2D", {"filters": filters, "kernel_size": 1}, x)
            for b in range(blocks_per_stage):
                a = self.add("Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same"}, x)
                a = self.add("BatchNormalization", {"momentum": 0.9}, a)
                a = self.add("Activation", {"activation": self.rng.choice(["relu", "gelu", "swish"])}, a)
                a = self.add("Conv2D", {"filters": filters, "kernel_size": self.rng.choice([1, 3]), "padding": "same",
                                        "use_bias": False}, a)
                a = self.add("BatchNormalization", {}, a)
                x = self.add("Add", {}, x, a)
                x = self.add("ReLU", {}, x)
                if b % 2:
                    x = self.add("SpatialDropout2D", {"rate": 0.1}, x)
        return self.add("GlobalAveragePooling2D", {}, x)

    def sequence_branch(self, blocks: int) -> str:
        x = self.add("Input", {"shape": [64, 8]})
        x = self.add("Conv1D", {"filters": 32, "kernel_size": 3, "padding": "same"}, x)
        for b in range(blocks):
            y = self.add("Conv1D", {"filters": 32, "kernel_size": self.rng.choice([3, 5]), "padding": "same",
                                    "activation": "relu"}, x)
            y = self.add("LayerNormalization", {}, y)
            y = self.add("Dropout", {"rate": 0.1}, y)
            x = self.add("Add", {}, x, y)
            if b in (blocks // 3, 2 * blocks // 3):
                x = self.add("MaxPooling1D", {"pool_size": 2}, x)
        x = self.add("Flatten", {}, x)
        return self.add("Dense", {"units": 64, "activation": "relu"}, x)

    def table_branch(self, blocks: int) -> str:
        x = self.add("Input", {"shape": [20]})
        x = self.add("Dense", {"units": 64, "activation": "relu"}, x)
        for _ in range(blocks):
            y = self.add("Dense", {"units": 64, "activation": self.rng.choice(["relu", "tanh", "elu"])}, x)
            y = self.add("Dropout", {"rate": self.rng.choice([0.1, 0.2, 0.3])}, y)
            y = self.add("Dense", {"units": 64}, y)
            x = self.add("Add", {}, x, y)
        return x

    def heads(self, *features: str) -> None:
        x = self.add("Concatenate", {}, *features)
        x = self.add("Dense", {"units": 128, "activation": "relu"}, x)
        x = self.add("Dropout", {"rate": 0.5}, x)
        self.add("Dense", {"units": 10, "activation": "softmax"}, x)
        self.add("Dense", {"units": 1, "activation": "sigmoid"}, features[0])


def make_graph(seed: int) -> GraphDocument:
    maker = GraphMaker(random.Random(seed))
    img = maker.image_branch(blocks_per_stage=13)
    seq = maker.sequence_branch(blocks=26)
    tab = maker.table_branch(blocks=22)
    maker.heads(img, seq, tab)
    return maker.doc


def keras_build(doc: GraphDocument):
    """Build the document's model with Keras directly: the reference the checker is timed against."""
    k = quiet_keras()
    tensors, inputs = {}, []
    for node in doc.nodes():  # GraphMaker adds nodes in a topological order
        if node.type == "Input":
            tensors[node.id] = k.Input(shape=tuple(node.params["shape"]), name=node.id)
            inputs.append(tensors[node.id])
            continue
        layer = getattr(k.layers, node.type)(name=node.id, **node.params)
        args = [tensors[e.source] for e in doc.in_edges(node.id)]
        tensors[node.id] = layer(args if node.type in MERGES else args[0])
    outputs = [tensors[n] for n in doc.output_ids()]
    return k.Model(inputs, outputs)


# One edit per layer type: a parameter and the values it may take.
EDITS = {
    "Dense": [("units", [32, 48, 64, 96]), ("activation", ["relu", "tanh", "gelu", None])],
    "Conv2D": [("filters", [8, 16, 24, 32, 40]), ("activation", ["relu", "swish", None])],
    "Conv1D": [("filters", [16, 32, 48]), ("activation", ["relu", "gelu", None])],
    "BatchNormalization": [("momentum", [0.9, 0.95, 0.99]), ("epsilon", [1e-3, 1e-4])],
    "LayerNormalization": [("epsilon", [1e-3, 1e-5, 1e-6])],
    "Dropout": [("rate", [0.1, 0.2, 0.3, 0.4])],
    "SpatialDropout2D": [("rate", [0.1, 0.2, 0.3])],
    "Activation": [("activation", ["relu", "gelu", "swish", "tanh"])],
    "ReLU": [("max_value", [None, 6.0])],
    "MaxPooling2D": [("pool_size", [2, 3])],
    "AveragePooling2D": [("pool_size", [2, 3])],
    "MaxPooling1D": [("pool_size", [2, 4])],
    "Concatenate": [("axis", [-1, 1])],
}


def edit_once(doc: GraphDocument, rng: random.Random) -> tuple[str, dict]:
    """Give one random editable node a new value for one of its parameters; return (node id, old params)."""
    candidates = [n for n in doc.node_ids() if doc.node_type(n) in EDITS]
    node = rng.choice(candidates)
    name, values = rng.choice(EDITS[doc.node_type(node)])
    old = doc.params(node)
    doc.set_param(node, name, rng.choice([v for v in values if v != old.get(name)]))
    return node, old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="full checks and Keras builds to take the median of")
    args = parser.parse_args()

    k = quiet_keras()
    doc = make_graph(args.seed)

    # Warm both paths up on a tiny graph: first calls pay one-off costs (TF function setup, imports).
    warm = make_graph(args.seed + 1)
    ShapeChecker(warm).check()
    keras_build(warm)
    k.backend.clear_session()

    full, report = [], None
    for _ in range(args.repeat):
        checker = ShapeChecker(doc)
        seconds, report = timed(checker.check)
        full.append(seconds)
    assert report.valid, [str(p) for p in report.errors[:5]]
    calls_full = checker.keras_calls

    unshared = []  # every node to Keras: what the memo's sharing of identical signatures saves
    for _ in range(args.repeat):
        checker = ShapeChecker(doc, memo_size=0)
        seconds, again = timed(checker.check)
        unshared.append(seconds)
        assert again.results == report.results
    calls_unshared = checker.keras_calls

    build = []
    for _ in range(args.repeat):
        seconds, model = timed(lambda: keras_build(doc))
        build.append(seconds)
        assert model.count_params() == report.total_params, (model.count_params(), report.total_params)
        k.backend.clear_session()

    checker = ShapeChecker(doc)
    checker.check()
    # The editor's path: a worker thread checks a replica that it reloads before each check.
    replica = GraphDocument()
    replica.load(doc.nodes(), doc.edges())
    replica_checker = ShapeChecker(replica)
    replica_checker.check()
    rng = random.Random(args.seed)
    edits, calls, invalid, reloads = [], [], 0, []
    for _ in range(args.edits):
        node, old_params = edit_once(doc, rng)
        before = checker.keras_calls
        seconds, after = timed(checker.check)
        edits.append(seconds)
        calls.append(checker.keras_calls - before)
        invalid += not after.valid
        seconds, again = timed(lambda: (replica.load(doc.nodes(), doc.edges()), replica_checker.check())[1])
        reloads.append(seconds)
        assert again.results == after.results
        doc.set_params(node, old_params)  # undo, so that edits do not pile up into a broken graph
        checker.check()
        replica.load(doc.nodes(), doc.edges())
        replica_checker.check()

    t_full, t_build, t_unshared = median(full), median(build), median(unshared)
    t_edit, t_p95 = median(edits), percentile(edits, 95)
    t_reload = median(reloads)
    rows = [
        ["full check, cold checker", fmt_ms(t_full), f"{t_full / t_build:.2f}x",
         f"{calls_full} Keras evaluations (identical signatures evaluated once)"],
        ["full check, cold, memo off", fmt_ms(t_unshared), f"{t_unshared / t_build:.2f}x",
         f"{calls_unshared} Keras evaluations (every node)"],
        ["Keras builds the functional model", fmt_ms(t_build), "1.00x", "keras.Input ... keras.Model"],
        ["one-node edit + re-check, median", fmt_ms(t_edit), f"{t_edit / t_build:.3f}x",
         f"median {median(calls):.0f} Keras evaluations per edit"],
        ["one-node edit + re-check, p95", fmt_ms(t_p95), f"{t_p95 / t_build:.3f}x",
         f"max {max(calls)} evaluations; {invalid}/{len(edits)} edits left the graph invalid"],
        ["edit via a reloaded replica, median", fmt_ms(t_reload), f"{t_reload / t_build:.3f}x",
         "document.load(nodes, edges) + check: the editor's worker-thread path"],
    ]
    print(f"Graph: {len(doc)} nodes, {len(doc.edges())} edges, {report.total_params:,} parameters; "
          f"Keras {k.__version__}; {args.edits} edits; medians of {args.repeat} runs for the first two rows.")
    print()
    print(markdown_table(["what", "time", "vs Keras build", "notes"], rows))
    print()
    print(f"Targets: edit median <= 20 ms: {'met' if t_edit <= 0.020 else 'NOT met'}; "
          f"full check faster than Keras's build: {'met' if t_full < t_build else 'NOT met'}.")


if __name__ == "__main__":
    main()
