"""Training in the editor: the data and settings panels, background runs, live plots, runs and results.

`TrainingController` (controller.py) ties the pieces to the main window. The
work itself is `jobs.py` (plain functions, no Qt) run on a QThread by
`worker.py`; everything the GUI shows arrives through queued signals. See
docs/training-in-the-editor.md.
"""
