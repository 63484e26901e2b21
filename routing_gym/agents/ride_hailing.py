"""PPO dispatchers for ``routing_gym/RideHailing-v0``.

Two networks:

* :func:`train_dispatcher`: sb3-contrib's MaskablePPO with an MLP over the flat observation (SB3's
  ``MultiInputPolicy``: each key flattened and concatenated), a fixed-width head over the ``C + 1``
  actions; played by ``agent:path=model.zip`` (:mod:`routing_gym.baselines.sb3_policy`).
* the suite's pointer policies (``routing-gym train --env routing_gym/RideHailing-v0 --policy
  attention``) through :class:`RideHailingFeaturizer`: node ``c < C`` is cell ``c``, node ``C`` the
  skip / pass action, so one shared scoring network rates every cell (what makes "the nearest idle
  driver" easy to express); played by ``agent:path=checkpoint_folder``.

Training days come from the generator with the training seed; a model is judged on other seeds.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecEnvWrapper

from routing_gym.agents.featurizers import Featurizer, NodeInputs, as_bool, register_featurizer

ENV_ID = "routing_gym/RideHailing-v0"


class PickupShaping(VecEnvWrapper):
    """Training-only reward: the env's reward minus ``weight`` per pickup tick of a match (over ``max_pickup``).

    A match earns its fare whichever idle driver takes it, so the cost of a long pickup (a busier
    driver, a likelier cancellation) shows only many decisions later; this term makes it immediate.
    Judged episodes use the environment's own reward.
    """

    def __init__(self, venv: Any, weight: float) -> None:
        super().__init__(venv)
        self.weight = float(weight)
        self._obs: dict[str, np.ndarray] | None = None
        self._actions = np.zeros(venv.num_envs, dtype=np.int64)

    def reset(self) -> Any:
        self._obs = self.venv.reset()
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(-1)
        self.venv.step_async(actions)

    def step_wait(self) -> Any:
        obs, reward, done, infos = self.venv.step_wait()
        prev, a = self._obs, self._actions
        if prev is not None:
            cells = prev["cells"]
            rows = np.arange(len(a))
            match = (prev["clock"][:, 1] > 0) & (a < cells.shape[1])
            pickup = cells[rows, np.minimum(a, cells.shape[1] - 1), 4]
            reward = reward - self.weight * np.where(match, pickup, 0.0)
        self._obs = obs
        return obs, reward, done, infos


def train_dispatcher(total_timesteps: int, seed: int = 0, n_envs: int = 32, gamma: float = 0.99,
                     progress_bar: bool = False, threads: int | None = 1, ent_coef: float = 0.01,
                     shaping: float = 0.0, **generator_kwargs: Any) -> Any:
    """A MaskablePPO (MLP 128-128 over the flat observation) trained on generated days.

    :param total_timesteps: environment steps (one per decision).
    :param seed: seed of the training days and of the policy.
    :param n_envs: parallel days (one batched kernel).
    :param gamma: discount per decision.
    :param ent_coef: entropy bonus.
    :param shaping: weight of :class:`PickupShaping` (0: the env's reward as it is).
    :param threads: torch CPU threads (1 is fastest on a busy machine; ``None``: torch's choice).
    :param generator_kwargs: the days' generator keywords (``num_cells``, ``orders_per_day``...).
    """
    import torch
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    if threads is not None:
        torch.set_num_threads(int(threads))
    venv = make_vec_env(ENV_ID, n_envs=n_envs, seed=seed, **generator_kwargs)
    if shaping:
        venv = PickupShaping(venv, shaping)
    model = MaskablePPO("MultiInputPolicy", venv, n_steps=128, batch_size=512, n_epochs=5, gamma=gamma,
                        learning_rate=3e-4, ent_coef=ent_coef, seed=seed, verbose=0, device="cpu",
                        policy_kwargs={"net_arch": [128, 128], "activation_fn": torch.nn.Tanh})
    model.learn(total_timesteps=int(total_timesteps), progress_bar=progress_bar)
    return model


class RideHailingFeaturizer(Featurizer):
    """``routing_gym/RideHailing-v0``: nodes ``0..C-1`` are the cells, node ``C`` the skip / pass action.

    Node features (17): the observation's 9 per-cell features (zeros for the skip node), the
    current order's 3 and the clock's 3 broadcast to every node, ``is_skip`` and ``feasible``.
    Every node is kept; the skip node is the ``current`` and ``anchor`` node of the pointer head.
    ``coords`` are zeros (the cells' positions are not in the observation; only graph policies read them).
    """

    name = "ride_hailing"
    obs_keys = frozenset({"cells", "order", "clock", "action_mask"})
    node_dim = 17
    static_keys = ()
    coord_key = None  # no positions in the observation: decoding has no symmetry to augment

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        cells = obs["cells"].float()
        b, c, f = cells.shape
        dev = cells.device
        n = c + 1
        mask = as_bool(obs["action_mask"]).reshape(b, n)
        node = torch.cat([cells, torch.zeros(b, 1, f, device=dev)], dim=1)
        glob = torch.cat([obs["order"].float().reshape(b, -1), obs["clock"].float().reshape(b, -1)], dim=1)
        is_skip = torch.zeros(b, n, 1, device=dev)
        is_skip[:, c] = 1.0
        feats = torch.cat([node, glob[:, None, :].expand(b, n, glob.shape[1]), is_skip, mask.float()[..., None]], dim=-1)
        skip = torch.full((b,), c, dtype=torch.long, device=dev)
        return NodeInputs(feats, torch.zeros(b, n, 2, device=dev), torch.ones(b, n, dtype=torch.bool, device=dev),
                          mask, skip, skip)


register_featurizer(RideHailingFeaturizer)
