"""Engine processes: where every Keras call runs, away from the editor.

The editor never imports TensorFlow. It starts engines (a long-lived check
engine, one worker per training run) through an :class:`~.executor.Executor`
and talks to them with the small versioned JSON messages of :mod:`.protocol`;
arrays travel as ``.npy`` files (:mod:`.arrays`). An engine's death is data:
:func:`.process.describe_exit` turns its exit status and the last lines of its
stderr into a sentence. See docs/architecture.md ("Processes").
"""
