"""The training worker's reports as messages: batch reports grouped, nothing held past an epoch or the end."""

from __future__ import annotations

from layerlab.core.engine.serve import Context
from layerlab.core.engine.train_role import BATCH_GROUP_S, EventListener


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _listener():
    sent: list[dict] = []
    ctx = Context(sent.append, None)
    ctx.request_id = 7
    clock = Clock()
    return EventListener(ctx, clock), sent, clock


def test_batch_reports_go_in_groups_and_an_epoch_sends_what_is_held_first():
    listener, sent, clock = _listener()
    listener.on_start(2, 10, 320)
    clock.now += BATCH_GROUP_S  # building the model took a while: the first report goes at once
    listener.on_batch(0, 0, {"loss": 2.0, "accuracy": 0.1})
    for batch in range(1, 4):  # reports 50 ms apart are held ...
        clock.now += 0.05
        listener.on_batch(0, batch, {"loss": 2.0 - batch / 10})
    clock.now += 0.2  # ... until a quarter second has passed since the last message
    listener.on_batch(0, 4, {"loss": 1.5})
    listener.on_batch(0, 5, {"loss": 1.4, "note": "not a number"})
    listener.on_epoch(0, {"loss": 1.4, "val_loss": 1.6})
    listener.on_end("finished", "trained 1 epoch")

    assert [m["event"] for m in sent] == ["started", "batches", "batches", "batches", "epoch", "fit_ended"]
    assert all(m["id"] == 7 for m in sent)
    groups = [m["data"]["items"] for m in sent if m["event"] == "batches"]
    assert groups == [[[0, 0, {"loss": 2.0, "accuracy": 0.1}]],
                      [[0, 1, {"loss": 1.9}], [0, 2, {"loss": 1.8}], [0, 3, {"loss": 1.7}], [0, 4, {"loss": 1.5}]],
                      [[0, 5, {"loss": 1.4}]]]  # sent before the epoch's message, not after it
    assert sent[-2]["data"] == {"epoch": 0, "logs": {"loss": 1.4, "val_loss": 1.6}}


def test_nothing_is_held_when_a_run_ends_mid_epoch():
    listener, sent, clock = _listener()
    clock.now += 1.0
    listener.on_batch(3, 0, {"loss": 0.5})
    clock.now += 0.01
    listener.on_batch(3, 1, {"loss": 0.4})  # held
    listener.on_end("stopped", "stop requested")
    assert [m["event"] for m in sent] == ["batches", "batches", "fit_ended"]
    assert sent[1]["data"]["items"] == [[3, 1, {"loss": 0.4}]]
    listener.on_end("stopped", "again")  # nothing held: no empty group
    assert [m["event"] for m in sent][-1] == "fit_ended" and len(sent) == 4
