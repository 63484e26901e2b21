"""Reading Solomon / Gehring-Homberger VRPTW files through the ``vrplib`` package.

``vrplib.read_instance(path, instance_format="solomon")`` parses the file
(its values as integers, with ``numpy.genfromtxt``). ``genfromtxt`` silently
turns a non-numeric or non-integer value into ``-1`` and ``vrplib`` does not
notice a truncated file, so the customer rows are checked here first. Node ids
are the file's ``CUST NO.``: the depot is 0 and customer ``i`` is node ``i``.
Distances (= travel times) follow the DIMACS convention ``"EUC_TRUNC1"``,
Euclidean truncated to one decimal, under which the best-known values are stated.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from routing_gym.envs.cvrptw.types import CVRPTWInstance
from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.io import read_solution
from routing_gym.errors import InstanceError

#: The distance convention of Solomon files.
SOLOMON_DISTANCES = "EUC_TRUNC1"
#: Columns of a customer row: id, x, y, demand, ready, due, service.
COLUMNS = 7
#: Lines before the customer rows (name, VEHICLE, NUMBER CAPACITY, values, CUSTOMER, headers), blank lines dropped.
HEADER_LINES = 6


def looks_like_solomon(path: str | os.PathLike, head_text: str) -> bool:
    """Whether a file's beginning is a Solomon file: a name line, then a ``VEHICLE`` line.

    :param path: the file (unused: Solomon files carry any suffix, ``.txt`` most often).
    :param head_text: the first few kB of the file.
    """
    from vrplib.parse.parse_utils import text2lines

    lines = text2lines(head_text)
    return len(lines) >= 2 and lines[1].split()[0].upper() == "VEHICLE"


def _check_rows(path: Path, lines: list[str]) -> None:
    """The header shape and every customer row: 7 integer columns, ids 0, 1, 2, ... in order."""
    if len(lines) < HEADER_LINES + 2:
        raise InstanceError(f"{path}: truncated Solomon file: {len(lines)} non-blank lines, expected the "
                            f"{HEADER_LINES} header lines, the depot row and at least one customer row")
    if "CAPACITY" not in lines[2].upper() or "CUSTOMER" not in lines[4].upper() or "CUST" not in lines[5].upper():
        raise InstanceError(f"{path}: not a Solomon header: expected 'NUMBER CAPACITY', the fleet line, 'CUSTOMER' "
                            f"and the column names on the non-blank lines 3 to 6")
    fleet = lines[3].split()
    if len(fleet) != 2 or not all(x.isdigit() for x in fleet):
        raise InstanceError(f"{path}: line {lines[3]!r}: expected the number of vehicles and the capacity (2 integers)")
    for k, line in enumerate(lines[HEADER_LINES:]):
        fields = line.split()
        if len(fields) != COLUMNS:
            raise InstanceError(f"{path}: customer row {k} {line!r}: expected {COLUMNS} columns "
                                f"(id, x, y, demand, ready, due, service), got {len(fields)} (truncated file?)")
        try:
            values = [float(x) for x in fields]
        except ValueError:
            raise InstanceError(f"{path}: customer row {k} {line!r}: non-numeric value") from None
        if not all(np.isfinite(v) and v == round(v) for v in values):
            raise InstanceError(f"{path}: customer row {k} {line!r}: Solomon values are integers "
                                f"(vrplib reads them as such)")
        if int(values[0]) != k:
            raise InstanceError(f"{path}: customer row {k} has id {fields[0]}, expected {k} (rows out of order or missing)")


def _known_value(path: Path, name: str) -> float | None:
    """Best-known total distance from a ``.sol`` beside the file (its ``Cost`` line) or ``bks.csv`` (name,bks)."""
    sol = path.with_suffix(".sol")
    if sol.is_file():
        try:
            cost = read_solution(sol).cost
        except InstanceError:
            cost = None
        if cost is not None:
            return cost
    table = path.parent / "bks.csv"
    if table.is_file():
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("name") in (name, path.stem) and row.get("bks"):
                    try:
                        return float(row["bks"])
                    except ValueError:
                        raise InstanceError(f"{table}: bks {row['bks']!r} of {row['name']} is not a number") from None
    return None


def load_solomon(path: str | os.PathLike) -> CVRPTWInstance:
    """Read a Solomon (or Gehring-Homberger) VRPTW file.

    Distances and travel times are Euclidean truncated to one decimal
    (``"EUC_TRUNC1"``); ``num_vehicles`` is the file's fleet size (informative);
    ``optimum`` is the ``Cost`` of a ``.sol`` beside the file, else the ``bks``
    of its row in a ``bks.csv`` in the folder.

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: naming the file, for a malformed or truncated file or an infeasible instance.
    """
    import vrplib
    from vrplib.parse.parse_utils import text2lines

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    raw = path.read_bytes()
    if b"\0" in raw[:4096]:
        raise InstanceError(f"{path}: not a text file (binary content)")
    text = raw.decode("utf-8", errors="replace")
    lines = text2lines(text)
    if not lines:
        raise InstanceError(f"{path}: empty file")
    if not looks_like_solomon(path, text):
        raise InstanceError(f"{path}: not a Solomon file: expected a name line, then a 'VEHICLE' line")
    _check_rows(path, lines)
    try:
        data = vrplib.read_instance(str(path), instance_format="solomon", compute_edge_weights=False)
    except (RuntimeError, ValueError, IndexError) as exc:
        raise InstanceError(f"{path}: malformed Solomon file: {exc}") from None
    name = str(data["name"]).strip() or path.stem
    coords = np.asarray(data["node_coord"], dtype=np.float64)
    windows = np.asarray(data["time_window"], dtype=np.float64)
    try:
        return CVRPTWInstance(distance_matrix(coords, SOLOMON_DISTANCES), data["demand"], int(data["capacity"]),
                              windows[:, 0], windows[:, 1], np.asarray(data["service_time"], dtype=np.float64),
                              coords, SOLOMON_DISTANCES, name, _known_value(path, name), int(data["vehicles"]))
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None
