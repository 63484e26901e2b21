"""The fast paths of the TSP and CVRP kernels give exactly the episodes of the plain numpy dynamics.

Generated instances are loaded as coordinates only (no distance matrix), the steps are
compiled, solutions of finished rows are split in one batch: none of it may change a
reward, a state, a solution or the episodes of a seed.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.envs import CVRPGenerator, CVRPKernel, TSPGenerator, TSPKernel
from routing_gym.envs.depot_routes import DepotRoutesKernel, split_routes
from routing_gym.envs.distances import euclidean


class EagerGenerator:
    """Wraps a generator so that its kernel receives full distance matrices (the pre-lazy path)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.num_nodes = inner.num_nodes

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        return self.inner.sample(rng, size)


def numpy_tsp_step(k: TSPKernel, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The TSP step as it was in numpy, before it was compiled: the reference."""
    valid = k.mask[k._rows, a] & ~k.done
    reward = np.empty(k.batch_size)
    terminated = ~valid
    v = np.flatnonzero(valid)
    av = a[v]
    reward[v] = -k.dist[v, k.cur[v], av]
    k.visited[v, av] = True
    k.t[v] += 1
    k.tour[v, k.t[v]] = av
    k.cur[v] = av
    fin = v[k.t[v] == k.num_nodes - 1]
    reward[fin] -= k.dist[fin, k.cur[fin], k.first[fin]]
    terminated[fin] = True
    k.cost[v] -= reward[v]
    inv = np.flatnonzero(~valid)
    reward[inv] = -k.penalty[inv]
    k.mask[v] = ~k.visited[v]
    k.done |= terminated
    return reward, terminated, ~valid


def state_of(k: Any) -> dict[str, np.ndarray]:
    return {**k.get_state(), "penalty": k.penalty.copy()}


def random_actions(k: Any, rng: np.random.Generator, p_masked: float) -> np.ndarray:
    """Mostly feasible actions; with probability ``p_masked`` a uniformly random (maybe masked) one."""
    a = np.argmax(rng.random(k.mask.shape) * (k.mask + 1e-9), axis=1)
    wild = rng.random(k.batch_size) < p_masked
    a[wild] = rng.integers(0, k.mask.shape[1], wild.sum())
    return a


@pytest.mark.parametrize("kernel_type, gen, reference", [
    (TSPKernel, TSPGenerator(12), numpy_tsp_step),
    (TSPKernel, TSPGenerator(7, distribution="clustered"), numpy_tsp_step),
    (CVRPKernel, CVRPGenerator(9), DepotRoutesKernel.step),
    (CVRPKernel, CVRPGenerator(9, capacity=12, distribution="clustered"), DepotRoutesKernel.step),
])
@pytest.mark.parametrize("lazy", [True, False])
def test_compiled_step__equals_the_numpy_reference_bitwise(kernel_type: Any, gen: Any, reference: Any, lazy: bool) -> None:
    """Random play with some masked actions and restarts: every output and state array is identical."""
    rng, b = np.random.default_rng(7), 33
    fast, ref = kernel_type(b, gen.num_nodes), kernel_type(b, gen.num_nodes)
    data = gen.sample(np.random.default_rng(1), b, distances=not lazy)
    fast.load(np.arange(b), data)
    ref.load(np.arange(b), gen.sample(np.random.default_rng(1), b))  # the full matrices
    for step in range(60):
        a = random_actions(fast, rng, p_masked=0.02)
        got, want = fast.step(a), reference(ref, a)
        for g, w in zip(got, want):
            assert np.array_equal(g, w), step
        for key, value in state_of(ref).items():
            assert np.array_equal(state_of(fast)[key], value), (step, key)
        ended = np.flatnonzero(fast.done)
        if ended.size:
            assert fast.solutions(ended) == [fast.solution(r) for r in ended.tolist()]
            new = gen.sample(np.random.default_rng(step), ended.size, distances=not lazy)
            fast.load(ended, new)
            ref.load(ended, {**new, "distances": euclidean(new["coords"])})


@pytest.mark.parametrize("gen", [TSPGenerator(10), CVRPGenerator(10)])
def test_lazy_distances__same_instances_matrix_and_penalty(gen: Any) -> None:
    """``distances=False`` draws the same instances; ``dist`` and ``penalty`` are built on first read."""
    full = gen.sample(np.random.default_rng(3), 5)
    lazy = gen.sample(np.random.default_rng(3), 5, distances=False)
    assert "distances" not in lazy and set(full) == set(lazy) | {"distances"}
    for key, value in lazy.items():
        assert np.array_equal(full[key], value)
    kernel_type = TSPKernel if isinstance(gen, TSPGenerator) else CVRPKernel
    k, eager = kernel_type(5, gen.num_nodes), kernel_type(5, gen.num_nodes)
    k.load(np.arange(5), lazy)
    eager.load(np.arange(5), full)
    assert k._from_xy.all() and k._penalty_due.all()
    assert np.array_equal(k.penalty, eager.penalty) and np.array_equal(k.dist, full["distances"])
    assert not k._from_xy.any()
    assert kernel_type.make_instance(lazy, 2).distances.tolist() == full["distances"][2].tolist()


@pytest.mark.parametrize("env_id, gen", [("routing_gym/TSP-v0", TSPGenerator(8)), ("routing_gym/CVRP-v0", CVRPGenerator(8))])
def test_vector_env__lazy_and_eager_instances_give_the_same_episodes(env_id: str, gen: Any) -> None:
    """Same seed, with and without distance matrices: identical observations, rewards and final infos."""
    envs = [gym.make_vec(env_id, 16, vectorization_mode="vector_entry_point", generator=g) for g in (gen, EagerGenerator(gen))]
    obs = [e.reset(seed=11)[0] for e in envs]
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(40):
        a = np.argmax(rng.random(obs[0]["action_mask"].shape) * obs[0]["action_mask"], axis=1)
        out = [e.step(a) for e in envs]
        obs = [o[0] for o in out]
        for key in obs[0]:
            assert np.array_equal(obs[0][key], obs[1][key])
        assert np.array_equal(out[0][1], out[1][1]) and np.array_equal(out[0][2], out[1][2])
        if out[0][2].any():
            fin = [o[4]["final_info"] for o in out]
            assert np.array_equal(fin[0]["cost"], fin[1]["cost"])
            assert list(fin[0]["solution"]) == list(fin[1]["solution"])
            finished += int(out[0][2].sum())
    assert finished >= 16


def test_vector_env__final_info_matches_the_finished_rows() -> None:
    """``final_obs`` / ``final_info`` of a batch where only some rows end (CVRP: episodes differ in length)."""
    venv = gym.make_vec("routing_gym/CVRP-v0", 8, vectorization_mode="vector_entry_point", num_nodes=6)
    obs, _ = venv.reset(seed=2)
    k = venv.unwrapped.kernel
    rng = np.random.default_rng(1)
    for _ in range(30):
        a = np.argmax(rng.random(obs["action_mask"].shape) * obs["action_mask"], axis=1)
        before = {r: (k.dist[r].copy(), k.hist[r].copy(), k.t[r]) for r in range(8)}
        obs, _, term, _, info = venv.step(a)
        if not term.any():
            continue
        fin = info["final_info"]
        for r in range(8):
            assert info["_final_obs"][r] == term[r] and fin["_solution"][r] == term[r]
            if term[r]:
                dist, hist, t = before[r]
                hist[t] = a[r]
                routes = split_routes(hist[None], np.array([t + 1]))[0]
                assert fin["solution"][r] == routes and sorted(sum(routes, [])) == list(range(1, 7))
                length = sum(dist[np.r_[0, x], np.r_[x, 0]].sum() for x in routes)
                assert fin["cost"][r] == pytest.approx(length, rel=1e-12)
                assert info["final_obs"][r]["action_mask"].sum() == 0 and info["final_obs"][r]["current_node"] == 0
            else:
                assert info["final_obs"][r] is None and fin["solution"][r] is None


def test_split_routes__equals_a_loop_over_the_actions() -> None:
    def loop(h: np.ndarray, t: int) -> list[list[int]]:
        routes: list[list[int]] = [[]]
        for node in h[:t].tolist():
            routes.append([]) if node == 0 else routes[-1].append(node)
        return [r for r in routes if r]

    rng = np.random.default_rng(0)
    for _ in range(500):
        k, width = int(rng.integers(1, 6)), int(rng.integers(1, 12))
        h = rng.integers(0, 4, (k, width)) * (rng.random((k, width)) > 0.3)
        t = rng.integers(0, width + 1, k)
        assert split_routes(h, t) == [loop(h[i], t[i]) for i in range(k)]
