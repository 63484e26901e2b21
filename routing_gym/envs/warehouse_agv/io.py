"""MovingAI MAPF benchmark files: ``.map`` grids and ``.scen`` scenarios (Stern et al. 2019).

A ``.map`` is ``type octile``, ``height H``, ``width W``, ``map``, then ``H`` rows of ``W``
characters (``.``, ``G`` and ``S`` passable; ``@``, ``O``, ``T``, ``W`` blocked). A ``.scen`` is
``version 1`` then one agent per line, tab-separated: bucket, map file, map width, map height,
start column, start row, goal column, goal row, optimal octile length. The map is looked up
beside the scenario. Every error names the file, the line and the value.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from routing_gym.envs.io import read_text
from routing_gym.envs.warehouse_agv.types import WarehouseInstance
from routing_gym.errors import InstanceError

PASSABLE = frozenset(".GS")
BLOCKED = frozenset("@OTW")


def looks_like_scen(path: Path, head: str) -> bool:
    """Whether a file's head is a MovingAI scenario (``version`` then tab-separated agent lines)."""
    lines = head.lstrip().splitlines()
    return bool(lines) and lines[0].strip().lower().startswith("version") and (len(lines) < 2 or ".map" in lines[1])


def read_map(path: str | os.PathLike) -> np.ndarray:
    """A ``.map`` file as an ``(H, W)`` bool grid (``True`` blocked)."""
    path = Path(path)
    if not path.is_file():
        raise InstanceError(f"{path}: map file not found")
    lines = read_text(path).splitlines()
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip().lower() != "map":
        parts = lines[i].split()
        if len(parts) != 2:
            raise InstanceError(f"{path}: line {i + 1} {lines[i]!r}: expected a 'key value' header line or 'map'")
        header[parts[0].lower()] = parts[1]
        i += 1
    if i == len(lines):
        raise InstanceError(f"{path}: no 'map' line (malformed or truncated map file)")
    try:
        h, w = int(header["height"]), int(header["width"])
    except (KeyError, ValueError):
        raise InstanceError(f"{path}: header needs integer 'height' and 'width', got {header}") from None
    if h < 1 or w < 1:
        raise InstanceError(f"{path}: height {h} / width {w} must be >= 1")
    rows = [line.rstrip("\r\n") for line in lines[i + 1:] if line.strip()]
    if len(rows) != h:
        raise InstanceError(f"{path}: {len(rows)} map rows but height is {h} (truncated file?)")
    for r, row in enumerate(rows):
        if len(row) != w:
            raise InstanceError(f"{path}: map row {r} has {len(row)} cells but width is {w}")
        bad = set(row) - PASSABLE - BLOCKED
        if bad:
            raise InstanceError(f"{path}: map row {r} holds unknown terrain {''.join(sorted(bad))!r}")
    return np.array([[ch in BLOCKED for ch in row] for row in rows], dtype=bool)


def _agent_lines(path: Path) -> list[list[str]]:
    text = read_text(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip().lower().startswith("version"):
        raise InstanceError(f"{path}: a MovingAI scenario starts with 'version', got {lines[0][:40] if lines else ''!r}")
    if not text.endswith("\n"):
        raise InstanceError(f"{path}: the last line is not terminated (truncated file?)")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) != 9:
            raise InstanceError(f"{path}: line {n} {line!r}: expected 9 tab-separated fields (truncated file?)")
        rows.append(parts)
    if not rows:
        raise InstanceError(f"{path}: the scenario lists no agents")
    return rows


def _lower_bound(path: Path, k: int) -> float | None:
    """``sic_lb`` of (scenario, k) from a ``sic_lb.csv`` beside the scenario, if any."""
    f = path.parent / "sic_lb.csv"
    if not f.is_file():
        return None
    with open(f, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("scen") == path.stem and row.get("k") == str(k):
                return float(row["sic_lb"])
    return None


def load_scen(path: str | os.PathLike, agents: int | None = None, horizon: int | None = None) -> WarehouseInstance:
    """A MovingAI scenario and the map it names (beside it) as a one-shot instance.

    :param agents: take the first ``agents`` agents (``None``: all of them).
    :param horizon: the step limit; ``None``: ``max(4 (H + W), ceil(3 * longest octile length) + agents)``.
    :raises InstanceError: for a malformed or truncated file, a missing map, a size mismatch,
        a start or goal on an obstacle, or more agents than the file (or the map's free cells) hold.
    """
    path = Path(path)
    rows = _agent_lines(path)
    if agents is not None and (isinstance(agents, bool) or not isinstance(agents, int) or agents < 1):
        raise InstanceError(f"{path}: agents must be an integer >= 1, got {agents!r}")
    k = len(rows) if agents is None else agents
    if k > len(rows):
        raise InstanceError(f"{path}: agents={k} but the scenario lists {len(rows)}")
    rows = rows[:k]
    map_name = rows[0][1].strip()
    grid = read_map(path.parent / Path(map_name).name)
    try:
        nums = np.array([[float(x) for x in r[2:]] for r in rows])
    except ValueError:
        raise InstanceError(f"{path}: an agent line holds a non-numeric field") from None
    h, w = grid.shape
    if ((nums[:, 0] != w) | (nums[:, 1] != h)).any():
        raise InstanceError(f"{path}: agent lines give a {int(nums[0, 0])} x {int(nums[0, 1])} (width x height) "
                            f"map but {map_name} is {w} x {h}")
    starts, goals = nums[:, [3, 2]].astype(np.int64), nums[:, [5, 4]].astype(np.int64)
    if horizon is None:
        horizon = max(4 * (h + w), int(math.ceil(3 * nums[:, 6].max())) + k)
    name = f"{path.stem}:{k}"
    try:
        return WarehouseInstance(grid, starts, goals, horizon, name=name, lower_bound=_lower_bound(path, k))
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None


def write_map(path: str | os.PathLike, grid: np.ndarray) -> None:
    """Write an ``(H, W)`` bool grid as a MovingAI ``.map`` (``@`` blocked)."""
    rows = ["".join("@" if b else "." for b in row) for row in np.asarray(grid, dtype=bool)]
    Path(path).write_text(f"type octile\nheight {len(rows)}\nwidth {len(rows[0])}\nmap\n" + "\n".join(rows) + "\n")


def write_scen(path: str | os.PathLike, map_name: str, instance: WarehouseInstance) -> None:
    """Write ``instance``'s starts and goals as a MovingAI ``.scen`` naming ``map_name`` (optimal length 0)."""
    h, w = instance.grid.shape
    lines = ["version 1"] + [f"0\t{map_name}\t{w}\t{h}\t{s[1]}\t{s[0]}\t{g[1]}\t{g[0]}\t0"
                             for s, g in zip(instance.starts.tolist(), instance.goals.tolist())]
    Path(path).write_text("\n".join(lines) + "\n")


def load_any(path: str | os.PathLike, **options: Any) -> WarehouseInstance:
    """:func:`load_scen` (the registry's loader)."""
    return load_scen(path, **options)
