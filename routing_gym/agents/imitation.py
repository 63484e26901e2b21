"""Imitation of solver solutions, as BQ-NCO trains: label, collect, clone, then optionally fine-tune.

:func:`imitate` runs these stages, each a function of its own:

1. **Label** (:func:`label`): seeded random instances (:func:`training_instances`) solved by a
   strong solver, by default the first registered one of the problem's
   :attr:`~routing_gym.registry.Problem.label_solvers`.
2. **Collect** (:func:`collect_demonstrations`, one fresh set per epoch by
   :func:`demonstration_epochs`): each solution is replayed through the native vector env
   (batched) with the kernel's ``solution_to_actions``; the environment checks every label
   and yields the (observation, action) pairs, plus the remaining cost of the labelled
   solution (a value target).
3. **Clone** (:func:`behaviour_cloning`): cross-entropy on the policy's masked logits (and a
   small MSE on the value head, so a later PPO stage starts with a sensible critic). Every
   step of a labelled solution is a reduced sub-problem whose optimal continuation is the
   label (the BQ-NCO observation), and the data is multiplied by symmetries that leave
   optimality intact: the problem's ``solution_variant`` (another start node and direction
   of a tour, another order of the routes) and the 8 symmetries of the unit square.
4. Optionally **fine-tune** (:func:`finetune`) with (Maskable)PPO via
   :func:`~routing_gym.agents.train.train`.

:func:`imitate` reports the greedy gap on a fixed validation set (:func:`validation`) after each stage.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from routing_gym.agents.checkpoint import save_policy, spaces_for
from routing_gym.agents.featurizers import square_symmetry_torch
from routing_gym.registry import env_id_for
from routing_gym.agents.policies import RoutingPolicy, check_pointer_spaces, make_policy, obs_to_tensors
from routing_gym.agents.train import (VALIDATION_SEED, evaluate_policy, first_solver_for, harness_cost, instances_digest,
                                      reference_costs, resolve_reference, solver_name, validation_set)
from routing_gym.errors import RoutingGymError, SolverError

log = logging.getLogger(__name__)

#: PPO settings of fine-tuning a cloned policy: a small step size, so the first noisy
#: advantage estimates do not undo what cloning learned
FINETUNE_DEFAULTS: dict[str, Any] = {"learning_rate": 2e-5}


def solution_variant(instance: Any, solution: Any, rng: np.random.Generator) -> Any:
    """A random solution with the same cost as ``solution`` (itself where no symmetry is known)."""
    from routing_gym.registry import problem_of

    fn = problem_of(instance).solution_variant
    return solution if fn is None else fn(solution, rng)


# --- demonstrations --------------------------------------------------------------------------------
@dataclass
class Demonstrations:
    """(observation, action) pairs of replayed solutions, stored compactly.

    Keys the featurizer marks static (coordinates, demands) are kept once per episode.

    :param static: key -> ``(episodes, ...)`` arrays.
    :param dynamic: key -> ``(steps, ...)`` arrays.
    :param episode: ``(steps,)`` episode of each step.
    :param actions: ``(steps,)`` the labelled action.
    :param returns: ``(steps,)`` return (summed reward, i.e. minus the remaining cost) of the
        labelled solution from that state: the value target.
    :param kept: ``(steps,)`` size of the reduced state (for batching similar states together).
    """

    static: dict[str, np.ndarray]
    dynamic: dict[str, np.ndarray]
    episode: np.ndarray
    actions: np.ndarray
    returns: np.ndarray
    kept: np.ndarray

    def __len__(self) -> int:
        return int(self.actions.shape[0])

    def batch(self, idx: np.ndarray, device: torch.device | str = "cpu") -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """Observations, actions and returns of the steps ``idx``, as tensors."""
        ep = self.episode[idx]
        obs = {k: v[ep] for k, v in self.static.items()}
        obs.update({k: v[idx] for k, v in self.dynamic.items()})
        return (
            obs_to_tensors(obs, device),
            torch.as_tensor(self.actions[idx], device=device),
            torch.as_tensor(self.returns[idx], dtype=torch.float32, device=device),
        )

    @staticmethod
    def concatenate(parts: Sequence["Demonstrations"]) -> "Demonstrations":
        offsets = np.cumsum([0] + [len(next(iter(p.static.values()))) for p in parts[:-1]])
        return Demonstrations(
            {k: np.concatenate([p.static[k] for p in parts]) for k in parts[0].static},
            {k: np.concatenate([p.dynamic[k] for p in parts]) for k in parts[0].dynamic},
            np.concatenate([p.episode + o for p, o in zip(parts, offsets)]),
            np.concatenate([p.actions for p in parts]),
            np.concatenate([p.returns for p in parts]),
            np.concatenate([p.kept for p in parts]),
        )


def collect_demonstrations(instances: Sequence[Any], solutions: Sequence[Any], *, featurizer: Any,
                           rng: np.random.Generator | None = None, max_rows: int = 1024) -> Demonstrations:
    """Replay ``solutions`` through the native vector env and record every (observation, action).

    :param instances: instances of one problem and one size.
    :param solutions: one solution per instance (the environment rejects infeasible ones).
    :param featurizer: the policy's featurizer (which keys are static, reduced-state sizes).
    :param rng: if given, each solution is first replaced by a random equivalent one
        (:func:`solution_variant`), so repeated collections see other start nodes and orders.
    :param max_rows: most episodes replayed at once.
    """
    if len(instances) != len(solutions):
        raise RoutingGymError(f"{len(instances)} instances but {len(solutions)} solutions")
    parts = [
        _collect_chunk(list(instances[c: c + max_rows]), list(solutions[c: c + max_rows]), featurizer, rng)
        for c in range(0, len(instances), max_rows)
    ]
    return Demonstrations.concatenate(parts)


def _collect_chunk(instances: list[Any], solutions: list[Any], featurizer: Any, rng: np.random.Generator | None) -> Demonstrations:
    env_id = env_id_for(instances[0])
    b = len(instances)
    venv = gym.make_vec(env_id, num_envs=b, vectorization_mode="vector_entry_point", instance=instances[0])
    kernel_type = venv.unwrapped.kernel_type  # type: ignore[attr-defined]
    plans = [kernel_type.solution_to_actions(inst, sol if rng is None else solution_variant(inst, sol, rng))
             for inst, sol in zip(instances, solutions)]
    options: dict[str, Any] = {"instances": instances}
    for key in {k for opts, _ in plans for k in opts}:
        options[key] = np.array([opts[key] for opts, _ in plans])
    lengths = np.array([len(a) for _, a in plans])
    horizon = int(lengths.max())
    actions = np.zeros((b, horizon), dtype=np.int64)
    for i, (_, a) in enumerate(plans):
        actions[i, : len(a)] = a
    try:
        obs, _ = venv.reset(options=options)
        static = {k: obs[k].copy() for k in featurizer.static_keys}
        dyn: dict[str, list[np.ndarray]] = {k: [] for k in obs if k not in featurizer.static_keys}
        ep_l, act_l, kept_l, t_l = [], [], [], []
        rewards = np.zeros((b, horizon))
        for t in range(horizon):
            active = np.flatnonzero(lengths > t)
            for k in dyn:
                dyn[k].append(obs[k][active])
            kept_l.append(featurizer(obs_to_tensors({k: v[active] for k, v in obs.items()})).keep.sum(1).numpy())
            ep_l.append(active)
            t_l.append(np.full(len(active), t))
            act_l.append(actions[active, t])
            step_actions = actions[:, t].copy()
            idle = lengths <= t  # finished rows play any feasible action of their next episode
            if idle.any():
                step_actions[idle] = venv.unwrapped.kernel.mask[idle].argmax(1)  # type: ignore[attr-defined]
            obs, reward, terminated, _, info = venv.step(step_actions)
            rewards[active, t] = reward[active]
            invalid = info["final_info"]["invalid_action"] if terminated.any() else np.zeros(b, dtype=bool)
            wrong = (terminated[active] != (lengths[active] == t + 1)) | invalid[active]
            if wrong.any():
                bad = int(active[np.argmax(wrong)])
                raise SolverError(f"the labelled solution of instance {bad} does not replay as a feasible episode "
                                  f"(step {t}); the label or solution_to_actions is wrong")
    finally:
        venv.close()
    episode = np.concatenate(ep_l)
    step = np.concatenate(t_l)
    returns = np.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]  # rewards from step t on: minus the remaining cost
    return Demonstrations(
        static,
        {k: np.concatenate(v) for k, v in dyn.items()},
        episode,
        np.concatenate(act_l),
        returns[episode, step],
        np.concatenate(kept_l).astype(np.int64),
    )


# --- behaviour cloning ---------------------------------------------------------------------------------
def _batches(kept: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of steps with similar reduced-state sizes (so compaction pays off)."""
    order = np.lexsort((rng.random(len(kept)), kept))
    batches = [order[i: i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _state_batches(demos: Demonstrations | Callable[[int], Demonstrations], batch_size: int, rng: np.random.Generator,
                   device: torch.device | str) -> Iterator[tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]]:
    """Batches of (observations, actions, returns), epoch after epoch, for ever (the caller stops)."""
    epoch = 0
    while True:
        data = demos(epoch) if callable(demos) else demos
        for idx in _batches(data.kept, batch_size, rng):
            yield data.batch(idx, device)
        epoch += 1


def cosine_lr(lr: float, steps: int, time_limit: float | None, t0: float) -> Callable[[int], float]:
    """The learning rate at a step: linear warm-up, then cosine decay to 10 % of ``lr``.

    Progress is by steps or by the time since ``t0``, whichever runs out first, so a
    time-limited run still decays.
    """
    warm = max(1, min(200, steps // 20))

    def lr_at(step: int) -> float:
        if step < warm:
            return lr * (step + 1) / warm
        frac = (step - warm) / max(1, steps - warm)
        if time_limit is not None:
            frac = max(frac, (time.perf_counter() - t0) / time_limit)
        return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))

    return lr_at


def _clone_step(policy: RoutingPolicy, opt: torch.optim.Optimizer, obs: dict[str, torch.Tensor], actions: torch.Tensor,
                returns: torch.Tensor, value_coef: float) -> float:
    """One gradient step of cross-entropy (plus ``value_coef`` x the value MSE); returns the cross-entropy."""
    logits, values = policy.node_logits(obs, with_value=value_coef > 0)
    loss = F.cross_entropy(logits, actions)
    total = loss + (value_coef * F.mse_loss(values.squeeze(-1), returns) if values is not None else 0.0)
    opt.zero_grad(set_to_none=True)
    total.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    opt.step()
    return float(loss.detach())


@dataclass
class CloningLog:
    """Behaviour-cloning history: ``steps``, ``loss`` (cross-entropy), ``evals`` (step, cost, gap)."""

    steps: int = 0
    time_s: float = 0.0
    loss: list[float] = field(default_factory=list)
    evals: list[dict[str, Any]] = field(default_factory=list)


class _BestWeights:
    """Validates the policy, logs each result, and keeps the weights of the best mean cost."""

    def __init__(self, eval_fn: Callable[[RoutingPolicy], tuple[float, float | None]], hist: CloningLog, t0: float) -> None:
        self.eval_fn, self.hist, self.t0 = eval_fn, hist, t0
        self.cost = np.inf
        self.state: dict[str, Any] | None = None

    def evaluate(self, policy: RoutingPolicy) -> None:
        cost, gap = self.eval_fn(policy)
        self.hist.evals.append({"step": self.hist.steps, "mean_cost": cost, "gap": gap, "time_s": time.perf_counter() - self.t0})
        if cost < self.cost:
            self.cost, self.state = cost, copy.deepcopy(policy.state_dict())

    def restore(self, policy: RoutingPolicy) -> None:
        if self.state is not None:
            policy.load_state_dict(self.state)


def _save_cloning(path: Path, policy: RoutingPolicy, opt: torch.optim.Optimizer, hist: CloningLog, best: _BestWeights | None,
                  rng: np.random.Generator, gen: torch.Generator) -> None:
    """Everything :func:`behaviour_cloning` needs to go on after an interruption, written atomically to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"policy": policy.state_dict(), "optimizer": opt.state_dict(), "hist": asdict(hist),
             "best_cost": None if best is None else best.cost, "best_state": None if best is None else best.state,
             "rng": rng.bit_generator.state, "torch_rng": gen.get_state()}
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _load_cloning(path: Path, policy: RoutingPolicy, opt: torch.optim.Optimizer, hist: CloningLog, best: _BestWeights | None,
                  rng: np.random.Generator, gen: torch.Generator) -> None:
    """Restore what :func:`_save_cloning` wrote (weights, optimizer, history, best weights, random streams)."""
    try:
        state = torch.load(path, map_location=policy.device, weights_only=False)
        policy.load_state_dict(state["policy"])
        opt.load_state_dict(state["optimizer"])
    except (OSError, RuntimeError, KeyError) as exc:
        raise RoutingGymError(f"cannot resume behaviour cloning from {path}: {exc}") from None
    for name, value in state["hist"].items():
        setattr(hist, name, value)
    if best is not None and state["best_cost"] is not None:
        best.cost, best.state = state["best_cost"], state["best_state"]
    rng.bit_generator.state = state["rng"]
    gen.set_state(state["torch_rng"])


def behaviour_cloning(policy: RoutingPolicy, demos: Demonstrations | Callable[[int], Demonstrations], *, steps: int = 2000,
                      batch_size: int = 256, lr: float = 3e-4, value_coef: float = 0.1, augment: bool = True,
                      time_limit: float | None = None, seed: int = 0, eval_fn: Callable[[RoutingPolicy], tuple[float, float | None]] | None = None,
                      eval_every: int = 500, progress: bool = False, checkpoint: Path | None = None,
                      resume: bool = False) -> CloningLog:
    """Train ``policy`` to imitate demonstrations with cross-entropy on its masked logits.

    :param demos: demonstrations, or a function ``epoch -> Demonstrations`` (fresh solution
        variants each epoch).
    :param steps: gradient steps (at most).
    :param batch_size: states per step.
    :param lr: peak learning rate (:func:`cosine_lr` over ``steps`` or ``time_limit``).
    :param value_coef: weight of the value head's MSE to the labelled return.
    :param augment: random unit-square symmetry per state.
    :param time_limit: stop after this many seconds.
    :param seed: seed of batching and augmentation.
    :param eval_fn: ``policy -> (mean cost, gap)``, run every ``eval_every`` steps and at the
        end; the policy keeps the weights of the best evaluation.
    :param progress: a tqdm progress bar.
    :param checkpoint: a file that receives the whole cloning state at every validation (or every
        ``eval_every`` steps without one), so that an interrupted run can go on.
    :param resume: start from ``checkpoint`` if it exists: the weights, optimizer, step count (so the
        learning-rate schedule), losses, validations, best weights and random streams of the saved run.
        Batches restart from a fresh pass over the demonstrations.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    hist = CloningLog()
    best = _BestWeights(eval_fn, hist, t0) if eval_fn is not None else None
    if resume and checkpoint is not None and Path(checkpoint).is_file():
        _load_cloning(Path(checkpoint), policy, opt, hist, best, rng, gen)
    before = hist.time_s  # seconds of cloning before a resume
    lr_at = cosine_lr(lr, steps, time_limit, t0 - before)
    bar = _progress_bar(steps, "behaviour cloning") if progress else None
    if bar is not None:
        bar.update(hist.steps)
    key = policy.featurizer.coord_key
    policy.set_training_mode(True)
    batches = _state_batches(demos, batch_size, rng, policy.device) if hist.steps < steps else iter(())
    for obs, actions, returns in batches:
        if augment and key is not None:  # no positions (coord_key None): no symmetry to augment with
            obs[key] = square_symmetry_torch(obs[key].float(), torch.randint(0, 8, (len(actions),), generator=gen))
        for g in opt.param_groups:
            g["lr"] = lr_at(hist.steps)
        hist.loss.append(_clone_step(policy, opt, obs, actions, returns, value_coef))
        hist.steps += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(hist.loss[-50:]):.3f}")
        if hist.steps % eval_every == 0:
            if best is not None:
                best.evaluate(policy)
                policy.set_training_mode(True)
            if checkpoint is not None:
                hist.time_s = before + time.perf_counter() - t0
                _save_cloning(Path(checkpoint), policy, opt, hist, best, rng, gen)
        if hist.steps >= steps or (time_limit is not None and before + time.perf_counter() - t0 > time_limit):
            break
    if bar is not None:
        bar.close()
    if best is not None:
        if not hist.evals or hist.evals[-1]["step"] != hist.steps:
            best.evaluate(policy)
        best.restore(policy)
    policy.set_training_mode(False)
    hist.time_s = before + time.perf_counter() - t0
    return hist


