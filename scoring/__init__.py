"""Credit scoring of commerce-platform borrowers: pure pandas, no I/O.

The app builds the input frames (see :mod:`scoring.schemas`) from its tables and calls
:func:`score_frames`; the result is a ``ScoreFrame`` stamped with :data:`MODEL_VERSION`.
"""

from scoring.model import score_frames
from scoring.params import MODEL_VERSION
from scoring.schemas import Frames, FramesInvalidError

__all__ = ["MODEL_VERSION", "Frames", "FramesInvalidError", "score_frames"]
