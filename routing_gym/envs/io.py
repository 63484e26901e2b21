"""Reading TSPLIB / CVRPLIB files through the ``vrplib`` package.

``vrplib`` splits a file into specifications and sections and parses the
sections; the TSPLIB distance conventions (rounding, ATT, GEO) and the
explicit matrix layouts that ``vrplib`` does not expand are handled here.
Node ids become 0-based, in file order, the depot first for VRP files.
Every problem with a file raises :class:`~routing_gym.errors.InstanceError`
naming the file, the field and the value.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.distances import COORD_TYPES, distance_matrix
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import InstanceError

#: Largest instance read into a dense distance matrix (20000^2 float64 is 3.2 GB).
MAX_NODES = 20_000

EXPLICIT_FORMATS = (
    "FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
    "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL",
)


class SolutionFile(NamedTuple):
    """A solution read from a ``.sol`` file: routes of 0-based node ids, and the stated cost."""

    routes: list[list[int]]
    cost: float | None


def _expand_explicit(values: np.ndarray, given: str, n: int) -> np.ndarray:
    fmt = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
           "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}.get(given, given)
    if fmt == "FULL_MATRIX":
        if values.size != n * n:
            raise InstanceError(f"EDGE_WEIGHT_SECTION: FULL_MATRIX of DIMENSION {n} needs {n * n} values, got {values.size}")
        return values.reshape(n, n)
    idx = {
        "UPPER_ROW": np.triu_indices(n, 1),
        "LOWER_ROW": np.tril_indices(n, -1),
        "UPPER_DIAG_ROW": np.triu_indices(n, 0),
        "LOWER_DIAG_ROW": np.tril_indices(n, 0),
    }[fmt]
    if values.size != idx[0].size:
        raise InstanceError(f"EDGE_WEIGHT_SECTION: {given} of DIMENSION {n} needs {idx[0].size} values, got {values.size}")
    m = np.zeros((n, n))
    m[idx] = values
    m = m + m.T
    m[np.diag_indices(n)] /= 2.0
    return m


def _known_value(path: Path, name: str) -> float | None:
    """Optimal / best-known cost of ``name`` from a ``.sol`` beside the file, or a CSV in its folder."""
    sol = path.with_suffix(".sol")
    if sol.exists():
        try:
            cost = read_solution(sol).cost
        except InstanceError:
            cost = None
        if cost is not None:
            return cost
    for fname in ("opt.csv", "optimal.csv", "bks.csv", "instances.csv"):
        f = path.parent / fname
        if not f.exists():
            continue
        with open(f, newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("name") in (name, path.stem):
                    for key in ("opt", "optimal", "bks"):
                        if row.get(key):
                            return float(row[key])
    return None


def _read_sections(path: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    from vrplib.parse.parse_utils import text2lines
    from vrplib.parse.parse_vrplib import group_specifications_and_sections, parse_specification

    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path}: not a text file ({exc})") from None
    try:
        spec_lines, section_lines = group_specifications_and_sections(text2lines(text))
        specs = dict(parse_specification(line) for line in spec_lines)
    except (ValueError, RuntimeError) as exc:
        raise InstanceError(f"{path}: malformed TSPLIB/VRPLIB file: {exc}") from None
    sections = {}
    for sec in section_lines:
        name = sec[0].strip(" :").split()[0].removesuffix("_SECTION").lower()
        sections[name] = sec[1:]
    return specs, sections


def _numeric_rows(path: Path, section: str, lines: list[str], n: int, cols: int) -> np.ndarray:
    rows = [line.split() for line in lines if line.strip()]
    if len(rows) < n:
        raise InstanceError(f"{path}: {section.upper()}_SECTION has {len(rows)} rows, DIMENSION is {n} (truncated file?)")
    rows = rows[:n]
    if any(len(r) != cols + 1 for r in rows):
        bad = next(r for r in rows if len(r) != cols + 1)
        raise InstanceError(f"{path}: {section.upper()}_SECTION row {' '.join(bad)!r}: expected an id and {cols} value(s)")
    try:
        arr = np.array(rows, dtype=np.float64)
    except ValueError:
        raise InstanceError(f"{path}: {section.upper()}_SECTION holds a non-numeric value") from None
    ids = arr[:, 0]
    if not np.array_equal(ids, np.arange(1, n + 1)):
        i = int(np.argmax(ids != np.arange(1, n + 1)))
        raise InstanceError(f"{path}: {section.upper()}_SECTION row {i + 1} has node id {ids[i]:g}, expected {i + 1}")
    return arr[:, 1:]


def load_instance(path: str | os.PathLike) -> TSPInstance | CVRPInstance:
    """Read a TSPLIB ``.tsp`` or CVRPLIB ``.vrp`` file.

    The distance convention is the file's ``EDGE_WEIGHT_TYPE`` (``EUC_2D`` rounded
    to the nearest integer, ``CEIL_2D``, ``ATT``, ``GEO``, ``EXPLICIT`` matrices in
    any TSPLIB layout). The known optimal / best-known value is attached when a
    ``.sol`` beside the file or an ``opt.csv`` / ``optimal.csv`` / ``bks.csv`` in its
    folder names it.

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: for a malformed, truncated or unsupported file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    specs, sections = _read_sections(path)
    if not specs and not sections:
        raise InstanceError(f"{path}: empty file")
    name = str(specs.get("name", path.stem)).strip().removesuffix(".tsp").removesuffix(".vrp")
    kind = str(specs.get("type", "")).strip().upper().split()[0] if str(specs.get("type", "")).strip() else ""
    if kind not in ("TSP", "CVRP"):
        raise InstanceError(f"{path}: TYPE {kind or '(missing)'!r} is not supported; expected TSP or CVRP")
    try:
        n = int(specs["dimension"])
    except (KeyError, TypeError, ValueError):
        raise InstanceError(f"{path}: DIMENSION missing or not an integer: {specs.get('dimension')!r}") from None
    if n < 2:
        raise InstanceError(f"{path}: DIMENSION {n} is below 2")
    if n > MAX_NODES:
        raise InstanceError(f"{path}: DIMENSION {n} exceeds MAX_NODES={MAX_NODES}: its dense distance matrix "
                            f"would take {n * n * 8 / 2**30:.0f} GiB")
    ewt = str(specs.get("edge_weight_type", "")).strip().upper()
    coords = None
    if "node_coord" in sections:
        coords = _numeric_rows(path, "node_coord", sections["node_coord"], n, 2)
    elif "display_data" in sections:
        coords = _numeric_rows(path, "display_data", sections["display_data"], n, 2)
    if ewt in COORD_TYPES and ewt != "EUC":
        if "node_coord" not in sections:
            raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION")
        dist = distance_matrix(coords, ewt)
    elif ewt == "EXPLICIT":
        fmt = str(specs.get("edge_weight_format", "")).strip().upper()
        if fmt not in EXPLICIT_FORMATS:
            raise InstanceError(f"{path}: EDGE_WEIGHT_FORMAT {fmt or '(missing)'!r} is not supported; expected one of {EXPLICIT_FORMATS}")
        if "edge_weight" not in sections:
            raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION")
        try:
            values = np.array([float(x) for line in sections["edge_weight"] for x in line.split()])
        except ValueError:
            raise InstanceError(f"{path}: EDGE_WEIGHT_SECTION holds a non-numeric value") from None
        dist = _expand_explicit(values, fmt, n)
    else:
        raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE {ewt or '(missing)'!r} is not supported; expected one of "
                            f"{tuple(t for t in COORD_TYPES if t != 'EUC') + ('EXPLICIT',)}")
    optimum = _known_value(path, name)
    try:
        if kind == "TSP":
            return TSPInstance(dist, coords, ewt, name, optimum)
        return _cvrp(path, specs, sections, n, dist, coords, ewt, name, optimum)
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None