def _progress_bar(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc)


# --- labelling -------------------------------------------------------------------------------------------
#: training instances of seed ``s`` are ``routing-gym compare``'s instances of seed
#: ``TRAINING_SEED_OFFSET + s``: apart from the validation (4321) and test (1234) sets
TRAINING_SEED_OFFSET = 7919


def training_instances(env_id: str, env_kwargs: dict[str, Any] | None, num_instances: int, seed: int) -> list[Any]:
    """Training instances: :func:`routing_gym.compare.make_instances` of seed ``TRAINING_SEED_OFFSET + seed``."""
    from routing_gym.compare import make_instances

    insts, _ = make_instances(env_id, int(num_instances), TRAINING_SEED_OFFSET + int(seed), **(env_kwargs or {}))
    return insts


def resolve_label_solver(instance: Any, solver: str | None) -> str:
    """The labelling solver spec: ``solver`` itself, or the first of the problem's
    :attr:`~routing_gym.registry.Problem.label_solvers` that is registered and handles it."""
    if solver is not None:
        return solver
    from routing_gym.registry import problem_of

    candidates = problem_of(instance).label_solvers
    spec = first_solver_for(instance, candidates)
    if spec is None:
        raise SolverError(
            f"no registered solver handles {type(instance).__name__} among the label solvers "
            f"({', '.join(candidates) or 'none declared'}); pass solver=SPEC"
        )
    return spec


