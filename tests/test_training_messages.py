"""core.training.messages: one sentence for each way a run ends, and metrics as the Runs tab writes them."""

import math

from layerlab.core.training import messages
from layerlab.core.training.listener import FAILED, FINISHED, NAN_REASON, STOPPED
from layerlab.core.training.outcome import RESTORED


def test_each_end_has_its_level_and_says_how_long_it_took():
    assert messages.end_message(FINISHED, "10 epochs", 65) == (messages.OK, "Finished in 1:05: 10 epochs.")
    level, text = messages.end_message(STOPPED, "stopped after epoch 3", 7)
    assert level == messages.INFO and text.startswith("Stopped in 0:07") and "Continue" in text
    assert messages.end_message(RESTORED, "The weights of Run 2") == (messages.INFO, "The weights of Run 2")
    assert messages.end_message(FINISHED, "done", None) == (messages.OK, "Finished: done.")


def test_failures_say_what_to_do_next():
    level, text = messages.end_message(FAILED, f"{NAN_REASON} at epoch 2, batch 7.")
    assert level == messages.ERROR and "press Train to start afresh" in text
    level, text = messages.end_message(FAILED, "ValueError: shapes do not match")
    assert (level, text) == (messages.ERROR, "Training failed: ValueError: shapes do not match")
    told = "Out of memory in layer 'dense': try a smaller batch size."
    assert messages.end_message(FAILED, told) == (messages.ERROR, told)  # already in words: kept as it is


def test_out_of_memory_names_the_node_the_canvas_shows():
    reason = ("ResourceExhaustedError: Graph execution error: Detected at node 'functional/big_dense_1/MatMul' "
              "OOM when allocating tensor with shape[100000,100000]")
    level, text = messages.end_message(FAILED, reason, layer_names={"big_dense": "wide"})
    assert level == messages.ERROR
    assert text.startswith("Out of memory in layer 'wide':") and "smaller batch size" in text


def test_metrics_are_written_short_and_nan_as_a_dash():
    assert messages.format_metric(0.123456) == "0.1235"
    assert messages.format_metric(1234567.0) == "1.235e+06"
    assert messages.format_metric(0.00001234) == "1.234e-05"
    assert messages.format_metric(0.0) == "0.0000"
    assert messages.format_metric(math.nan) == "—" and messages.format_metric(None) == "—"
