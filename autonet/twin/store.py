"""The per-step KPI store: float32 blocks per step, read out as long or wide DataFrames.

Cell blocks of a store that keeps every counter are slots of large preallocated chunks of
steps, handed to the step to write into (:meth:`KpiStore.cell_slot`). Chunks of a megabyte or
more are mapped with their pages populated at once (``MAP_POPULATE`` where the OS has it): on a
VM, faulting fresh store memory in page by page costs more than the step's arithmetic. Chunks
grow with the steps recorded (4 steps, then as many as recorded so far, at most
``CHUNK_BYTES``), so a clone that records a few steps does not reserve a whole chunk.
"""

from __future__ import annotations

import mmap
from collections.abc import Mapping, Sequence
from datetime import datetime
from math import prod
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from autonet.twin.kpis import CELL_COUNTERS, LINK_COUNTERS, UPF_COUNTERS

__all__ = ["KpiStore"]

_CELL_NAMES = [c.name for c in CELL_COUNTERS]
Level = Literal["cell", "link", "upf", "slice"]
#: Bytes of cell blocks allocated at once (untouched pages of the last chunk stay virtual).
CHUNK_BYTES = 64 << 20
#: At most this many steps per chunk (small twins).
CHUNK_STEPS = 256
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # Linux only


def _chunk(shape: tuple[int, ...]) -> NDArray[np.float32]:
    """An uninitialised float32 array; at >= 1 MiB with its pages faulted in at once."""
    nbytes = 4 * prod(shape)
    if nbytes < 1 << 20 or not _POPULATE:
        return np.empty(shape, dtype=np.float32)
    buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _POPULATE)
    return np.frombuffer(buf, dtype=np.float32).reshape(shape)


