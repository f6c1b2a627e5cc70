import json
import math

import numpy as np
import pandas as pd
import pytest

from carebook.metrics import plain, to_json


def test_plain_turns_numpy_and_missing_values_into_json_values():
    value = {"a": np.float64(1.5), "b": np.int64(3), "c": float("nan"), "d": pd.NA, "e": np.bool_(True),
             "f": [np.float32(0.25), None]}
    assert plain(value) == {"a": 1.5, "b": 3, "c": None, "d": None, "e": True, "f": [0.25, None]}


def test_to_json_is_strict():
    text = to_json({"x": math.inf, "y": 0.1})
    assert json.loads(text) == {"x": None, "y": 0.1} and text.endswith("\n")


def test_to_json_keeps_full_precision():
    assert json.loads(to_json({"x": 1 / 3}))["x"] == pytest.approx(1 / 3, abs=0)
