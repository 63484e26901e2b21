"""A parameter-shared per-robot policy for WarehouseAGV-v0, trained with sb3-contrib's MaskablePPO.

Every robot is scored by the same network from what it sees: its ``5 x 5`` window (obstacles,
robots, its goal), its goal direction and shortest-path distance, the moves on a shortest path
to its goal (``goal_moves``, the heuristic channel of PRIMAL / DHC) and its own action mask; a
mean over all robots' embeddings adds team context. The actor scores each robot's five moves
with one shared linear head; the critic sums one value per robot. No weight depends on the
number of robots or on the map, so one checkpoint plays any robot count on any map
(:func:`joint_action`), although SB3 itself fixes both through the observation space it was
trained with.

    from routing_gym.agents.warehouse_agv import train_shared_policy
    model = train_shared_policy(200_000, num_robots=4)   # the default 11 x 22 warehouse
    model.save("agv.zip")   # routing-gym compare ... --solvers agv-ppo:path=agv.zip
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import torch
from gymnasium import spaces
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from torch import nn

from routing_gym.envs.warehouse_agv.kernel import WINDOW

ENV_ID = "routing_gym/WarehouseAGV-v0"
#: the per-robot observation keys the network reads
ROBOT_KEYS = ("local", "goal_direction", "goal_distance", "at_goal", "goal_moves", "action_mask")
#: per-robot input width: window channels, direction (2), distance, at goal, shortest-path moves (5), mask (5)
ROBOT_INPUT = 3 * WINDOW * WINDOW + 2 + 1 + 1 + 5 + 5


def robot_inputs(obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """``(B, R, ROBOT_INPUT)`` per-robot features from batched observation tensors."""
    local = obs["local"]
    b, r = local.shape[:2]
    parts = [local.reshape(b, r, -1), obs["goal_direction"].reshape(b, r, 2), obs["goal_distance"].reshape(b, r, 1),
             obs["at_goal"].reshape(b, r, 1), obs["goal_moves"].reshape(b, r, 5), obs["action_mask"].reshape(b, r, 5)]
    return torch.cat([p.float() for p in parts], dim=2)


class RobotEncoder(BaseFeaturesExtractor):
    """Shared per-robot MLP plus the team mean: ``(B, R * hidden)``, robot ``i``'s embedding at block ``i``.

    :param observation_space: the centralised env's ``Dict`` space (fixes ``R`` for SB3's ``features_dim`` only).
    :param hidden: embedding width per robot.
    """

    def __init__(self, observation_space: spaces.Dict, hidden: int = 128) -> None:
        robots = observation_space["positions"].shape[0]
        super().__init__(observation_space, features_dim=robots * hidden)
        self.hidden = hidden
        self.robot = nn.Sequential(nn.Linear(ROBOT_INPUT, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.mix = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU())

    def forward(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        h = self.robot(robot_inputs(obs))
        team = h.mean(dim=1, keepdim=True).expand_as(h)
        return self.mix(torch.cat([h, team], dim=2)).flatten(1)


class PerRobotHead(nn.Module):
    """One linear map applied to every robot's block of a ``(B, R * hidden)`` latent: ``(B, R * out)``,
    or, with ``total``, the sum over robots ``(B, out)`` (the critic: one value per robot, summed)."""

    def __init__(self, hidden: int, out: int, total: bool = False, gain: float = 1.0) -> None:
        super().__init__()
        self.hidden, self.total = hidden, total
        self.linear = nn.Linear(hidden, out)
        nn.init.orthogonal_(self.linear.weight, gain=gain)
        nn.init.zeros_(self.linear.bias)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        y = self.linear(latent.view(latent.shape[0], -1, self.hidden))
        return y.sum(dim=1) if self.total else y.flatten(1)


class SharedRobotPolicy(MaskableActorCriticPolicy):
    """MaskablePPO policy of ``MultiDiscrete([5] * R)``: :class:`RobotEncoder`, then :class:`PerRobotHead`
    actor (five logits per robot) and summed critic. ``hidden`` sets the embedding width."""

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.MultiDiscrete, lr_schedule: Any,
                 hidden: int = 128, **kwargs: Any) -> None:
        self.hidden = hidden
        kwargs.setdefault("features_extractor_class", RobotEncoder)
        kwargs.setdefault("features_extractor_kwargs", {"hidden": hidden})
        kwargs.setdefault("net_arch", [])
        kwargs.setdefault("ortho_init", False)
        kwargs.setdefault("share_features_extractor", False)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _build(self, lr_schedule: Any) -> None:
        super()._build(lr_schedule)
        self.action_net = PerRobotHead(self.hidden, 5, gain=0.01)
        self.value_net = PerRobotHead(self.hidden, 1, total=True)
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)


class DistanceShaping(VecEnvWrapper):
    """Potential-based shaping for training (Ng et al. 1999): ``(r + gamma * phi(s') - phi(s)) * reward_scale``
    with ``phi = -scale * (sum of the robots' shortest-path steps to their goals)``.

    It leaves the optimal policies unchanged while paying each step toward a goal at once, instead
    of only through the sum of costs many steps later. ``reward_scale`` keeps the critic's targets
    near 1: otherwise its loss dominates the gradient that PPO clips as a whole, and the policy barely
    moves. Only the training reward changes: wrap it outside ``VecMonitor`` so logged returns, and
    every evaluation, stay the env's sum of costs.
    """

    def __init__(self, venv: VecEnv, gamma: float = 0.99, scale: float = 1.0, reward_scale: float = 0.1) -> None:
        super().__init__(venv)
        self.gamma, self.scale, self.reward_scale = float(gamma), float(scale), float(reward_scale)
        self._phi = np.zeros(venv.num_envs)

    def potential(self, obs: Mapping[str, np.ndarray]) -> np.ndarray:
        """``phi`` of a batch of observations (or of one, without the batch axis)."""
        cells = np.prod(np.shape(obs["obstacles"])[-2:])
        return -self.scale * cells * np.asarray(obs["goal_distance"], dtype=np.float64).sum(axis=-1)

    def reset(self) -> Any:
        obs = self.venv.reset()
        self._phi = self.potential(obs)
        return obs

    def step_wait(self) -> Any:
        obs, reward, dones, infos = self.venv.step_wait()
        nxt = self.potential(obs)
        after = nxt.copy()
        for i in np.flatnonzero(dones):  # the episode's last state, not the next episode's first
            after[i] = self.potential(infos[i]["terminal_observation"])
        shaped = (reward + self.gamma * after - self._phi) * self.reward_scale
        self._phi = nxt
        return obs, shaped.astype(np.float32), dones, infos


def joint_action(policy: SharedRobotPolicy, obs: Mapping[str, np.ndarray], deterministic: bool = True,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """``(R,)`` moves for one observation of any robot count and map (masked moves never chosen).

    :param rng: for sampled moves (``deterministic=False``); a fresh generator when ``None``.
    """
    with torch.no_grad():
        t = {k: torch.as_tensor(np.asarray(obs[k])[None]) for k in ROBOT_KEYS}
        latent = policy.mlp_extractor.forward_actor(policy.pi_features_extractor(t))
        logits = policy.action_net(latent).view(-1, 5).numpy().astype(np.float64)
    mask = np.asarray(obs["action_mask"], dtype=bool).reshape(-1, 5)
    logits[~mask] = -np.inf
    if deterministic:
        return logits.argmax(axis=1)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = (rng or np.random.default_rng()).random((len(p), 1))
    return np.minimum((p.cumsum(axis=1) < u).sum(axis=1), 4)


def planner_demonstrations(instances: Sequence[Any], solver: str = "prioritized:time_limit=5") -> tuple[dict, np.ndarray]:
    """Observations and joint moves of ``solver``'s plans, played through the env (for behaviour cloning).

    :returns: batched observations (every key, one row per step) and ``(steps, R)`` moves; instances
        the solver fails on are skipped.
    """
    import gymnasium as gym

    from routing_gym.baselines.base import make_solver

    planner = make_solver(solver)
    obs_rows: list[dict] = []
    moves: list[np.ndarray] = []
    for inst in instances:
        found = planner(inst)
        if not found.ok:
            continue
        env = gym.make(ENV_ID, instance=inst).unwrapped
        obs, _ = env.reset()
        for joint in type(env.kernel).solution_to_actions(inst, found.solution)[1]:
            obs_rows.append(obs)
            moves.append(np.asarray(joint))
            obs, _, terminated, truncated, _ = env.step(joint)
            if terminated or truncated:
                break
    return {k: np.stack([o[k] for o in obs_rows]) for k in obs_rows[0]}, np.stack(moves)


def clone(model: Any, obs: dict, moves: np.ndarray, epochs: int = 10, batch_size: int = 256, lr: float = 1e-3,
          seed: int = 0) -> float:
    """Behaviour cloning of ``moves`` into ``model.policy`` (masked log-likelihood); the last epoch's mean loss."""
    policy = model.policy
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    n, loss_sum = len(moves), 0.0
    for _ in range(epochs):
        loss_sum, batches = 0.0, 0
        for idx in np.array_split(rng.permutation(n), max(1, n // batch_size)):
            t, _ = policy.obs_to_tensor({k: v[idx] for k, v in obs.items()})
            _, log_prob, _ = policy.evaluate_actions(t, torch.as_tensor(moves[idx]),
                                                     action_masks=obs["action_mask"][idx].astype(bool))
            loss = -log_prob.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum, batches = loss_sum + float(loss.detach()), batches + 1
        loss_sum /= batches
    return loss_sum


def train_shared_policy(timesteps: int, seed: int = 0, n_envs: int = 16, hidden: int = 128, n_steps: int = 128,
                        learning_rate: float = 3e-4, ent_coef: float = 0.01, shaping: float = 1.0, gamma: float = 0.95,
                        progress_bar: bool = False, callback: Any = None, demonstrations: tuple[dict, np.ndarray] | None = None,
                        **env_kwargs: Any) -> Any:
    """Train :class:`SharedRobotPolicy` with MaskablePPO on generated warehouses (``env_kwargs``: the generator's).

    :param callback: an SB3 callback (e.g. ``CheckpointCallback``), passed to ``learn``.
    :param demonstrations: ``(observations, moves)`` (:func:`planner_demonstrations`) cloned before PPO starts.
    :param shaping: scale of :class:`DistanceShaping` (0: the env's reward alone, unscaled).
    :param gamma: discount (the shaping pays each step's progress at once, so a short one suffices).
    """
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    venv = make_vec_env(ENV_ID, n_envs=n_envs, seed=seed, **env_kwargs)
    if shaping:
        venv = DistanceShaping(venv, gamma, shaping)
    model = MaskablePPO(SharedRobotPolicy, venv, n_steps=n_steps, batch_size=512, n_epochs=4, gamma=gamma,
                        gae_lambda=0.8, ent_coef=ent_coef, learning_rate=learning_rate, seed=seed, verbose=0,
                        device="cpu", policy_kwargs={"hidden": hidden})
    if demonstrations is not None:
        clone(model, *demonstrations, seed=seed)
    if timesteps:
        model.learn(timesteps, progress_bar=progress_bar, callback=callback)
    return model
