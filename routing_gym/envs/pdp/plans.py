"""Delivery plans: the certificates that keep every PDPTW state completable (batched numpy).

With time windows, a move is safe when, after it, the deliveries aboard can
still all be made in time and the vehicle be back by the depot's closing time.
Deciding that exactly is a TSP with time windows on the loads aboard, so the
kernel keeps a *plan* instead: an order of the deliveries aboard known to be
feasible from the current state. A candidate move is allowed when one of these
orders of the deliveries aboard after it is feasible from it:

1. the stored plan with the new delivery inserted at any position (a pickup) or
   with the delivered node removed (a delivery);
2. all of them by due time, earliest first;
3. nearest neighbour from the candidate node;
4. (only where 1-3 all fail) a cheapest-insertion construction: the deliveries in
   due order, each inserted where the return to the depot is earliest.

The move stores the feasible order with the most slack (the smallest
``due - arrival`` along it, largest) as the new plan. The plan's first delivery
is always allowed next (the rest of the plan stays feasible), so no state is a
dead end; a move is refused only when none of these orders works, though another
might (all 50 Li & Lim best-known solutions replay). Every function works on
flat lists of ``(row, candidate)`` pairs and loops only over plan positions (the
loads aboard), never over nodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.envs.cvrptw.types import TIME_EPS


def simulate(k: Any, rows: np.ndarray, start: np.ndarray, time: np.ndarray,
             seq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drive each sequence ``seq[m]`` (node ids, ``-1`` skipped) from ``start[m]`` leaving at ``time[m]``,
    then back to the depot, on kernel ``k``'s row ``rows[m]``.

    :returns: ``(feasible, slack, return time)``, each ``(M,)``; slack is the least ``due - arrival``.
    """
    t, prev = time.astype(np.float64).copy(), start.copy()
    ok = np.ones(len(rows), dtype=bool)
    slack = np.full(len(rows), np.inf)
    for i in range(seq.shape[1]):
        node = seq[:, i]
        valid = node >= 0
        nd = np.maximum(node, 0)
        arrival = t + k.dist[rows, prev, nd]
        room = k.due[rows, nd] - arrival
        ok &= ~valid | (room >= -TIME_EPS)
        slack = np.where(valid, np.minimum(slack, room), slack)
        t = np.where(valid, np.maximum(arrival, k.ready[rows, nd]) + k.service[rows, nd], t)
        prev = np.where(valid, nd, prev)
    back = t + k.dist[rows, prev, 0]
    room = k.due[rows, 0] - back
    return ok & (room >= -TIME_EPS), np.minimum(slack, room), back


def _insertions(base: np.ndarray, x: np.ndarray, length: int) -> np.ndarray:
    """``(M, length, length)``: ``x[m]`` inserted into ``base[m, :length - 1]`` at every position."""
    pad = np.concatenate([base[:, : length - 1], np.full((len(base), 1), -1, dtype=np.int64)], axis=1)
    i = np.arange(length)[None, None, :]
    p = np.arange(length)[None, :, None]
    src = np.clip(np.where(i < p, i, i - 1), 0, length - 1)
    out = np.take_along_axis(pad[:, None, :], np.broadcast_to(src, (len(base), length, length)), axis=2)
    return np.where(i == p, x[:, None, None], out)


def _by_due(k: Any, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``items`` (``-1`` padded) sorted by due time, padding last."""
    key = np.where(items >= 0, k.due[rows[:, None], np.maximum(items, 0)], np.inf)
    return np.take_along_axis(items, np.argsort(key, axis=1, kind="stable"), axis=1)


def _nearest_neighbour(k: Any, rows: np.ndarray, start: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``items`` in nearest-neighbour order from ``start``, padding last."""
    m = np.arange(len(rows))
    used = items < 0
    cur = start.copy()
    out = np.full(items.shape, -1, dtype=np.int64)
    for step in range(items.shape[1]):
        d = np.where(used, np.inf, k.dist[rows[:, None], cur[:, None], np.maximum(items, 0)])
        j = np.argmin(d, axis=1)
        has = ~used[m, j]
        out[:, step] = np.where(has, items[m, j], -1)
        used[m, j] = True
        cur = np.where(has, items[m, j], cur)
    return out


def _construct(k: Any, rows: np.ndarray, start: np.ndarray, time: np.ndarray,
               items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest-insertion order: ``items`` (by due time) inserted one by one where the return is earliest."""
    f, length = items.shape
    plan = np.full((f, length), -1, dtype=np.int64)
    ok = np.ones(f, dtype=bool)
    for i in range(length):
        x = items[:, i]
        has = (x >= 0) & ok
        if not has.any():
            continue
        seqs = _insertions(plan, x, length)[:, : i + 1]  # (f, i + 1 positions, length)
        flat = seqs.reshape(-1, length)
        rep = np.repeat(np.arange(f), i + 1)
        feas, _, back = simulate(k, rows[rep], start[rep], time[rep], flat)
        back = np.where(feas, back, np.inf).reshape(f, i + 1)
        best = np.argmin(back, axis=1)
        found = np.isfinite(back[np.arange(f), best])
        plan = np.where((has & found)[:, None], seqs[np.arange(f), best], plan)
        ok &= ~has | found
    return ok, plan


def certify(k: Any, rows: np.ndarray, cols: np.ndarray, depart: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each pair ``(rows[m], cols[m])``: whether moving to node ``cols[m]`` (leaving it at ``depart[m]``)
    keeps the deliveries aboard completable, and the plan that shows it (``(M, width)``, ``-1`` padded).

    ``cols`` are pickups or pending deliveries (the local checks passed); ``k.plan`` is the stored plan.
    """
    m = len(rows)
    width = int(k.plan_len[rows].max(initial=0)) + 1
    base = k.plan[rows, : width - 1]
    base = np.where(base == cols[:, None], -1, base)  # a delivery leaves the plan
    x = np.where(k.is_pickup[rows, cols], k.partner[rows, cols], -1)  # a pickup adds its delivery
    items = np.concatenate([base, x[:, None]], axis=1)
    edd = _by_due(k, rows, items)
    cands = np.concatenate([_insertions(base, x, width), edd[:, None], _nearest_neighbour(k, rows, cols, items)[:, None]],
                           axis=1)
    q = cands.shape[1]
    rep = np.repeat(np.arange(m), q)
    ok, slack, _ = simulate(k, rows[rep], cols[rep], depart[rep], cands.reshape(-1, width))
    score = np.where(ok, slack, -np.inf).reshape(m, q)
    best = np.argmax(score, axis=1)
    plan = cands[np.arange(m), best]
    found = ok.reshape(m, q).any(axis=1)
    if not found.all():
        miss = np.flatnonzero(~found)
        built_ok, built = _construct(k, rows[miss], cols[miss], depart[miss], edd[miss])
        found[miss] = built_ok
        plan[miss] = np.where(built_ok[:, None], built, plan[miss])
    return found, plan


def compact(plan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plans with their ``-1`` gaps moved to the end, and their lengths."""
    order = np.argsort(plan < 0, axis=1, kind="stable")
    out = np.take_along_axis(plan, order, axis=1)
    return out, (out >= 0).sum(axis=1)
