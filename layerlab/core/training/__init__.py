"""Training runs with a listener; evaluation; predictions; trained state kept with the project.

Nothing here imports Keras at module level: a run imports it when it starts.
See docs/training.md.
"""

from layerlab.core.training.config import TrainingConfig
from layerlab.core.training.errors import DistributeError, TrainedStateError, TrainingConfigError, TrainingDataError
from layerlab.core.training.listener import FAILED, FINISHED, NAN_REASON, STOPPED, TrainingListener
from layerlab.core.training.run import RunRecord, TrainingSession

__all__ = [
    "FAILED", "FINISHED", "NAN_REASON", "STOPPED", "DistributeError", "RunRecord", "TrainedStateError",
    "TrainingConfig", "TrainingConfigError", "TrainingDataError", "TrainingListener", "TrainingSession",
]