def label_instances(instances: Sequence[Any], solver: Any, cache: Path | None = None, progress: bool = False) -> tuple[list[Any], np.ndarray]:
    """Solve every instance with ``solver`` (a spec or a :class:`~routing_gym.baselines.base.Solver`).

    :returns: solutions (``None`` where the solver failed) and their costs (NaN there).
        With ``cache`` (a JSON file), labels of exactly these instances and this solver are reused.
    """
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import evaluate

    spec = solver if isinstance(solver, str) else getattr(solver, "spec", repr(solver))
    key = f"{spec}|{instances_digest(instances)}"
    if cache is not None and cache.is_file():
        try:
            data = json.loads(cache.read_text())
            if data.get("key") == key:
                return data["solutions"], np.array([np.nan if c is None else c for c in data["costs"]], dtype=float)
        except (OSError, json.JSONDecodeError, KeyError):
            pass
    s = make_solver(solver) if isinstance(solver, str) else solver
    if hasattr(s, "label_all"):  # every instance at once on many workers (routing_gym.ray_backend.RayLabeller)
        sols, costs = s.label_all(instances, progress=progress)
    else:
        sols = []
        costs = np.full(len(instances), np.nan)
        it: Any = instances
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(instances, desc=f"labelling with {spec}")
        for i, inst in enumerate(it):
            res = s(inst)
            sol = None
            if res.ok:
                ev = evaluate(inst, res.solution)
                if ev.feasible:
                    sol, costs[i] = res.solution, harness_cost(inst, ev.cost)
            sols.append(None if sol is None else json.loads(json.dumps(sol, default=int)))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "spec": spec, "solutions": sols,
                                     "costs": [None if np.isnan(c) else float(c) for c in costs]}))
    return sols, costs


