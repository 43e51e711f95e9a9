"""String columns in any of the storages pandas may give them, recognised in one place.

pandas 3 stores a ``str`` column as ``StringDtype(na_value=nan)`` backed by Arrow when
``pyarrow`` is importable and by Python objects otherwise, so the same code sees different
storages on different machines (``pyarrow`` comes with ``creditscore[scale]``, which Dask's
dataframes need). Callers may also pass ``object`` columns of ``str``, or the ``string`` dtype
(``pd.NA`` for missing) in either storage. pandera names the dtype of a ``Series[str]`` field
``str``, ``string``, ``string[python]`` or ``string[pyarrow]`` depending on the same choice.
Scoring treats all of these as the same strings: its results do not depend on the storage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TEXT_DTYPE_NAMES", "holds_text", "is_text_dtype"]

#: Names pandera (and pandas) give the dtype of a string column, whatever its storage.
TEXT_DTYPE_NAMES = frozenset({"str", "string", "string[python]", "string[pyarrow]"})


def is_text_dtype(dtype: Any) -> bool:
    """True for a pandas string dtype (either storage, either missing value) or its name."""
    if isinstance(dtype, pd.StringDtype):
        return True
    return isinstance(dtype, str) and dtype in TEXT_DTYPE_NAMES


def holds_text(series: pd.Series) -> bool:
    """True when ``series`` is a string column: a string dtype, or ``object`` holding only
    ``str`` values and missing values (an empty ``object`` column counts)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    if series.dtype != np.dtype(object):
        return False
    return pd.api.types.infer_dtype(series, skipna=True) in {"string", "empty"}
