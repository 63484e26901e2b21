"""OPLib orienteering files (``TYPE: OP``, ``.oplib``) and their EA4OP solution files (``.sol``).

OPLib (Kobeaga, Merino and Lozano 2018) extends TSPLIB: ``COST_LIMIT`` (the
tour-length limit), ``NODE_SCORE_SECTION`` (each node's score) and a
``DEPOT_SECTION`` naming the depot. Everything else, coordinates, explicit
matrices and the distance conventions (``EUC_2D`` rounded to the nearest integer,
``ATT``, ``GEO``), is TSPLIB's and is read by :func:`routing_gym.envs.io.read_tsplib`
through ``vrplib``. The depot becomes node 0 and the other nodes keep the file's
order. The depot's score counts in a tour's score, as in OPLib's solutions.

The solution files are OPLib's own (``ROUTE_SCORE``, ``ROUTE_COST``,
``NODE_SEQUENCE_SECTION``), read by a small strict parser: ``vrplib`` does not
read them.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from routing_gym.envs.io import numeric_rows, read_text, read_tsplib
from routing_gym.envs.op.types import OPInstance
from routing_gym.errors import InstanceError

#: CSV of best-known scores (``name``, ``ea4op_score``) looked up in a file's folder and the one above it.
BEST_KNOWN_CSV = "ea4op_best.csv"


class OPLibSolution(NamedTuple):
    """An OPLib solution file: the tour (file node ids, depot first) and its stated score and length."""

    nodes: list[int]
    score: float | None
    cost: float | None


def looks_like_oplib(path: Path, head: str) -> bool:
    """Whether a file's head is a TSPLIB-style file of ``TYPE: OP`` with a ``COST_LIMIT``."""
    from routing_gym.envs.io import tsplib_type

    return tsplib_type(head) == "OP" and re.search(r"^\s*COST_LIMIT\s*:", head, re.MULTILINE | re.IGNORECASE) is not None


def _depot(path: Path, lines: list[str], n: int) -> int:
    """The 0-based depot of ``DEPOT_SECTION``: one node id, then ``-1`` (required: a missing one means a cut file)."""
    tokens = [x for line in lines for x in line.split()]
    if len(tokens) != 2 or tokens[1] != "-1" or not tokens[0].isdigit() or not 1 <= int(tokens[0]) <= n:
        raise InstanceError(f"{path}: DEPOT_SECTION holds {' '.join(tokens)!r}; expected one node id in 1..{n}, "
                            f"then -1 (truncated file?)")
    return int(tokens[0]) - 1


def _depot_first(n: int, depot: int) -> np.ndarray:
    """Node order with the depot first, the others in file order."""
    return np.array([depot] + [i for i in range(n) if i != depot], dtype=np.int64)


def best_known_score(path: Path, name: str) -> float | None:
    """``ROUTE_SCORE`` of a ``.sol`` beside the file, else the ``ea4op_score`` of ``ea4op_best.csv``."""
    sol = path.with_suffix(".sol")
    if sol.is_file():
        score = read_oplib_solution(sol).score
        if score is not None:
            return score
    for folder in (path.parent, path.parent.parent):
        table = folder / BEST_KNOWN_CSV
        if not table.is_file():
            continue
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("name") in (name, path.stem) and row.get("ea4op_score"):
                    try:
                        return float(row["ea4op_score"])
                    except ValueError:
                        raise InstanceError(f"{table}: ea4op_score {row['ea4op_score']!r} of {row['name']} is not a number") from None
    return None


def load_oplib(path: str | os.PathLike) -> OPInstance:
    """Read an OPLib file; ``optimum`` is the best-known score (:func:`best_known_score`), if any.

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: naming the file, for a malformed or truncated file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    f = read_tsplib(path)
    if str(f.specs.get("type", "")).strip().upper() != "OP":
        raise InstanceError(f"{path}: TYPE {f.specs.get('type')!r} is not OP")
    if "cost_limit" not in f.specs:
        raise InstanceError(f"{path}: COST_LIMIT missing")
    if "node_score" not in f.sections:
        raise InstanceError(f"{path}: NODE_SCORE_SECTION missing")
    scores = numeric_rows(path, "node_score", f.sections["node_score"], f.dimension, 1)[:, 0]
    if "depot" not in f.sections:
        raise InstanceError(f"{path}: DEPOT_SECTION missing")
    depot = _depot(path, f.sections["depot"], f.dimension)
    order = _depot_first(f.dimension, depot)
    coords = None if f.coords is None else f.coords[order]
    try:
        return OPInstance(f.distances[np.ix_(order, order)], scores[order], f.specs["cost_limit"], coords,
                          f.edge_weight_type, path.stem, best_known_score(path, path.stem))
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None


def _header_number(path: Path, key: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InstanceError(f"{path}: {key} {value!r} is not a number") from None


def read_oplib_solution(path: str | os.PathLike) -> OPLibSolution:
    """Read an OPLib solution file: header lines ``KEY : value``, then ``NODE_SEQUENCE_SECTION``
    with one node id per line up to ``-1`` (the depot first, not repeated at the end).

    :raises InstanceError: naming the file, for a missing section or a non-integer node id.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no solution file at {path}")
    lines = [line.strip() for line in read_text(path).splitlines() if line.strip()]
    head: dict[str, str] = {}
    k = 0
    while k < len(lines) and ":" in lines[k]:
        key, value = lines[k].split(":", 1)
        head[key.strip().upper()] = value.strip()
        k += 1
    if k >= len(lines) or lines[k].upper() != "NODE_SEQUENCE_SECTION":
        raise InstanceError(f"{path}: NODE_SEQUENCE_SECTION missing")
    nodes: list[int] = []
    for line in lines[k + 1:]:
        try:
            node = int(line)
        except ValueError:
            raise InstanceError(f"{path}: NODE_SEQUENCE_SECTION line {line!r} is not a node id") from None
        if node == -1:
            break
        nodes.append(node)
    else:
        raise InstanceError(f"{path}: NODE_SEQUENCE_SECTION does not end with -1 (truncated file?)")
    score = _header_number(path, "ROUTE_SCORE", head["ROUTE_SCORE"]) if "ROUTE_SCORE" in head else None
    cost = _header_number(path, "ROUTE_COST", head["ROUTE_COST"]) if "ROUTE_COST" in head else None
    return OPLibSolution(nodes, score, cost)


def oplib_tour(instance_path: str | os.PathLike, solution: OPLibSolution) -> list[int]:
    """An OPLib solution as a tour of the loaded instance (0-based, depot first in the instance, omitted here).

    :raises InstanceError: when the sequence does not start at the file's depot.
    """
    path = Path(instance_path)
    f_depot, n = _file_depot(path)
    order = _depot_first(n, f_depot)
    index = np.empty(n, dtype=np.int64)
    index[order] = np.arange(n)
    ids = [i - 1 for i in solution.nodes]
    if not ids or ids[0] != f_depot or any(not 0 <= i < n for i in ids):
        raise InstanceError(f"{path}: the solution must start at the depot {f_depot + 1} and name nodes 1..{n}, "
                            f"got {solution.nodes[:5]}...")
    return [int(index[i]) for i in ids[1:]]


def _file_depot(path: Path) -> tuple[int, int]:
    f = read_tsplib(path)
    if "depot" not in f.sections:
        raise InstanceError(f"{path}: DEPOT_SECTION missing")
    return _depot(path, f.sections["depot"], f.dimension), f.dimension