# --- the stages of imitate ----------------------------------------------------------------------------------
@dataclass
class Labels:
    """Stage 1 of :func:`imitate`: training instances and their labelled solutions.

    :param instances: every training instance.
    :param solutions: the label of each (``None`` where the solver failed).
    :param costs: the labels' costs (NaN where it failed).
    :param solver: the labelling solver (a spec, or the solver object given).
    :param time_s: seconds spent (instances and labels).
    """

    instances: list[Any]
    solutions: list[Any]
    costs: np.ndarray
    solver: Any
    time_s: float

    @property
    def labelled(self) -> tuple[list[Any], list[Any]]:
        """The instances that have a label, and their labels."""
        keep = [i for i, s in enumerate(self.solutions) if s is not None]
        return [self.instances[i] for i in keep], [self.solutions[i] for i in keep]


def label(env_id: str, env_kwargs: dict[str, Any], num_instances: int, seed: int, solver: Any,
          cache: Path | None = None, progress: bool = False) -> Labels:
    """Label :func:`training_instances` with ``solver`` (a spec, an object, or ``None``: the problem's
    :attr:`~routing_gym.registry.Problem.label_solvers`); raises if it solves none."""
    t0 = time.perf_counter()
    insts = training_instances(env_id, env_kwargs, num_instances, seed)
    spec = solver if not (solver is None or isinstance(solver, str)) else resolve_label_solver(insts[0], solver)
    sols, costs = label_instances(insts, spec, cache, progress=progress)
    if all(s is None for s in sols):
        raise SolverError(f"the labelling solver {spec!r} solved none of the {len(insts)} training instances")
    return Labels(insts, sols, costs, spec, time.perf_counter() - t0)


