"""Data sets bundled with logitkit.

``challenger``: the 23 Space Shuttle flights before STS-51-L (Challenger, 28 January 1986)
whose solid rocket boosters were recovered, with the launch temperature and the number of the
six field-joint O-rings that showed thermal distress. STS-4 is absent: its boosters were lost
at sea. Sources: Report of the Presidential Commission on the Space Shuttle Challenger Accident
(the Rogers Commission), Washington, D.C., 1986; S. R. Dalal, E. B. Fowlkes and B. Hoadley,
"Risk Analysis of the Space Shuttle: Pre-Challenger Prediction of Failure", Journal of the
American Statistical Association 84 (1989), 945–957. The data are a work of the United States
government and in the public domain.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["challenger_path", "load_challenger"]

_CHALLENGER = "challenger.csv"
_CHALLENGER_DTYPES = {"temperature_f": "int64", "distressed_orings": "int64", "damage": "int64"}


def challenger_path() -> Path:
    """The path of the bundled ``challenger.csv`` in the installed package."""
    return Path(str(resources.files(__name__).joinpath(_CHALLENGER)))


def load_challenger() -> pd.DataFrame:
    """The Challenger O-ring data: one row per flight, 23 rows.

    Columns: ``flight`` (mission name), ``temperature_f`` (launch temperature, °F),
    ``distressed_orings`` (how many of the 6 field-joint O-rings showed thermal distress) and
    ``damage`` (1 if any did, else 0). The classic model is ``damage ~ temperature_f``: its
    maximum-likelihood fit has intercept 15.0429 and slope −0.2322 per °F.
    """
    with resources.files(__name__).joinpath(_CHALLENGER).open("r", encoding="utf-8") as file:
        return pd.read_csv(file, dtype=_CHALLENGER_DTYPES)
