"""RouterBench / RouteLLM-style score tables: one row per (query, model) with its score and cost.

A CSV with the header ``query_id,model,score,cost`` (any order), an optional ``family``
column and any further numeric columns as query features (constant per query)::

    query_id,model,score,cost,family
    arc-challenge.test.1108,claude-v1,1.0,0.004264,arc-challenge

``load_table(path, budget=B, cost_weight=w)`` reads one into a
:class:`~routing_gym.envs.query_router.types.QueryRouterInstance`; queries keep their order of
first appearance, models theirs. By default the queries are split in two (``train_fraction=0.5``,
by query, drawn with ``split_seed``): the training half goes into the instance's ``train_*``
tables (the fitted routers learn there), the other half is the stream the episode replays,
in order. ``train_fraction=0`` replays every query and leaves no training set. Without
feature columns the features are one column of zeros (the family is all a router sees).

The same table may be a Parquet file (``.parquet``, read with ``pyarrow``: ``pip install
routing-gym[parquet]``): the same columns (numbers, strings; a null is an empty cell) and the
same checks, row for row.

Every malformed table raises :class:`~routing_gym.errors.InstanceError` naming the file and the
row: missing columns, a short row, a non-numeric, null or NaN score, a negative or non-numeric
cost, a duplicate (query, model) row, or a query without a row for some model. Rows are
numbered as a reader sees them: in a CSV, the line number (the header being line 1); in a
Parquet file, the data row counted from 1.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from routing_gym.envs.query_router.types import QueryRouterInstance
from routing_gym.errors import InstanceError

#: the columns every table must have
REQUIRED = ("query_id", "model", "score", "cost")


#: the first bytes of every Parquet file
PARQUET_MAGIC = b"PAR1"


def sniff(path: Path, head: str) -> bool:
    """Whether the first line is a CSV header holding :data:`REQUIRED`."""
    first = head.splitlines()[0] if head.strip() else ""
    cols = {c.strip().lower() for c in first.split(",")}
    return set(REQUIRED) <= cols


def is_parquet(path: Path) -> bool:
    """Whether ``path`` starts with the Parquet magic bytes."""
    with open(path, "rb") as fh:
        return fh.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC


def sniff_parquet(path: Path, head: str) -> bool:
    """Whether ``path`` is a Parquet file (its magic bytes; the text ``head`` is not used)."""
    return is_parquet(path)


def _number(text: str, path: Path, line: int, column: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InstanceError(f"{path}: row {line}: {column} {text!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise InstanceError(f"{path}: row {line}: {column} is {text!r} (NaN or infinite)")
    return value


def _cell(value: Any) -> str:
    """A Parquet cell as the text a CSV would hold (``repr`` keeps floats exact; null is empty)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _read_parquet(path: Path) -> tuple[list[str], list[list[str]], int]:
    """Header, rows as text cells and the number of the first data row (1) of a Parquet file."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InstanceError(f"{path}: reading Parquet tables needs pyarrow (pip install routing-gym[parquet])") from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for corrupt files
        raise InstanceError(f"{path}: not a readable Parquet table: {type(exc).__name__}: {exc}") from None
    header = [str(c).strip() for c in table.column_names]
    columns = [[_cell(v) for v in table.column(c).to_pylist()] for c in table.column_names]
    return header, [list(r) for r in zip(*columns)], 1


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], int]:
    """Header, rows (blank lines dropped later) and the line number of the first data row (2) of a CSV."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InstanceError(f"{path}: not a readable CSV table: {exc}") from None
    return header, rows, 2


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and numbered rows (``(row number, {column: text})``) of a CSV or Parquet table."""
    header, raw, first = _read_parquet(path) if is_parquet(path) else _read_csv(path)
    rows = [(i + first, r) for i, r in enumerate(raw) if any(c.strip() for c in r)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        where = "row 1 (the header)" if first == 2 else "the schema (column names)"
        raise InstanceError(f"{path}: {where}: missing column(s) {', '.join(missing)} (header: {','.join(header)[:200]!r}); "
                            f"a score table needs {', '.join(REQUIRED)}")
    out = []
    for line, r in rows:
        if len(r) != len(header):
            raise InstanceError(f"{path}: row {line} has {len(r)} fields, the header {len(header)} (truncated file?)")
        out.append((line, dict(zip(header, (c.strip() for c in r)))))
    if not out:
        raise InstanceError(f"{path}: the table has a header but no rows")
    return header, out


def _tables(path: Path, header: list[str], rows: list[tuple[int, dict[str, str]]]) -> dict[str, Any]:
    """Score and cost matrices, families and features, in order of first appearance."""
    feature_cols = [c for c in header if c not in REQUIRED and c != "family"]
    queries: dict[str, int] = {}
    models: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    first: dict[str, int] = {}
    for line, r in rows:
        key = (r["query_id"], r["model"])
        if not key[0] or not key[1]:
            raise InstanceError(f"{path}: row {line}: empty query_id or model")
        if key in seen:
            raise InstanceError(f"{path}: row {line}: duplicate row for query {key[0]!r} and model {key[1]!r} "
                                f"(first at row {seen[key]})")
        seen[key] = line
        first.setdefault(key[0], line)
        queries.setdefault(key[0], len(queries))
        models.setdefault(key[1], len(models))
    nq, m = len(queries), len(models)
    score, cost = np.full((nq, m), np.nan), np.full((nq, m), np.nan)
    feats = np.zeros((nq, max(len(feature_cols), 1)))
    fam_of: dict[str, int] = {}
    family = np.zeros(nq, dtype=np.int64)
    for line, r in rows:
        q, j = queries[r["query_id"]], models[r["model"]]
        score[q, j] = _number(r["score"], path, line, "score")
        cost[q, j] = _number(r["cost"], path, line, "cost")
        if cost[q, j] < 0:
            raise InstanceError(f"{path}: row {line}: negative cost {r['cost']} "
                                f"(query {r['query_id']!r}, model {r['model']!r})")
        for k, c in enumerate(feature_cols):
            feats[q, k] = _number(r[c], path, line, c)
        if "family" in r:
            family[q] = fam_of.setdefault(r["family"] or "(none)", len(fam_of))
    if np.isnan(score).any():
        q, j = (int(i) for i in np.argwhere(np.isnan(score))[0])
        qid, mname = list(queries)[q], list(models)[j]
        raise InstanceError(f"{path}: query {qid!r} (first at row {first[qid]}) has no row for model {mname!r} "
                            f"(truncated file?)")
    return {"score": score, "cost": cost, "features": feats, "family": family, "queries": list(queries),
            "models": list(models), "families": list(fam_of) or ["all"], "feature_names": feature_cols}


def _split(nq: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) query indices, each in order of first appearance."""
    n_train = int(round(train_fraction * nq))
    if n_train >= nq:
        raise InstanceError(f"train_fraction: {train_fraction} leaves no query to route ({nq} queries)")
    chosen = np.zeros(nq, dtype=bool)
    chosen[np.random.default_rng(seed).permutation(nq)[:n_train]] = True
    return np.flatnonzero(chosen), np.flatnonzero(~chosen)


