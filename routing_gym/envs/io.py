"""Instance files: the generic :func:`load_instance`, and the TSPLIB / VRPLIB machinery.

:func:`load_instance` recognises a file by its content and hands it to the
loader of the problem that declared its format (``envs/<problem>/io.py``).
TSPLIB-style files are split into specifications and sections by the
``vrplib`` package; the TSPLIB distance conventions (rounding, ATT, GEO) and
the explicit matrix layouts that ``vrplib`` does not expand are handled here,
once, for every problem whose files use them. Node ids become 0-based, in file
order, the depot first for VRP files. Every problem with a file raises
:class:`~routing_gym.errors.InstanceError` naming the file, the field and the value.
"""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from routing_gym.envs.distances import COORD_TYPES, distance_matrix
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

    text = read_text(path)
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


def numeric_rows(path: Path, section: str, lines: list[str], n: int, cols: int) -> np.ndarray:
    rows = [line.split() for line in lines if line.strip()]
    if len(rows) < n:
        raise InstanceError(f"{path}: {section.upper()}_SECTION has {len(rows)} rows, DIMENSION is {n} (truncated file?)")
    if len(rows) > n:
        raise InstanceError(f"{path}: {section.upper()}_SECTION has {len(rows)} rows but DIMENSION is {n}")
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


def load_instance(path: str | os.PathLike, **options: Any) -> Any:
    """Read an instance file of any registered problem.

    The format is recognised from the file's content (TSPLIB ``TYPE: TSP``,
    CVRPLIB ``TYPE: CVRP``, Solomon, ...), each problem declaring its formats in
    the registry; ``options`` go to that format's loader (e.g. ``agents=k`` for
    MAPF scenarios). The known optimal / best-known value is attached when a
    ``.sol`` beside the file or a CSV of known values in its folder names it.

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: for a malformed, truncated or unsupported file, or unknown options.
    """
    from routing_gym.registry import problems

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    with open(path, "rb") as fh:
        raw = fh.read(4096)
    if not raw.strip():
        raise InstanceError(f"{path}: empty file")
    head = raw.decode("utf-8", errors="replace")
    formats = [f for p in problems().values() for f in p.formats]
    for fmt in formats:  # binary formats (Parquet) sniff their magic bytes; text sniffers see the decoded head
        if fmt.sniff(path, head):
            try:
                return fmt.load(path, **options)
            except TypeError as exc:
                raise InstanceError(f"{path}: bad loader option(s) {options} for a {fmt.name} file: {exc}") from None
    if b"\0" in raw:
        raise InstanceError(f"{path}: not a text file (binary content) and no registered binary format reads it")
    kind = tsplib_type(head)
    what = f"TYPE {kind!r}" if kind else "its format"
    raise InstanceError(f"{path}: {what} is not supported; readable formats: {', '.join(f.name for f in formats)}")


def read_text(path: Path) -> str:
    """A text file's content; bytes that are not UTF-8 (e.g. latin-1 in a COMMENT) are replaced, not fatal."""
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise InstanceError(f"{path}: not a text file (binary content)")
    return data.decode("utf-8", errors="replace")


def tsplib_type(head: str) -> str:
    """The ``TYPE`` field of a TSPLIB/VRPLIB file's head (upper case, ``""`` when absent)."""
    m = re.search(r"^\s*TYPE\s*:?\s*(\S+)", head, flags=re.MULTILINE | re.IGNORECASE)
    return m.group(1).upper() if m else ""


def tsplib_sniffer(*kinds: str) -> Any:
    """A ``sniff(path, head)`` accepting TSPLIB-style files whose ``TYPE`` is one of ``kinds``."""
    def sniff(path: Path, head: str) -> bool:
        return tsplib_type(head) in kinds

    return sniff


class TsplibFile(NamedTuple):
    """The common part of a TSPLIB / VRPLIB file: sizes, distances and the raw sections."""

    path: Path
    specs: dict[str, Any]
    sections: dict[str, list[str]]
    name: str
    dimension: int
    distances: np.ndarray
    coords: np.ndarray | None
    edge_weight_type: str
    optimum: float | None


def read_tsplib(path: Path) -> TsplibFile:
    """Parse a TSPLIB/VRPLIB file (through ``vrplib``) and build its distance matrix."""
    specs, sections = _read_sections(path)
    if not specs and not sections:
        raise InstanceError(f"{path}: empty file")
    name = str(specs.get("name", path.stem)).strip()
    for suffix in (".tsp", ".vrp", ".atsp"):
        name = name.removesuffix(suffix)
    n = _dimension(path, specs)
    ewt = str(specs.get("edge_weight_type", "")).strip().upper()
    coords = None
    if "node_coord" in sections:
        coords = numeric_rows(path, "node_coord", sections["node_coord"], n, 2)
    elif "display_data" in sections:
        coords = numeric_rows(path, "display_data", sections["display_data"], n, 2)
    dist = _distances(path, specs, sections, n, ewt, coords)
    return TsplibFile(path, specs, sections, name, n, dist, coords, ewt, _known_value(path, name))


def _dimension(path: Path, specs: dict[str, Any]) -> int:
    try:
        n = int(specs["dimension"])
    except (KeyError, TypeError, ValueError):
        raise InstanceError(f"{path}: DIMENSION missing or not an integer: {specs.get('dimension')!r}") from None
    if n < 2:
        raise InstanceError(f"{path}: DIMENSION {n} is below 2")
    if n > MAX_NODES:
        raise InstanceError(f"{path}: DIMENSION {n} exceeds MAX_NODES={MAX_NODES}: its dense distance matrix "
                            f"would take {n * n * 8 / 2**30:.0f} GiB")
    return n


