"""Copying nodes: the selection as a small project document on the system clipboard.

The payload is the project file format itself (graph section only), so it is
parsed by the same reader as files are, and pasting text from elsewhere can
never run anything.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData

from layerlab.core import project
from layerlab.core.document import Edge, GraphDocument, Node
from layerlab.core.errors import ProjectFileError

MIME_NODES = "application/x-layerlab-nodes"


def selection(document: GraphDocument, node_ids) -> tuple[list[Node], list[Edge]]:
    """The chosen nodes in document order, and the edges among them."""
    ids = set(node_ids)
    nodes = [document.node(n) for n in document.node_ids() if n in ids]
    edges = [e for n in document.node_ids() if n in ids for e in document.in_edges(n) if e.source in ids]
    return nodes, edges


def to_mime(nodes: list[Node], edges: list[Edge]) -> QMimeData:
    doc = GraphDocument()
    doc.load(nodes, edges)
    text = project.Project(document=doc).dumps()
    mime = QMimeData()
    mime.setData(MIME_NODES, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData | None) -> tuple[list[Node], list[Edge]] | None:
    """Nodes and edges from the clipboard, or None if it holds no LayerLab nodes."""
    if mime is None:
        return None
    if mime.hasFormat(MIME_NODES):
        text = bytes(mime.data(MIME_NODES)).decode("utf-8", errors="replace")
    elif mime.hasText() and '"layerlab"' in mime.text():
        text = mime.text()
    else:
        return None
    try:
        pasted = project.loads(text, "clipboard")
    except ProjectFileError:
        return None
    doc = pasted.document
    return (doc.nodes(), doc.edges()) if len(doc) else None
