"""Li & Lim PDPTW files (a small strict parser: ``vrplib`` does not read this format) and their ``.sol`` routes.

The format (Li and Lim 2001; the SINTEF TOP benchmark pages): a header line
``K Q S`` (vehicles, capacity, speed), then one line per node, the depot first:
``id x y demand ready due service pickup delivery``. A pickup has ``pickup = 0``
and the id of its delivery in ``delivery``; a delivery has its pickup's id in
``pickup`` and ``delivery = 0``; its demand is minus the pickup's. Ids are
0, 1, 2, ... in order, so node ``i`` is the file's id ``i``. Travel time equals
plain Euclidean distance (``"EUC"``, not rounded), under which the SINTEF
best-known distances are stated; the speed field (0 or 1 in the files) is not
used. Solutions (``.sol``) list one ``Route r : ids`` line per route.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.io import read_text
from routing_gym.envs.pdp.types import PDPInstance
from routing_gym.errors import InstanceError

#: Columns of a node line: id, x, y, demand, ready, due, service, pickup, delivery.
COLUMNS = 9
#: Li & Lim distances: plain Euclidean.
LILIM_DISTANCES = "EUC"


def looks_like_lilim(path: str | os.PathLike, head_text: str) -> bool:
    """Whether a file's beginning is a Li & Lim file: 3 integers, then lines of 9 integers starting at id 0."""
    lines = [ln.split() for ln in head_text.splitlines() if ln.strip()]
    if len(lines) < 2 or len(lines[0]) != 3 or len(lines[1]) != COLUMNS:
        return False
    return all(re.fullmatch(r"-?\d+", x) for x in lines[0] + lines[1]) and lines[1][0] == "0"


def _rows(path: Path, text: str) -> tuple[list[int], np.ndarray]:
    """The header and the node table, every line checked."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InstanceError(f"{path}: empty file")
    head = lines[0].split()
    if len(head) != 3 or not all(re.fullmatch(r"\d+", x) for x in head):
        raise InstanceError(f"{path}: line 1 {lines[0]!r}: expected 'vehicles capacity speed' (3 non-negative integers)")
    if len(lines) < 4:
        raise InstanceError(f"{path}: truncated Li & Lim file: {len(lines) - 1} node line(s), expected the depot and at "
                            f"least one pair")
    rows = []
    for k, line in enumerate(lines[1:]):
        fields = line.split()
        if len(fields) != COLUMNS:
            raise InstanceError(f"{path}: node line {k} {line!r}: expected {COLUMNS} columns (id x y demand ready due "
                                f"service pickup delivery), got {len(fields)} (truncated file?)")
        try:
            values = [float(x) for x in fields]
        except ValueError:
            raise InstanceError(f"{path}: node line {k} {line!r}: non-numeric value") from None
        if not all(np.isfinite(values)):
            raise InstanceError(f"{path}: node line {k} {line!r}: non-finite value")
        if values[0] != k:
            raise InstanceError(f"{path}: node line {k} has id {fields[0]}, expected {k} (lines out of order or missing)")
        rows.append(values)
    return [int(x) for x in head], np.array(rows)


def _pairs(path: Path, table: np.ndarray) -> np.ndarray:
    """``(pickup, delivery)`` pairs from the last two columns, each link checked both ways."""
    n1 = table.shape[0]
    pick_col, del_col = table[:, 7].astype(np.int64), table[:, 8].astype(np.int64)
    if pick_col[0] != 0 or del_col[0] != 0:
        raise InstanceError(f"{path}: the depot line must have pickup and delivery 0, got {pick_col[0]} and {del_col[0]}")
    pairs = []
    for i in range(1, n1):
        p, d = int(pick_col[i]), int(del_col[i])
        if (p == 0) == (d == 0):
            raise InstanceError(f"{path}: node {i}: exactly one of pickup ({p}) and delivery ({d}) must be non-zero")
        other = d if p == 0 else p
        if not 1 <= other < n1:
            raise InstanceError(f"{path}: node {i} links to node {other}, which is not a node (1..{n1 - 1})")
        back = pick_col[other] if p == 0 else del_col[other]
        if back != i:
            raise InstanceError(f"{path}: node {i} links to node {other}, which does not link back (it names {back})")
        if p == 0:
            pairs.append((i, d))
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _known_distance(path: Path, name: str) -> float | None:
    """The ``distance`` of ``name`` in a ``bks.csv`` (name,vehicles,distance) beside the file."""
    table = path.parent / "bks.csv"
    if not table.is_file():
        return None
    with open(table, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("name") in (name, path.stem) and row.get("distance"):
                try:
                    return float(row["distance"])
                except ValueError:
                    raise InstanceError(f"{table}: distance {row['distance']!r} of {row['name']} is not a number") from None
    return None


def load_lilim(path: str | os.PathLike) -> PDPInstance:
    """Read a Li & Lim PDPTW file.

    ``num_vehicles`` is the header's fleet (informative: routes are free);
    ``optimum`` is the ``distance`` of the file's row in a ``bks.csv`` beside it
    (the SINTEF best-known solution's distance, which minimises vehicles first).

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: naming the file, for a malformed or truncated file or an infeasible instance.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    (vehicles, capacity, _speed), table = _rows(path, read_text(path))
    try:
        pairs = _pairs(path, table)
        coords = table[:, 1:3]
        return PDPInstance(distance_matrix(coords, LILIM_DISTANCES), pairs, table[:, 3], capacity, table[:, 4],
                           table[:, 5], table[:, 6], coords, LILIM_DISTANCES, path.stem,
                           _known_distance(path, path.stem), max(1, vehicles))
    except InstanceError as exc:
        msg = str(exc)
        raise InstanceError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None


def read_lilim_solution(path: str | os.PathLike) -> list[list[int]]:
    """The routes of a SINTEF ``.sol`` file (``Route r : id id ...`` lines; node ids as in the instance)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no solution file at {path}")
    routes = []
    for line in read_text(path).splitlines():
        m = re.match(r"\s*Route\s+\d+\s*:(.*)$", line)
        if m is None:
            continue
        try:
            routes.append([int(x) for x in m.group(1).split()])
        except ValueError:
            raise InstanceError(f"{path}: route line {line!r} holds a non-integer node id") from None
    if not routes:
        raise InstanceError(f"{path}: no 'Route r : ...' lines")
    return routes
