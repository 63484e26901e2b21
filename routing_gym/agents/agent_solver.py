"""A trained policy as a solver: ``agent``.

Specs (values are split on ``:``, so every option is its own ``key=value``)::

    agent                                   the shipped checkpoint for the problem and size
    agent:pretrained=tsp50                  a shipped checkpoint by name
    agent:path=runs/tsp20/best              a checkpoint folder
    agent:path=router.zip                   an SB3 model.save file (MaskablePPO or PPO), any problem
    agent:pretrained=tsp50:augment=8        greedy on the 8 symmetries of the unit square
    agent:decode=sample:samples=16:augment=8:starts=10   best of 8 * 10 * 16 rollouts

Every rollout is built (and costed) by the environment; the best one wins.
Decoding is a fixed amount of work, so ``time_limit`` is not used.

A ``path`` that is an SB3 zip (:func:`~routing_gym.baselines.sb3_policy.is_sb3_checkpoint`) is
played by :class:`~routing_gym.baselines.sb3_policy.SB3PolicySolver` on whatever registered
problem the instance belongs to (greedy, or ``decode=sample`` for one sampled rollout; the
pointer options ``samples``, ``augment``, ``starts`` do not apply). The per-problem names
``layer-ppo``, ``query-ppo`` and ``agv-ppo`` remain aliases for their problems.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.sb3_policy import SB3PolicySolver, is_sb3_checkpoint
from routing_gym.errors import SolverError
from routing_gym.registry import problems as registered_problems


@register_solver("agent")
class AgentSolver(Solver):
    """Trained pointer policy (AttentionPolicy / GNNPolicy): greedy, sampling, x8 augmentation.

    :param path: checkpoint folder.
    :param pretrained: name of a shipped checkpoint, or ``"auto"`` (default when ``path`` is
        not given): the shipped one for the instance's problem with the closest training size.
    :param decode: ``"greedy"`` or ``"sample"``.
    :param samples: rollouts per augmentation and start node when sampling.
    :param augment: unit-square symmetries to decode (1..8).
    :param starts: start nodes per instance (TSP).
    :param temperature: sampling temperature.
    :param device: torch device.
    """

    #: problems with shipped checkpoints (warmed up); :meth:`supports` accepts any problem a checkpoint plays
    problems = tuple(p.name for p in registered_problems().values() if p.pretrained)

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None, pretrained: str | None = None,
                 decode: str = "greedy", samples: int = 1, augment: int = 1, starts: int = 1, temperature: float = 1.0,
                 device: str = "cpu") -> None:
        super().__init__(time_limit, seed)
        from routing_gym.agents.checkpoint import list_pretrained
        from routing_gym.agents.inference import DECODES

        if path is not None and pretrained is not None:
            raise SolverError("agent: give path=... or pretrained=..., not both")
        if decode not in DECODES:
            raise SolverError(f"agent: decode must be one of {DECODES}, got {decode!r}")
        if decode == "greedy" and int(samples) != 1:
            raise SolverError("agent: samples > 1 needs decode=sample")
        if not 1 <= int(augment) <= 8 or int(samples) < 1 or int(starts) < 1:
            raise SolverError(f"agent: need 1 <= augment <= 8, samples >= 1, starts >= 1; got {augment}, {samples}, {starts}")
        if pretrained not in (None, "auto") and pretrained not in list_pretrained():
            raise SolverError(f"agent: no shipped checkpoint {pretrained!r}; available: {', '.join(list_pretrained()) or 'none'}")
        if path is not None and not Path(str(path)).exists():
            raise SolverError(f"agent: checkpoint path {path!r} does not exist")
        self.path = None if path is None else str(path)
        self._sb3 = None if path is None else self._sb3_solver(Path(str(path)), decode, samples, augment, starts)
        self.pretrained = "auto" if path is None and pretrained is None else pretrained
        self.decode = decode
        self.samples, self.augment, self.starts = int(samples), int(augment), int(starts)
        self.temperature = float(temperature)
        self.device = device
        self._policies: dict[str, Any] = {}

    def _sb3_solver(self, path: Path, decode: str, samples: int, augment: int, starts: int) -> SB3PolicySolver | None:
        """The solver of an SB3 zip at ``path`` (``None`` for a pointer-policy folder)."""
        if not is_sb3_checkpoint(path):
            return None
        if (int(samples), int(augment), int(starts)) != (1, 1, 1):
            raise SolverError(f"agent: {path} is an SB3 checkpoint: it plays one rollout (decode=greedy or sample); "
                              f"samples, augment and starts are for pointer-policy checkpoints")
        return SB3PolicySolver(self.time_limit, self.seed, path=str(path), deterministic=decode == "greedy")

    def _checkpoint_name(self, instance: Any) -> str:
        if self.path is not None:
            return f"path:{self.path}"
        if self.pretrained != "auto":
            return f"pretrained:{self.pretrained}"
        from routing_gym.agents.checkpoint import list_pretrained

        shipped = set(list_pretrained())
        size = getattr(instance, "num_nodes", 0)
        from routing_gym.registry import problem_of

        options = [(abs(s - size), name) for s, name in problem_of(instance).pretrained if name in shipped]
        if not options:
            raise SolverError(f"agent: no shipped checkpoint for {type(instance).__name__}; pass path=...")
        return f"pretrained:{min(options)[1]}"

    def policy_for(self, instance: Any) -> Any:
        """The (cached) policy that solves ``instance``."""
        from routing_gym.agents.checkpoint import load_policy
        from routing_gym.registry import env_id_for

        key = self._checkpoint_name(instance)
        if key not in self._policies:
            kind, _, ref = key.partition(":")
            self._policies[key] = load_policy(ref, device=self.device) if kind == "path" else load_policy(pretrained=ref, device=self.device)
        policy = self._policies[key]
        if env_id_for(instance) != policy.checkpoint.env_id:
            raise SolverError(f"agent: checkpoint {key} was trained on {policy.checkpoint.env_id}, "
                              f"not on {type(instance).__name__} instances")
        return policy

    def supports(self, instance: Any) -> bool:
        """Any registered problem for which a checkpoint (given or shipped) plays this instance."""
        from routing_gym.registry import UnknownProblemError

        if self._sb3 is not None:
            return self._sb3.supports(instance)
        try:
            self.policy_for(instance)
        except (SolverError, UnknownProblemError):
            return False
        return True

    def solve_many(self, instances: Sequence[Any]) -> list[Any]:
        """Solutions of many instances of one checkpoint, decoded in shared batches."""
        from routing_gym.agents.inference import rollout

        if not instances:
            return []
        if self._sb3 is not None:
            return [self._sb3.solve(inst) for inst in instances]
        policy = self.policy_for(instances[0])
        res = rollout(policy, instances, decode=self.decode, samples=self.samples, augment=self.augment,
                      starts=self.starts, temperature=self.temperature, seed=self.seed)
        return [r.solution for r in res]

    def solve(self, instance: Any) -> Any:
        return self.solve_many([instance])[0]

    def warmup(self) -> None:
        """Load an SB3 checkpoint untimed; decode tiny instances of the shipped problems otherwise."""
        if self._sb3 is not None:
            self._sb3.warmup()
        else:
            super().warmup()

    def __repr__(self) -> str:
        src = f"path={self.path!r}" if self.path else f"pretrained={self.pretrained!r}"
        return (f"AgentSolver({src}, decode={self.decode!r}, samples={self.samples}, augment={self.augment}, "
                f"starts={self.starts}, seed={self.seed})")
