"""Credit scoring of commerce-platform borrowers: pure pandas and numpy, no I/O.

The app builds the input frames (see :mod:`scoring.schemas`) from its tables and calls
:func:`score_frames`; the result is a ``ScoreFrame`` stamped with :data:`MODEL_VERSION`.
:mod:`scoring.monitoring` compares score snapshots (PSI).
"""

from scoring.model import borrower_features, score_frames
from scoring.params import DEFAULT_PARAMS, MODEL_VERSION, Params, load_params
from scoring.schemas import Frames, FramesInvalidError
from scoring.validation import validate_frames

__all__ = [
    "DEFAULT_PARAMS",
    "MODEL_VERSION",
    "Frames",
    "FramesInvalidError",
    "Params",
    "borrower_features",
    "load_params",
    "score_frames",
    "validate_frames",
]