@dataclass
class Validation:
    """A seeded validation set with reference costs; calling it gives a policy's greedy ``(mean cost, gap)``."""

    instances: list[Any]
    reference: Any
    ref_costs: np.ndarray | None

    def __call__(self, policy: RoutingPolicy) -> tuple[float, float | None]:
        ev = evaluate_policy(policy, self.instances, self.ref_costs)
        return ev.mean_cost, ev.gap

    def __len__(self) -> int:
        return len(self.instances)


def validation(env_id: str, env_kwargs: dict[str, Any], num_instances: int, seed: int, reference: Any,
               cache: Path | None = None, progress: bool = False) -> Validation:
    """The validation set of :func:`~routing_gym.agents.train.validation_set` and its reference costs."""
    val = validation_set(env_id, env_kwargs, num_instances, seed) if num_instances > 0 else []
    ref_spec = resolve_reference(val[0], reference) if val else None
    ref = reference_costs(val, ref_spec, cache, progress=progress) if ref_spec else None
    return Validation(val, ref_spec, ref)


def demonstration_epochs(instances: Sequence[Any], labels: Sequence[Any], featurizer: Any,
                         seed: int) -> Callable[[int], Demonstrations]:
    """``epoch -> Demonstrations``: a fresh equivalent solution per instance each epoch, replayed
    (:func:`collect_demonstrations`); only the current epoch is kept in memory."""
    rng = np.random.default_rng([seed, 1])
    current: dict[int, Demonstrations] = {}

    def demos(epoch: int) -> Demonstrations:
        if epoch not in current:
            current.clear()
            current[epoch] = collect_demonstrations(instances, labels, featurizer=featurizer, rng=rng)
        return current[epoch]

    return demos


