"""The per-step KPI store: float32 blocks per step, read out as long or wide DataFrames."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.twin.kpis import CELL_COUNTERS, LINK_COUNTERS, UPF_COUNTERS

__all__ = ["KpiStore"]

_CELL_NAMES = [c.name for c in CELL_COUNTERS]
Level = Literal["cell", "link", "upf"]


class KpiStore:
    """Per-step KPI blocks (never mutated once written; clones share them).

    Memory: ``4 x (n_cell_counters x n_cells + n_links + n_upfs)`` bytes per step.
    """

    def __init__(self, cell_ids: Sequence[str], link_ids: Sequence[str], upf_ids: Sequence[str]):
        self.ids: dict[Level, Sequence[str]] = {"cell": cell_ids, "link": link_ids, "upf": upf_ids}
        self.times: list[datetime] = []
        self.blocks: dict[Level, list[NDArray[np.float32]]] = {"cell": [], "link": [], "upf": []}

    def __len__(self) -> int:
        return len(self.times)

    def append(
        self,
        when: datetime,
        cell: NDArray[np.float32],
        link: NDArray[np.float32],
        upf: NDArray[np.float32],
    ) -> None:
        """Record one step (the arrays are kept, not copied)."""
        self.times.append(when)
        self.blocks["cell"].append(cell)
        self.blocks["link"].append(link[None, :])
        self.blocks["upf"].append(upf[None, :])

    def copy(self) -> KpiStore:
        """A store sharing this one's blocks (cheap; blocks are immutable by convention)."""
        out = KpiStore(self.ids["cell"], self.ids["link"], self.ids["upf"])
        out.times = list(self.times)
        out.blocks = {k: list(v) for k, v in self.blocks.items()}
        return out

    @staticmethod
    def counters(level: Level) -> list[str]:
        """Counter names stored at ``level``, in storage order."""
        table = {"cell": CELL_COUNTERS, "link": LINK_COUNTERS, "upf": UPF_COUNTERS}[level]
        return [c.name for c in table]

    def array(self, counter: str, level: Level = "cell") -> NDArray[np.float32]:
        """``(n_steps, n_objects)`` values of one counter.

        Raises:
            KeyError: ``counter`` is not a counter of ``level``.
        """
        names = self.counters(level)
        if counter not in names:
            raise KeyError(f"unknown {level} counter {counter!r}; known: {names}")
        row = names.index(counter)
        if not self.times:
            return np.zeros((0, len(self.ids[level])), dtype=np.float32)
        return np.stack([b[row] for b in self.blocks[level]])

    def frame(
        self,
        view: Literal["long", "wide"] = "long",
        *,
        level: Level = "cell",
        counters: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The recorded KPIs as a DataFrame.

        Args:
            view: ``"wide"``: index (time, object), one float32 column per counter;
                ``"long"``: columns time, object, counter, value.
            level: ``"cell"``, ``"link"`` or ``"upf"``.
            counters: Subset of counters (default: all of the level).

        Raises:
            ValueError: Unknown view or level, or a counter not of that level.
        """
        if view not in ("long", "wide"):
            raise ValueError(f"view must be 'long' or 'wide', got {view!r}")
        if level not in self.ids:
            raise ValueError(f"level must be one of {list(self.ids)}, got {level!r}")
        names = self.counters(level)
        chosen = list(names if counters is None else counters)
        unknown = [c for c in chosen if c not in names]
        if unknown:
            raise ValueError(f"unknown {level} counters {unknown}; known: {names}")
        rows = [names.index(c) for c in chosen]
        ids = list(self.ids[level])
        n_t, n_o = len(self.times), len(ids)
        if n_t:
            cube = np.stack([b[rows] for b in self.blocks[level]])  # (time, counter, object)
        else:
            cube = np.zeros((0, len(rows), n_o), dtype=np.float32)
        times = pd.DatetimeIndex(self.times, name="time")
        if view == "wide":
            index = pd.MultiIndex.from_product([times, pd.Index(ids, name=level)])
            data = cube.transpose(0, 2, 1).reshape(n_t * n_o, len(rows))
            return pd.DataFrame(data, index=index, columns=pd.Index(chosen, name="counter"))
        n_c = len(rows)
        return pd.DataFrame(
            {
                "time": np.repeat(times.values, n_c * n_o),
                "object": np.tile(np.asarray(ids, dtype=object), n_t * n_c),
                "counter": np.tile(np.repeat(np.asarray(chosen, dtype=object), n_o), n_t),
                "value": cube.reshape(-1),
            }
        )
