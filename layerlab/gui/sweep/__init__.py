"""The editor's sweeps: the Sweep dialog, its processes, the results table and the parallel-coordinates plot."""
