"""The telecom routing dataset: generated reproducibly, loaded by split."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from autonet.platform.gate.dataset.generate import SPLIT_SIZES, generate

__all__ = ["SPLIT_SIZES", "generate", "load_split", "write_dataset"]


@lru_cache(maxsize=3)
def _cached(split: str) -> tuple[dict[str, Any], ...]:
    return tuple(generate(split))


def load_split(split: str) -> list[dict[str, Any]]:
    """The records of ``split`` (``train``, ``val``, ``test``) as fresh dicts."""
    return json.loads(json.dumps(list(_cached(split))))


def write_dataset(folder: Path) -> dict[str, Path]:
    """Write the three splits as JSON lines into ``folder``; returns the paths by split."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split in SPLIT_SIZES:
        path = folder / f"{split}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for record in _cached(split):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths[split] = path
    return paths
