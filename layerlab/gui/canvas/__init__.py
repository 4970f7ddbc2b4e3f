"""The editor's canvas: a QGraphicsScene that mirrors the graph document, and its view."""
