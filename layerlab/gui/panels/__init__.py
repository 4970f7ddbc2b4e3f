"""Dock panels of the editor window: palette, inspector, summary and problems."""
