"""``agent:path=model.zip``: SB3 checkpoints (MaskablePPO and plain PPO) played on any problem,
with the per-problem aliases (``layer-ppo``, ``query-ppo``) still working."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.baselines.sb3_policy import is_sb3_checkpoint, sb3_algorithm
from routing_gym.envs import replay
from routing_gym.envs.layer_router.generator import LayerRouterGenerator
from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.errors import SolverError

LAYER = {"num_layers": 4, "num_tokens": 2, "batch_budget": 12}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A MaskablePPO and a plain PPO LayerRouter checkpoint, a MaskablePPO QueryRouter one (tiny budgets)."""
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    from routing_gym.agents.layer_router import train_router
    from routing_gym.agents.query_router import train_router as train_query_router
    from routing_gym.agents.vec_env import make_vec_env

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("sb3")
    out = {"maskable": folder / "layer_maskable.zip", "ppo": folder / "layer_ppo.zip", "query": folder / "query.zip"}
    train_router(timesteps=256, seed=0, n_envs=4, **LAYER).save(out["maskable"])
    venv = make_vec_env("routing_gym/LayerRouter-v0", n_envs=4, seed=0, **LAYER)
    PPO("MultiInputPolicy", venv, n_steps=32, batch_size=64, seed=0, device="cpu").learn(128).save(out["ppo"])
    gen = QueryRouterGenerator(num_models=3, num_queries=6, num_train=0, budget_ratio=0.5)
    train_query_router(gen, 256, n_envs=4).save(out["query"])
    assert sb3_algorithm(out["maskable"]) is MaskablePPO and sb3_algorithm(out["ppo"]) is PPO
    return out


def _layer_instance(seed: int = 3, **kwargs: object):
    return LayerRouterGenerator(**{**LAYER, **kwargs})(np.random.default_rng(seed))


def test_is_sb3_checkpoint__zip_with_data_and_policy_only(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    import zipfile

    assert is_sb3_checkpoint(checkpoints["maskable"])
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("data", "{}")
    assert not is_sb3_checkpoint(other) and not is_sb3_checkpoint(tmp_path) and not is_sb3_checkpoint(tmp_path / "x.zip")


@pytest.mark.parametrize("kind", ["maskable", "ppo"])
def test_agent_path__plays_a_layer_router_checkpoint_like_its_alias(checkpoints: dict[str, Path], kind: str) -> None:
    inst = _layer_instance(batch_budget=None)  # no budget: nothing is masked, so the unmasked PPO plays feasibly too
    res = make_solver(f"agent:path={checkpoints[kind]}")(inst)
    assert res.ok, res.message
    assert replay("routing_gym/LayerRouter-v0", inst, res.solution).feasible
    alias = make_solver(f"layer-ppo:path={checkpoints[kind]}")(inst)
    assert alias.ok and alias.solution == res.solution


def test_agent_path__query_router_checkpoint_equals_query_ppo(checkpoints: dict[str, Path]) -> None:
    inst = QueryRouterGenerator(num_models=3, num_queries=6, num_train=0, budget_ratio=0.5)(np.random.default_rng(9))
    res, alias = (make_solver(f"{name}:path={checkpoints['query']}")(inst) for name in ("agent", "query-ppo"))
    assert res.ok and alias.ok and res.solution == alias.solution
    assert replay("routing_gym/QueryRouter-v0", inst, res.solution).feasible


def test_agent_path__checkpoint_of_another_shape_or_problem_fails_with_the_reason(checkpoints: dict[str, Path]) -> None:
    wrong_layers = make_solver(f"agent:path={checkpoints['maskable']}")(_layer_instance(num_layers=5))
    assert wrong_layers.status == "failed" and "routes 4 layers" in wrong_layers.message
    query = QueryRouterGenerator(num_models=4, num_queries=6, num_train=0)(np.random.default_rng(0))
    wrong_problem = make_solver(f"agent:path={checkpoints['maskable']}")(query)
    assert wrong_problem.status == "failed" and "observation_space" in wrong_problem.message


def test_agent_path__pointer_options_are_refused_for_sb3_checkpoints(checkpoints: dict[str, Path]) -> None:
    with pytest.raises(SolverError, match="SB3 checkpoint"):
        make_solver(f"agent:path={checkpoints['maskable']}:augment=8")
    sampled = make_solver(f"agent:path={checkpoints['maskable']}:decode=sample")(_layer_instance())
    assert sampled.ok and replay("routing_gym/LayerRouter-v0", _layer_instance(), sampled.solution).feasible


def test_agent_path__compare_runs_it_beside_the_baselines(checkpoints: dict[str, Path]) -> None:
    from routing_gym.compare import compare

    res = compare("routing_gym/LayerRouter-v0", ["all-small", f"agent:path={checkpoints['maskable']}"], num_instances=2,
                  seed=0, jobs=1, isolate=False, progress=False, plots=False, **LAYER)
    assert all(r.feasible for r in res.rows) and len(res.rows) == 4


def test_agent_path__a_custom_maskable_policy_plays_through_its_problem_solver() -> None:
    """The shipped warehouse policy subclasses MaskableActorCriticPolicy outside sb3-contrib: it is
    loaded as MaskablePPO, and ``agent:path=`` plays it as ``agv-ppo`` does, on any robot count."""
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.warehouse_agv_solver import SHIPPED
    from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator

    assert sb3_algorithm(SHIPPED) is MaskablePPO
    instance = WarehouseGenerator(num_robots=2)(np.random.default_rng(0))
    via_agent = make_solver(f"agent:path={SHIPPED}")(instance)
    via_alias = make_solver("agv-ppo:shipped=true")(instance)
    assert via_agent.ok, via_agent.message
    assert via_agent.solution == via_alias.solution
    assert replay("routing_gym/WarehouseAGV-v0", instance, via_agent.solution).feasible
