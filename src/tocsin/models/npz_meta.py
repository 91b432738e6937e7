"""A JSON document kept inside an .npz weights file, as one uint8 array named `meta`.

Every weights file tocsin writes (head sets, tuned e5 layers, training packs, the Hinglish identifier, the claims
cross-encoder) describes itself this way, so that numpy alone can read it back with `allow_pickle=False`."""
from __future__ import annotations

import json

import numpy as np


def encode(meta: dict) -> np.ndarray:
    """`meta` as the array to save under the name `meta` (keys sorted, UTF-8)."""
    return np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), np.uint8)


def decode(z) -> dict:
    """The `meta` document of an open npz file, or {} when it has none."""
    return json.loads(z["meta"].tobytes().decode("utf-8")) if "meta" in z.files else {}