class KpiStore:
    """Per-step KPI blocks (never mutated once written; clones share them).

    Memory: ``4 x (n_cell_counters x n_cells + n_links + n_upfs)`` bytes per step.

    Args:
        cell_ids: Cell ids (columns of the cell blocks).
        link_ids: Link ids.
        upf_ids: UPF ids.
        cell_counters: Cell counters to keep (default all of ``CELL_COUNTERS``).

    Raises:
        ValueError: An unknown cell counter.
    """

    def __init__(
        self,
        cell_ids: Sequence[str],
        link_ids: Sequence[str],
        upf_ids: Sequence[str],
        cell_counters: Sequence[str] | None = None,
    ) -> None:
        if cell_counters is not None:
            unknown = [c for c in cell_counters if c not in _CELL_NAMES]
            if unknown or isinstance(cell_counters, str) or not cell_counters:
                raise ValueError(
                    f"cell counters to record must be a non-empty list of {_CELL_NAMES}; "
                    f"unknown: {unknown or cell_counters!r}"
                )
        self.cell_names = list(
            _CELL_NAMES if cell_counters is None else dict.fromkeys(cell_counters)
        )
        self._rows = (
            None
            if self.cell_names == _CELL_NAMES
            else np.asarray([_CELL_NAMES.index(c) for c in self.cell_names], dtype=np.intp)
        )
        self.ids: dict[Level, Sequence[str]] = {"cell": cell_ids, "link": link_ids, "upf": upf_ids}
        self.times: list[datetime] = []
        self.blocks: dict[Level, list[NDArray[np.float32]]] = {"cell": [], "link": [], "upf": []}
        self.slice_rows: list[tuple[datetime, str, str, float]] = []
        self._chunk: NDArray[np.float32] | None = None  # owned; slots from _used on are free
        self._used = 0
        self._own = 0  # steps written into this store's chunks (sets the next chunk's size)
        self._slot: NDArray[np.float32] | None = None  # the slot last handed out

    def __len__(self) -> int:
        return len(self.times)

    def _next_slot(self) -> NDArray[np.float32]:
        """The next free ``(len(cell_names), n_cells)`` slot, starting a new chunk if needed."""
        if self._chunk is None or self._used == len(self._chunk):
            per_step = 4 * len(self.cell_names) * max(1, len(self.ids["cell"]))
            steps = max(1, min(CHUNK_STEPS, CHUNK_BYTES // per_step, max(4, self._own)))
            self._chunk = _chunk((steps, len(self.cell_names), len(self.ids["cell"])))
            self._used = 0
        return self._chunk[self._used]

    def cell_slot(self) -> NDArray[np.float32] | None:
        """Where the next step may write its ``(len(CELL_COUNTERS), n_cells)`` cell KPIs.

        A free slot of this store's chunk (kept without a copy when passed to :meth:`append`),
        or None when the store keeps only some counters (the step then allocates its own and
        :meth:`append` copies the kept rows into the chunk).
        """
        if self._rows is not None:
            return None
        self._slot = self._next_slot()
        return self._slot

    def append(
        self,
        when: datetime,
        cell: NDArray[np.float32],
        link: NDArray[np.float32],
        upf: NDArray[np.float32],
        slices: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        """Record one step (the arrays are kept, not copied); ``slices``: name -> KPIs.

        ``cell`` holds every counter of ``CELL_COUNTERS``; only the recorded rows are kept.
        """
        self.times.append(when)
        in_chunk = True
        if self._slot is not None and cell is self._slot:
            kept = cell  # the step wrote into our slot: keep it as is
        elif self._rows is None:
            kept, in_chunk = cell, False  # someone else's array: kept, not copied
        else:
            kept = np.take(cell, self._rows, axis=0, out=self._next_slot())
        if in_chunk:
            self._used += 1
            self._own += 1
        self._slot = None
        self.blocks["cell"].append(kept)
        self.blocks["link"].append(link[None, :])
        self.blocks["upf"].append(upf[None, :])
        for name, kpis in (slices or {}).items():
            self.slice_rows.extend((when, name, k, float(v)) for k, v in kpis.items())

    def replace_last(self, level: Level, updates: Mapping[tuple[str, str], float]) -> None:
        """Replace values of the newest step with observed ones: ``(object, counter) -> value``.

        The newest block is copied, changed and swapped in, so a clone that shares the old block
        keeps what it saw (blocks are never mutated once written).

        Raises:
            ValueError: Nothing recorded yet.
            KeyError: An unknown object or counter of ``level``.
        """
        if not self.times:
            raise ValueError("no step recorded yet: nothing to replace")
        names = self.counters(level)
        index = {o: i for i, o in enumerate(self.ids[level])}
        block = self.blocks[level][-1].copy()
        for (obj, counter), value in updates.items():
            if obj not in index or counter not in names:
                raise KeyError(f"no {level} {obj!r} / counter {counter!r} in the store")
            block[names.index(counter), index[obj]] = value
        self.blocks[level][-1] = block

    def copy(self) -> KpiStore:
        """A store sharing this one's blocks (cheap; blocks are immutable by convention)."""
        out = KpiStore(self.ids["cell"], self.ids["link"], self.ids["upf"], self.cell_names)
        out.times = list(self.times)
        out.blocks = {k: list(v) for k, v in self.blocks.items()}
        out.slice_rows = list(self.slice_rows)
        return out  # no chunk: this store keeps writing into its own, the copy starts anew

    def counters(self, level: Level) -> list[str]:
        """Counter names stored at ``level``, in storage order."""
        if level == "cell":
            return list(self.cell_names)
        if level == "slice":
            from autonet.twin.slices import SLICE_KPIS

            return list(SLICE_KPIS)
        table = {"cell": CELL_COUNTERS, "link": LINK_COUNTERS, "upf": UPF_COUNTERS}[level]
        return [c.name for c in table]

    def _slice_frame(
        self, view: Literal["long", "wide"], counters: Sequence[str] | None
    ) -> pd.DataFrame:
        frame = pd.DataFrame(self.slice_rows, columns=["time", "object", "counter", "value"])
        if counters is not None:
            frame = frame[frame["counter"].isin(list(counters))].reset_index(drop=True)
        if view == "long":
            return frame
        wide = frame.pivot_table(
            index=["time", "object"], columns="counter", values="value", aggfunc="first"
        )
        wide.index = wide.index.set_names(["time", "slice"])
        return wide

    def array(
        self, counter: str, level: Level = "cell", *, last: int | None = None
    ) -> NDArray[np.float32]:
        """``(n_steps, n_objects)`` values of one counter (only the ``last`` steps when given).

        ``last`` reads the tail without stacking the whole history (what a controller that looks
        at the newest steps every tick needs).

        Raises:
            KeyError: ``counter`` is not a counter of ``level``.
        """
        if level not in self.blocks:
            raise KeyError(f"no array store for level {level!r}; use frame(level={level!r})")
        names = self.counters(level)
        if counter not in names:
            raise KeyError(f"unknown {level} counter {counter!r}; known: {names}")
        row = names.index(counter)
        if last is not None and (isinstance(last, bool) or not isinstance(last, int) or last < 0):
            raise ValueError(f"last must be a non-negative integer or None, got {last!r}")
        blocks = self.blocks[level]
        if last is not None:
            blocks = blocks[len(blocks) - last :] if last else []
        if not blocks:
            return np.zeros((0, len(self.ids[level])), dtype=np.float32)
        return np.stack([b[row] for b in blocks])

    def tail(self, level: Level = "cell", last: int = 1) -> NDArray[np.float32]:
        """The newest ``last`` steps of every counter of ``level``: ``(steps, counter, object)``
        in :meth:`counters` order (fewer steps when less is recorded). Reads only the tail.

        Raises:
            KeyError: ``level`` has no array store.
            ValueError: ``last`` is not a non-negative integer.
        """
        if level not in self.blocks:
            raise KeyError(f"no array store for level {level!r}; use frame(level={level!r})")
        if isinstance(last, bool) or not isinstance(last, int) or last < 0:
            raise ValueError(f"last must be a non-negative integer, got {last!r}")
        blocks = self.blocks[level]
        blocks = blocks[len(blocks) - last :] if last else []
        if not blocks:
            return np.zeros((0, len(self.counters(level)), len(self.ids[level])), np.float32)
        return np.stack(blocks)

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
                ``"long"``: columns time, object and counter (categoricals), value.
            level: ``"cell"``, ``"link"`` or ``"upf"``.
            counters: Subset of counters (default: all of the level).

        Raises:
            ValueError: Unknown view or level, or a counter not of that level.
        """
        if view not in ("long", "wide"):
            raise ValueError(f"view must be 'long' or 'wide', got {view!r}")
        if level == "slice":
            return self._slice_frame(view, counters)
        if level not in self.ids:
            raise ValueError(f"level must be one of {[*self.ids, 'slice']}, got {level!r}")
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
                # categoricals: one code per row instead of one string object per row
                "object": pd.Categorical.from_codes(
                    np.tile(np.arange(n_o, dtype=np.int32), n_t * n_c), categories=pd.Index(ids)
                ),
                "counter": pd.Categorical.from_codes(
                    np.tile(np.repeat(np.arange(n_c, dtype=np.int32), n_o), n_t),
                    categories=pd.Index(chosen),
                ),
                "value": cube.reshape(-1),
            }
        )