def _distances(path: Path, specs: dict[str, Any], sections: dict[str, list[str]], n: int, ewt: str,
               coords: np.ndarray | None) -> np.ndarray:
    if ewt in COORD_TYPES and ewt != "EUC":
        if "node_coord" not in sections:
            raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION")
        return distance_matrix(coords, ewt)
    if ewt == "EXPLICIT":
        fmt = str(specs.get("edge_weight_format", "")).strip().upper()
        if fmt not in EXPLICIT_FORMATS:
            raise InstanceError(f"{path}: EDGE_WEIGHT_FORMAT {fmt or '(missing)'!r} is not supported; expected one of {EXPLICIT_FORMATS}")
        if "edge_weight" not in sections:
            raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION")
        try:
            values = np.array([float(x) for line in sections["edge_weight"] for x in line.split()])
        except ValueError:
            raise InstanceError(f"{path}: EDGE_WEIGHT_SECTION holds a non-numeric value") from None
        try:
            return _expand_explicit(values, fmt, n)
        except InstanceError as exc:  # a short EDGE_WEIGHT_SECTION (truncated file): name the file too
            raise InstanceError(f"{path}: {exc} (truncated file?)") from None
    raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE {ewt or '(missing)'!r} is not supported; expected one of "
                        f"{tuple(t for t in COORD_TYPES if t != 'EUC') + ('EXPLICIT',)}")


def read_solution(path: str | os.PathLike, instance: Any | None = None) -> SolutionFile:
    """Read a CVRPLIB / Solomon ``.sol`` file (``Route #k: ...`` lines and a ``Cost`` line).

    Customer ids in such files are already 0-based indices with the depot as 0
    (customers ``1..n``), so the routes are returned as they are.

    Every route token must be an integer >= 1, and the ``Cost`` line, which ends
    every such file, must be there and be a finite number: a file cut short
    (no ``Cost`` line, or a route line cut before its colon) raises. With
    ``instance`` (a VRP instance of any registered problem) the file is also
    checked against it: every customer ``1..n`` exactly once, the routes feasible,
    and the ``Cost`` line equal to the routes' cost under the instance's distance
    convention (to 0.005, the rounding of a two-decimal cost).

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: naming the file, the line or customer, and the value.
    """
    from vrplib.parse.parse_utils import text2lines

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no solution file at {path}")
    routes: list[list[int]] = []
    cost: float | None = None
    for line in text2lines(read_text(path)):
        if line.startswith("Route"):
            head, sep, body = line.partition(":")
            if not sep:
                raise InstanceError(f"{path}: route line {line!r} has no ':' (truncated file?)")
            route = []
            for tok in body.split():
                try:
                    node = int(tok)
                except ValueError:
                    raise InstanceError(f"{path}: {head.strip()}: customer {tok!r} is not an integer") from None
                if node < 1:
                    raise InstanceError(f"{path}: {head.strip()}: customer {node} (customers are numbered from 1; "
                                        "the depot is implicit)")
                route.append(node)
            routes.append(route)
        elif line.split(":")[0].strip().lower() == "cost" or line.split()[0].lower() == "cost":
            text = line[4:].lstrip(" :\t")
            try:
                cost = float(text)
            except ValueError:
                raise InstanceError(f"{path}: Cost {text!r} is not a number") from None
            if not math.isfinite(cost):
                raise InstanceError(f"{path}: Cost {text!r} is not finite")
    if not routes:
        raise InstanceError(f"{path}: no 'Route #k:' lines")
    if cost is None:
        raise InstanceError(f"{path}: no 'Cost' line after the routes (truncated file?)")
    if instance is not None:
        _check_solution(path, routes, cost, instance)
    return SolutionFile(routes, cost)


def _check_solution(path: Path, routes: list[list[int]], cost: float, instance: Any) -> None:
    from routing_gym.registry import problem_of

    n = getattr(instance, "num_customers", None)
    if n is None:
        raise InstanceError(f"{path}: a .sol file holds VRP routes; a {type(instance).__name__} has no customers")
    counts = np.bincount(np.fromiter((c for r in routes for c in r), dtype=np.int64), minlength=n + 1)
    if counts.size > n + 1:
        c = int(np.flatnonzero(counts[n + 1:])[0]) + n + 1
        raise InstanceError(f"{path}: customer {c} does not exist; the instance has customers 1..{n}")
    twice = np.flatnonzero(counts[1:] > 1) + 1
    missing = np.flatnonzero(counts[1:] == 0) + 1
    problems = []
    if twice.size:
        problems.append(f"customer {twice[0]} visited {counts[twice[0]]} times"
                        + (f" ({twice.size} customers more than once)" if twice.size > 1 else ""))
    if missing.size:
        problems.append(f"customer {missing[0]} never visited"
                        + (f" ({missing.size} customers missing)" if missing.size > 1 else "")
                        + ("" if twice.size else " (truncated file, or a solution of another instance?)"))
    if problems:
        raise InstanceError(f"{path}: every customer must be visited once: {'; '.join(problems)}")
    ev = problem_of(instance).evaluate(instance, routes)
    if not ev.feasible:
        raise InstanceError(f"{path}: the routes are infeasible for {getattr(instance, 'name', '') or 'the instance'}: "
                            f"{ev.violation}")
    if not math.isclose(ev.cost, cost, rel_tol=1e-9, abs_tol=0.005 + 1e-9):
        raise InstanceError(f"{path}: Cost {cost:g} disagrees with the routes' cost {ev.cost:.6g} on "
                            f"{getattr(instance, 'name', '') or 'the instance'}")