def _initial_policy(init: Any, policy: str, env_id: str, env_kwargs: dict[str, Any],
                    policy_kwargs: dict[str, Any] | None) -> RoutingPolicy:
    from routing_gym.agents.train import _load_init

    if init is not None:
        return _load_init(init)
    obs_space, act_space = spaces_for(env_id, env_kwargs)
    check_pointer_spaces(obs_space, act_space, env_id=env_id)
    return make_policy(policy, obs_space, act_space, **(policy_kwargs or {}))


# --- the whole pipeline -----------------------------------------------------------------------------------
@dataclass
class ImitationResult:
    """What :func:`imitate` produced.

    :param policy: the cloned (and, if asked, fine-tuned) policy.
    :param path: its checkpoint folder.
    :param gaps: greedy validation gap in % per stage (``untrained``, ``cloned``, ``finetuned``),
        ``None`` without a reference.
    :param costs: greedy validation mean cost per stage.
    :param times: seconds per stage (``labels``, ``cloning``, ``finetuning``).
    :param summary: everything above plus settings, as written to ``summary.json``.
    """

    policy: RoutingPolicy
    path: Path
    gaps: dict[str, float | None]
    costs: dict[str, float]
    times: dict[str, float]
    summary: dict[str, Any]

    def record(self, stage: str, evals: Sequence[dict[str, Any]]) -> None:
        """Record the best (lowest mean cost) of a stage's validations."""
        if evals:
            best = min(evals, key=lambda e: e["mean_cost"])
            self.costs[stage], self.gaps[stage] = best["mean_cost"], best["gap"]

    def save(self, policy: RoutingPolicy, folder: Path) -> None:
        """Make ``policy`` the result, saved to ``folder`` with the summary so far."""
        env_id, env_kwargs = self.summary["env_id"], self.summary["env_kwargs"]
        self.policy = policy
        self.path = save_policy(policy, folder, env_id=env_id, env_kwargs=env_kwargs,
                                training={**self.summary, "gaps_pct": self.gaps, "times_s": {**self.times}})


