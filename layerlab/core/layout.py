"""Layered auto-layout, left to right: Qt-free so the importer and the editor share it.

Layers are networkx topological generations; within a layer, nodes are
ordered by the barycentre of their neighbours (a few sweeps each way), which
keeps edge crossings low.
"""

from __future__ import annotations

import networkx as nx

from layerlab.core.document import GraphDocument

COLUMN_GAP = 240.0
ROW_GAP = 130.0


def layered_layout(document: GraphDocument, sweeps: int = 4) -> dict[str, tuple[float, float]]:
    """Positions for every node: one column per topological generation, rows ordered to cut crossings."""
    graph = nx.DiGraph(document.graph)  # simple view: parallel edges do not matter here
    if not nx.is_directed_acyclic_graph(graph):
        graph.remove_edges_from(list(nx.find_cycle(graph)) if graph.edges else [])
        while not nx.is_directed_acyclic_graph(graph):
            graph.remove_edges_from(nx.find_cycle(graph))
    index = {n: i for i, n in enumerate(document.node_ids())}
    columns = [sorted(gen, key=index.get) for gen in nx.topological_generations(graph)]
    rank = {}
    for col in columns:
        for i, n in enumerate(col):
            rank[n] = i
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        cols = columns[1:] if forward else columns[-2::-1]
        for col in cols:
            neighbours = graph.predecessors if forward else graph.successors

            def bary(n, _nb=neighbours):
                ranks = [rank[m] for m in _nb(n)]
                return sum(ranks) / len(ranks) if ranks else rank[n]

            col.sort(key=lambda n: (bary(n), index[n]))
            for i, n in enumerate(col):
                rank[n] = i
    positions = {}
    for c, col in enumerate(columns):
        offset = (len(col) - 1) * ROW_GAP / 2
        for i, n in enumerate(col):
            positions[n] = (c * COLUMN_GAP, i * ROW_GAP - offset)
    return positions
