"""How a run's end is told to the user: one clear sentence for each way a run can end.

No Qt: the Runs tab shows these, and the wording is tested on its own
(tests/test_training_messages.py). The engine's reasons are already
user-facing; this adds what to do next for the faults a person can act on
(a NaN loss, running out of memory, data that does not fit).
"""

from __future__ import annotations

from layerlab.core.training.listener import FAILED, FINISHED, NAN_REASON, STOPPED
from layerlab.core.training.outcome import RESTORED, is_out_of_memory, out_of_memory_message
from layerlab.core.training.progress import format_duration

__all__ = ["READY", "RESTORED", "INFO", "OK", "WARNING", "ERROR", "end_message", "format_duration", "format_metric",
           "is_out_of_memory", "out_of_memory_message"]

INFO, OK, WARNING, ERROR = "info", "ok", "warning", "error"
READY = "Choose the data and the settings, then press Train."  # before any run of a project


def end_message(status: str, reason: str, seconds: float | None = None,
                layer_names: dict[str, str] | None = None) -> tuple[str, str]:
    """(level, text) for the run panel once a run has ended."""
    took = f" in {format_duration(seconds)}" if seconds is not None and seconds >= 0 else ""
    if status == FINISHED:
        return OK, f"Finished{took}: {reason}."
    if status == STOPPED:
        return INFO, f"Stopped{took}: {reason}. Continue trains it further."
    if status == RESTORED:
        return INFO, reason
    if status == FAILED:
        if reason.startswith(NAN_REASON):
            return ERROR, f"{reason} The model's weights are unusable: press Train to start afresh."
        if reason.startswith("Out of memory"):  # already told in words (by the training job)
            return ERROR, reason
        if is_out_of_memory(reason):
            return ERROR, out_of_memory_message(reason, layer_names)
        return ERROR, f"Training failed: {reason}"
    return INFO, reason


def format_metric(value: float | None) -> str:
    if value is None or value != value:  # NaN
        return "—"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-3 or magnitude >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4f}"
