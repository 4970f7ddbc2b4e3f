"""The model order: the order Keras creates (and lists) a functional model's layers.

Topological, ties broken by the document's node order; nodes on a cycle (and
what they feed) come last, in node order, so that a graph being edited still
has an order. build, codegen, the summary and its panel all use this one.
"""

from __future__ import annotations

import networkx as nx


def model_order(document) -> list[str]:
    """Node ids in model order (see the module's docstring)."""
    graph = document.graph
    if nx.is_directed_acyclic_graph(graph):
        return list(nx.lexicographical_topological_sort(graph, key=document.index))
    on_cycles = {n for comp in nx.strongly_connected_components(graph) for n in comp
                 if len(comp) > 1 or graph.has_edge(n, n)}
    downstream = set().union(*(nx.descendants(graph, n) for n in on_cycles))
    rest = graph.subgraph([n for n in document.node_ids() if n not in on_cycles and n not in downstream])
    order = list(nx.lexicographical_topological_sort(rest, key=document.index))
    placed = set(order)
    return order + [n for n in document.node_ids() if n not in placed]