def _cvrp(path: Path, specs: dict, sections: dict, n: int, dist: np.ndarray, coords: np.ndarray | None,
          ewt: str, name: str, optimum: float | None) -> CVRPInstance:
    if "capacity" not in specs:
        raise InstanceError("CAPACITY missing")
    if "demand" not in sections:
        raise InstanceError("DEMAND_SECTION missing")
    demands = _numeric_rows(path, "demand", sections["demand"], n, 1)[:, 0]
    if "depot" in sections:
        depots = [int(float(x)) for line in sections["depot"] for x in line.split()]
        depots = [d for d in depots if d != -1]
        if depots != [1]:
            raise InstanceError(f"DEPOT_SECTION lists {depots}; only a single depot at node 1 is supported")
    m = re.search(r"-k(\d+)", name)
    return CVRPInstance(dist, demands, specs["capacity"], coords, ewt, name, optimum, int(m.group(1)) if m else None)


def read_solution(path: str | os.PathLike) -> SolutionFile:
    """Read a CVRPLIB-style ``.sol`` file (``Route #k: ...`` lines and a ``Cost`` line).

    Customer ids in such files are already 0-based indices with the depot as 0,
    so the routes are returned as they are.
    """
    import vrplib

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no solution file at {path}")
    try:
        data = vrplib.read_solution(str(path))
    except (ValueError, IndexError) as exc:
        raise InstanceError(f"{path}: malformed solution file: {exc}") from None
    routes = data.get("routes", [])
    if not routes:
        raise InstanceError(f"{path}: no 'Route #k:' lines")
    cost = data.get("cost")
    if cost is not None and not isinstance(cost, (int, float)):
        raise InstanceError(f"{path}: Cost {cost!r} is not a number")
    return SolutionFile([[int(x) for x in r] for r in routes], None if cost is None else float(cost))