def _cloning_summary(env_id: str, env_kwargs: dict[str, Any], net: RoutingPolicy, labels: Labels, hist: CloningLog,
                     val: Validation, *, batch_size: int, lr: float, seed: int, eval_seed: int) -> dict[str, Any]:
    return {
        "method": "imitation (behaviour cloning of solver labels, BQ-NCO style)",
        "env_id": env_id, "env_kwargs": env_kwargs, "policy": type(net).__name__, "architecture": net.architecture,
        "label_solver": solver_name(labels.solver),
        "num_instances": len(labels.instances), "labelled": len(labels.labelled[0]),
        "label_mean_cost": float(np.nanmean(labels.costs)), "bc_steps": hist.steps,
        "batch_size": batch_size, "lr": lr, "seed": seed, "eval_instances": len(val), "eval_seed": eval_seed,
        "reference": None if val.reference is None else solver_name(val.reference),
        "torch_threads": torch.get_num_threads(), "bc_evals": hist.evals,
        "bc_final_loss": float(np.mean(hist.loss[-50:])) if hist.loss else None,
    }


def finetune(result: ImitationResult, out: Path, *, timesteps: int, algo: str, n_envs: int, seed: int,
             algo_kwargs: dict[str, Any] | None, eval_instances: int, eval_seed: int, reference: Any,
             cache_dir: Path, progress: bool, resume: bool = False, device: str = "auto") -> None:
    """Stage 4 of :func:`imitate`: PPO from the cloned policy; keeps the fine-tuned weights only
    if they validate better than the cloned ones."""
    from routing_gym.agents.checkpoint import load_policy
    from routing_gym.agents.train import train

    t0 = time.perf_counter()
    env_id, env_kwargs = result.summary["env_id"], result.summary["env_kwargs"]
    res = train(env_id, env_kwargs, algo=algo, timesteps=timesteps, n_envs=n_envs, seed=seed, out_dir=out / "finetune",
                algo_kwargs={**FINETUNE_DEFAULTS, **(algo_kwargs or {})}, eval_instances=eval_instances,
                eval_seed=eval_seed, reference=reference, init=result.policy, cache_dir=cache_dir, progress_bar=progress,
                resume=resume, device=device)
    result.times["finetuning"] = time.perf_counter() - t0
    result.summary.update(finetune_timesteps=timesteps, algo=algo, finetune_history=res.history)
    result.record("finetuned", res.history)
    if res.best_path is not None and result.costs.get("finetuned", np.inf) < result.costs.get("cloned", np.inf):
        result.save(load_policy(res.best_path), out / "finetuned")


