"""Training in the editor: the data and settings panels, background runs, live plots, runs and results.

`TrainingController` (controller.py) ties the pieces to the main window. The
work itself is core's `layerlab.core.training.jobs`, run in a worker process
(`layerlab.core.engine.train_role`) that `worker.py` starts and talks to;
everything the GUI shows arrives as messages turned into queued signals. See
docs/training-in-the-editor.md.
"""
