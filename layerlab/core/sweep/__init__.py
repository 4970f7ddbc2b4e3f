"""Sweeps: many trials of a project with parameters drawn from a search space, on this computer or Ray."""