def imitate(
    env_id: str,
    env_kwargs: dict[str, Any] | None = None,
    *,
    policy: str = "attention",
    policy_kwargs: dict[str, Any] | None = None,
    num_instances: int = 1000,
    solver: Any = None,
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 3e-4,
    time_limit: float | None = None,
    finetune_timesteps: int = 0,
    algo: str = "maskable-ppo",
    n_envs: int = 64,
    algo_kwargs: dict[str, Any] | None = None,
    seed: int = 0,
    out_dir: str | Path = "runs/imitate",
    eval_instances: int = 100,
    eval_seed: int = VALIDATION_SEED,
    eval_every: int = 500,
    reference: Any = "auto",
    init: Any = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    resume: bool = False,
    device: str = "auto",
) -> ImitationResult:
    """Label, collect, clone, and optionally fine-tune with PPO; measure the gap after each stage.

    :param env_id: e.g. ``"routing_gym/TSP-v0"``.
    :param env_kwargs: environment arguments of the training instances (``{"num_nodes": 50}``).
    :param policy: ``"attention"`` or ``"gnn"``; ``policy_kwargs``: architecture keywords.
    :param num_instances: labelled training instances (:func:`training_instances` of ``seed``).
    :param solver: labelling solver spec or object (default: the problem's ``label_solvers``).
    :param steps: behaviour-cloning gradient steps (at most); ``time_limit``: seconds of cloning (at most).
    :param batch_size: states per gradient step; ``lr``: peak learning rate of cloning.
    :param finetune_timesteps: PPO steps after cloning (0: none), with ``algo`` (``"maskable-ppo"`` or
        ``"ppo"``), ``n_envs`` parallel episodes and ``algo_kwargs`` (over :data:`FINETUNE_DEFAULTS` and
        :data:`~routing_gym.agents.train.PPO_DEFAULTS`).
    :param seed: seed of the training instances, batching and PPO.
    :param out_dir: receives ``labels.json``, ``reference.json``, the ``cloned/`` (and
        ``finetuned/``) checkpoints and ``summary.json``.
    :param eval_instances: validation instances (seeded by ``eval_seed``, as ``routing-gym compare``).
    :param eval_every: cloning steps between validations (the best weights are kept).
    :param reference: reference solver of the gaps (``"auto"``, a spec, a solver object or ``None``).
    :param init: continue from this policy / checkpoint instead of a fresh network.
    :param cache_dir: where ``labels.json`` and ``reference.json`` are cached (default ``out_dir``);
        share it between runs on the same instances to label them once.
    :param progress: progress bars.
    :param resume: go on from where an interrupted run with the same ``out_dir`` stopped: labels and
        references come from their caches, cloning from ``out_dir/last/cloning.pt`` (saved at every
        validation), fine-tuning from ``out_dir/finetune/last/``.
    :param device: torch device of cloning and fine-tuning; ``"auto"`` takes a CUDA GPU when one is
        present (with bfloat16 autocast of the encoder), else the CPU.
    """
    from routing_gym.agents.train import LAST, _jsonable, resolve_device

    if TRAINING_SEED_OFFSET + int(seed) == int(eval_seed):
        raise RoutingGymError(f"seed {seed}: the training instances would be the validation set of eval_seed {eval_seed}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else out
    env_kwargs = dict(env_kwargs or {})
    t0 = time.perf_counter()
    labels = label(env_id, env_kwargs, num_instances, seed, solver, cache / "labels.json", progress)
    val = validation(env_id, env_kwargs, eval_instances, eval_seed, reference, cache / "reference.json", progress)
    dev = resolve_device(device)
    net = _initial_policy(init, policy, env_id, env_kwargs, policy_kwargs).to(dev)
    net.amp = dev.type == "cuda"
    result = ImitationResult(net, out, {}, {}, {"labels": labels.time_s}, {"env_id": env_id, "env_kwargs": env_kwargs})
    if val:
        result.costs["untrained"], result.gaps["untrained"] = val(net)

    t1 = time.perf_counter()
    hist = behaviour_cloning(net, demonstration_epochs(*labels.labelled, net.featurizer, seed), steps=steps,
                             batch_size=batch_size, lr=lr, time_limit=time_limit, seed=seed,
                             eval_fn=val if val else None, eval_every=eval_every, progress=progress,
                             checkpoint=out / LAST / "cloning.pt", resume=resume)
    result.times["cloning"] = time.perf_counter() - t1
    result.record("cloned", hist.evals)
    result.summary = _cloning_summary(env_id, env_kwargs, net, labels, hist, val, batch_size=batch_size, lr=lr,
                                      seed=seed, eval_seed=eval_seed)
    result.save(net, out / "cloned")
    if finetune_timesteps > 0:
        finetune(result, out, timesteps=finetune_timesteps, algo=algo, n_envs=n_envs, seed=seed, algo_kwargs=algo_kwargs,
                 eval_instances=eval_instances, eval_seed=eval_seed, reference=reference, cache_dir=cache,
                 progress=progress, resume=resume, device=device)
    result.times["total"] = time.perf_counter() - t0
    result.summary.update(gaps_pct=result.gaps, mean_costs=result.costs, times_s=result.times, checkpoint=str(result.path))
    (out / "summary.json").write_text(json.dumps(_jsonable(result.summary), indent=2) + "\n")
    return result
