"""The PySide6 editor: windows, canvas items, undo commands, panels and plots."""
