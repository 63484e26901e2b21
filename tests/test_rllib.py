"""RLlib PPO (new API stack) with action masking in an RLModule, on a local Ray instance.

The environments run with ``invalid_action="raise"`` (``strict``): a masked action that reaches
one ends training with InvalidActionError, so a finished iteration respected every mask. The
last test shows that check bites: with the masking switched off, training fails.
Skipped without RLlib (``pip install 'routing-gym[rllib]'``).
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np
import pytest

pytest.importorskip("ray.rllib.algorithms.ppo")
import ray  # noqa: E402
import torch  # noqa: E402

from routing_gym import rllib  # noqa: E402
from routing_gym.errors import ConfigError  # noqa: E402

TINY = dict(train_batch_size=64, minibatch_size=32, num_epochs=1, hidden=(16,))


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Any:
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="error", log_to_driver=False)
    yield
    ray.shutdown()


def _train(config: Any, iterations: int) -> dict[str, Any]:
    algo = config.build_algo()
    try:
        for _ in range(iterations):
            result = algo.train()
    finally:
        algo.stop()
    return result


def test_rllib__ppo_trains_on_a_discrete_env_within_its_masks() -> None:
    result = _train(rllib.ppo_config("routing_gym/TSP-v0", {"num_nodes": 6}, **TINY), iterations=2)
    runners = result["env_runners"]
    assert runners["num_env_steps_sampled_lifetime"] >= 2 * TINY["train_batch_size"]
    assert runners["num_episodes_lifetime"] > 0
    assert np.isfinite(runners["episode_return_mean"]) and runners["episode_return_mean"] < 0  # minus a tour length


def test_rllib__ppo_trains_multi_agent_through_the_pettingzoo_view() -> None:
    config = rllib.ppo_config("routing_gym/WarehouseAGV-v0", {"num_robots": 2}, multi_agent=True, **TINY)
    result = _train(config, iterations=1)
    assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= TINY["train_batch_size"]
    assert rllib.SHARED_POLICY in result["learners"]


def test_rllib__the_module_never_samples_a_masked_action() -> None:
    env = rllib.MaskedEnv({"env_id": "routing_gym/CVRP-v0", "env_kwargs": {"num_nodes": 7}})
    module = rllib.MaskedPPOTorchRLModule(observation_space=env.observation_space, action_space=env.action_space,
                                          model_config={"fcnet_hiddens": [8]})
    obs, _ = env.reset(seed=3)
    mask = torch.as_tensor(obs["action_mask"])[None].repeat(256, 1)
    mask[:, 0] = 0.0  # stricter than the env: the depot too
    batch = {"obs": {"observations": torch.as_tensor(obs["observations"])[None].repeat(256, 1), "action_mask": mask}}
    logits = module.forward_exploration(batch)["action_dist_inputs"]
    actions = torch.distributions.Categorical(logits=logits).sample()
    assert bool(mask[torch.arange(256), actions].all())
    values = module.compute_values(batch)
    assert values.shape == (256,)


def test_rllib__without_masking_the_strict_env_stops_training(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rllib, "_mask_logits", lambda out, mask: out)
    with pytest.raises(Exception) as caught:  # RLlib wraps the env runner's error
        _train(rllib.ppo_config("routing_gym/TSP-v0", {"num_nodes": 6}, **TINY), iterations=3)
    text = "".join(traceback.format_exception(caught.value))
    assert "InvalidActionError" in text and "is masked" in text


def test_rllib__multi_robot_env_needs_the_multi_agent_view() -> None:
    with pytest.raises(ConfigError, match="Discrete action space"):
        rllib.MaskedEnv({"env_id": "routing_gym/WarehouseAGV-v0", "env_kwargs": {"num_robots": 2}})