def load_table(path: str | Path, budget: float | None = None, cost_weight: float = 0.0, train_fraction: float = 0.5,
               split_seed: int = 0, allow_abstain: bool = False) -> QueryRouterInstance:
    """A score table as an instance (see the module's docstring).

    :param budget: the total budget in the table's cost unit (``None``: unlimited).
    :param cost_weight: the weight on cost: the reward per query is ``score - cost_weight * cost``.
    :param train_fraction: share of the queries held out as training queries (``0``: none).
    :param split_seed: seed of the train/test split.
    :param allow_abstain: whether queries may go unanswered while a model is affordable.
    """
    path = Path(path)
    if not 0.0 <= float(train_fraction) < 1.0:
        raise InstanceError(f"train_fraction: expected a number in [0, 1), got {train_fraction!r}")
    header, rows = _read_rows(path)
    t = _tables(path, header, rows)
    train, test = _split(len(t["queries"]), float(train_fraction), int(split_seed))
    m = len(t["models"])
    return QueryRouterInstance(
        quality=t["score"][test], cost=t["cost"][test], features=t["features"][test], family=t["family"][test],
        flags=np.zeros((m, 1)), flag_weights=np.zeros(1), flag_names=("none",),
        budget=math.inf if budget is None else budget, cost_weight=cost_weight,
        model_names=tuple(t["models"]), family_names=tuple(t["families"]), allow_abstain=allow_abstain,
        train_quality=t["score"][train], train_cost=t["cost"][train], train_features=t["features"][train],
        train_family=t["family"][train], query_ids=tuple(t["queries"][i] for i in test), name=path.stem)
