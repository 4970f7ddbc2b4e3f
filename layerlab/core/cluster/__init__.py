"""Runs beyond the editor's process: training jobs, and their placement on a Ray cluster."""
