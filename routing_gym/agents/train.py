"""Reinforcement learning of the pointer policies with (Maskable)PPO, and the evaluation they share.

``train`` is the library function behind ``routing-gym train``: it builds the
batched SB3 vector env, runs MaskablePPO (or plain PPO) with an
:class:`~routing_gym.agents.policies.AttentionPolicy` or
:class:`~routing_gym.agents.policies.GNNPolicy`, logs to TensorBoard, and every
``eval_freq`` steps decodes a fixed, seeded validation set greedily, reports
the gap to a reference solver, and keeps the best checkpoint.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from routing_gym.agents.checkpoint import load_policy, save_policy, spaces_for
from routing_gym.agents.inference import rollout
from routing_gym.agents.policies import RoutingPolicy, check_pointer_spaces, policy_class
from routing_gym.agents.vec_env import make_vec_env
from routing_gym.errors import RoutingGymError, SolverError

log = logging.getLogger(__name__)

ALGOS = ("maskable-ppo", "ppo")

#: PPO settings for routing episodes: undiscounted returns (the reward sums to -cost),
#: short rollouts of many parallel episodes, a small learning rate for the transformer.
PPO_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-4, "batch_size": 256, "n_epochs": 4, "gamma": 1.0, "gae_lambda": 0.95,
    "clip_range": 0.2, "ent_coef": 0.0, "vf_coef": 0.5, "max_grad_norm": 1.0,
}

#: seed of the validation sets that pick the best checkpoint; reported test sets use another
#: seed (1234 in the model cards), so the reported gaps are not selected on their own instances
VALIDATION_SEED = 4321

def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"``: the first CUDA GPU when torch sees one, else the CPU; anything else as torch reads it."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise RoutingGymError(f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r} ({exc})") from None


# --- validation sets and references ------------------------------------------------------------
def validation_set(env_id: str, env_kwargs: dict[str, Any] | None, num_instances: int, seed: int) -> list[Any]:
    """``num_instances`` instances of ``env_id``; instance ``i`` depends only on ``(seed, i)``.

    The same instances as ``routing-gym compare --seed SEED --instances N`` builds.
    """
    from routing_gym.compare import make_instances

    insts, _ = make_instances(env_id, int(num_instances), int(seed), **(env_kwargs or {}))
    return insts


def first_solver_for(instance: Any, candidates: Sequence[str]) -> str | None:
    """The first spec of ``candidates`` whose solver is registered and handles ``instance``'s problem."""
    from routing_gym.baselines.base import available_solvers, make_solver

    names = set(available_solvers())
    for spec in candidates:
        if spec.split(":")[0] in names and make_solver(spec).supports(instance):
            return spec
    return None


def solver_name(solver: Any) -> str:
    """A solver's spec (``solver`` itself for a spec string; a solver object's ``spec`` or repr)."""
    return solver if isinstance(solver, str) else str(getattr(solver, "spec", repr(solver)))


def resolve_reference(instance: Any, reference: Any) -> Any:
    """The reference solver: ``reference`` itself (a spec or a solver object), for ``"auto"`` the
    first of the problem's :attr:`~routing_gym.registry.Problem.reference_solvers` that is
    registered and handles it, or ``None`` (no reference; gaps are not reported)."""
    if reference is None or not isinstance(reference, str):
        return reference
    from routing_gym.baselines.base import available_solvers
    from routing_gym.registry import problem_of

    if reference != "auto":
        names = set(available_solvers())
        if reference.split(":")[0] not in names:
            raise SolverError(f"reference solver {reference!r} is not registered; available: {', '.join(sorted(names))}")
        return reference
    return first_solver_for(instance, problem_of(instance).reference_solvers)


def instances_digest(instances: Sequence[Any]) -> str:
    """SHA-256 over every field of ``instances`` (arrays by their bytes, other values by ``repr``): a cache key.

    Reads the dataclass fields only (not cached views), so the key does not depend on what was computed before.
    """
    import dataclasses
    import hashlib

    digest = hashlib.sha256()
    for inst in instances:
        digest.update(type(inst).__name__.encode())
        for f in dataclasses.fields(inst):
            value = getattr(inst, f.name)
            if isinstance(value, np.ndarray):
                digest.update(np.ascontiguousarray(value).tobytes())
            else:
                digest.update(repr(value).encode())
    return digest.hexdigest()


def harness_cost(instance: Any, objective: float) -> float:
    """The suite's cost of an ``evaluate`` objective: itself for a minimisation, minus it for ``sense="max"``."""
    from routing_gym.registry import problem_of

    return -objective if problem_of(instance).sense == "max" else objective


def reference_costs(instances: Sequence[Any], solver: Any, cache: Path | None = None, progress: bool = False) -> np.ndarray:
    """Costs of the solutions of ``solver`` (a spec or a solver object; NaN where it failed),
    cached in the JSON file ``cache``.

    The cache is keyed by the spec and the instances' fields, so it is only reused for
    exactly the same validation set.
    """
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import evaluate

    spec = solver_name(solver)
    key = f"{spec}|{instances_digest(instances)}"
    if cache is not None and cache.is_file():
        try:
            data = json.loads(cache.read_text())
            if data.get("key") == key:
                return np.array([np.nan if c is None else c for c in data["costs"]], dtype=float)
        except (OSError, json.JSONDecodeError):
            pass
    solver = make_solver(solver) if isinstance(solver, str) else solver
    costs = np.full(len(instances), np.nan)
    it: Any = instances
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(instances, desc=f"reference {spec}", leave=False)
    for i, inst in enumerate(it):
        res = solver(inst)
        if res.ok:
            ev = evaluate(inst, res.solution)
            if ev.feasible:
                costs[i] = harness_cost(inst, ev.cost)
    failed = int(np.isnan(costs).sum())
    if failed:
        log.warning("reference %s failed on %d of %d instances", spec, failed, len(instances))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "spec": spec, "costs": [None if np.isnan(c) else float(c) for c in costs]}))
    return costs


@dataclass
class Evaluation:
    """Decoding quality on a validation set.

    :param mean_cost: mean cost of the decoded solutions.
    :param gap: mean of ``(cost - reference) / |reference|`` in percent, i.e. ``cost / reference - 1``
        (``1 - value / reference value`` for a maximisation); ``None`` without a reference.
    :param time_s: decoding time.
    """

    mean_cost: float
    gap: float | None
    time_s: float


def evaluate_policy(model: Any, instances: Sequence[Any], ref_costs: np.ndarray | None = None, **decode: Any) -> Evaluation:
    """Decode ``instances`` with ``model`` (greedy unless ``decode`` says otherwise) and score against ``ref_costs``."""
    t0 = time.perf_counter()
    with torch.inference_mode():  # no autograd bookkeeping at all (stricter and faster than no_grad)
        res = rollout(model, instances, **decode)
    costs = np.array([r.cost for r in res])
    gap = None
    if ref_costs is not None:
        # (cost - ref) / |ref|: cost / ref - 1 for costs, 1 - value / ref value for a maximisation
        # (whose costs are minus the objective): positive when worse than the reference either way
        ok = np.isfinite(ref_costs) & (ref_costs != 0)
        if ok.any():
            gap = float(100.0 * np.mean((costs[ok] - ref_costs[ok]) / np.abs(ref_costs[ok])))
    return Evaluation(float(costs.mean()), gap, time.perf_counter() - t0)


# --- PPO ------------------------------------------------------------------------------------------

def _make_eval_callback(**kwargs: Any) -> Any:
    """An SB3 callback (built lazily so this module imports without SB3's callback machinery)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class _GapEvalCallback(BaseCallback):
        """Greedy-decode the validation set every ``eval_freq`` env steps; keep the best checkpoint."""

        def __init__(self, instances: list[Any], ref: np.ndarray | None, eval_freq: int, out_dir: Path,
                     env_id: str, env_kwargs: dict[str, Any], summary: dict[str, Any]) -> None:
            super().__init__()
            self.instances, self.ref, self.eval_freq, self.out_dir = instances, ref, eval_freq, out_dir
            self.env_id, self.env_kwargs, self.summary = env_id, env_kwargs, summary
            self.last = 0
            self.best = np.inf
            self.history: list[dict[str, Any]] = []

        def evaluate(self) -> None:
            ev = evaluate_policy(self.model.policy, self.instances, self.ref)
            self.history.append({"timesteps": int(self.num_timesteps), "mean_cost": ev.mean_cost, "gap": ev.gap})
            self.logger.record("eval/mean_cost", ev.mean_cost)
            if ev.gap is not None:
                self.logger.record("eval/gap_pct", ev.gap)
            if ev.mean_cost < self.best:
                self.best = ev.mean_cost
                info = {**self.summary, "timesteps": int(self.num_timesteps), "val_mean_cost": ev.mean_cost, "val_gap_pct": ev.gap}
                save_policy(self.model.policy, self.out_dir / "best", env_id=self.env_id, env_kwargs=self.env_kwargs, training=info)

        def _on_step(self) -> bool:
            if self.num_timesteps - self.last >= self.eval_freq:
                self.last = self.num_timesteps
                self.evaluate()
            return True

        def _on_training_end(self) -> None:
            if self.last != self.num_timesteps:
                self.last = self.num_timesteps
                self.evaluate()

        def state(self) -> dict[str, Any]:
            """What a resumed run needs to go on validating as this one would."""
            return {"last": self.last, "best": None if not np.isfinite(self.best) else self.best, "history": self.history}

        def restore(self, state: dict[str, Any]) -> None:
            self.last = int(state["last"])
            self.best = np.inf if state["best"] is None else float(state["best"])
            self.history = list(state["history"])

    return _GapEvalCallback(**kwargs)


#: the folder of the resumable checkpoint inside a training run's ``out_dir``
LAST = "last"


def _make_last_checkpoint(folder: Path, freq: int, eval_callback: Any) -> Any:
    """An SB3 callback that saves the whole model (weights, optimizer, step count) to ``folder/model.zip``
    every ``freq`` env steps, after an update, and at the end; ``folder/state.json`` holds the validation state."""
    from stable_baselines3.common.callbacks import BaseCallback

    class _LastCheckpoint(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.saved = 0

        def _on_training_start(self) -> None:
            self.saved = self.num_timesteps

        def _on_rollout_start(self) -> None:  # the previous iteration's update is done
            if self.num_timesteps - self.saved >= freq:
                self.save()

        def _on_step(self) -> bool:
            return True

        def _on_training_end(self) -> None:
            self.save()

        def save(self) -> None:
            self.saved = self.num_timesteps
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / "model.tmp.zip"
            self.model.save(tmp)
            tmp.replace(folder / "model.zip")  # never a half-written checkpoint
            state = {"num_timesteps": int(self.num_timesteps), "eval": None if eval_callback is None else eval_callback.state()}
            (folder / "state.json").write_text(json.dumps(_jsonable(state)))

    return _LastCheckpoint()


@dataclass
class TrainResult:
    """What :func:`train` produced.

    :param model: the SB3 model after training.
    :param best_path: checkpoint with the best validation cost (``None`` without evaluation).
    :param final_path: checkpoint at the end of training.
    :param history: validation results (``timesteps``, ``mean_cost``, ``gap`` in %).
    :param time_s: wall-clock training time, evaluation included.
    :param reference: the reference solver spec the gaps refer to (``None`` if none).
    """

    model: Any
    best_path: Path | None
    final_path: Path
    history: list[dict[str, Any]] = field(default_factory=list)
    time_s: float = 0.0
    reference: str | None = None

    @property
    def best_gap(self) -> float | None:
        gaps = [h["gap"] for h in self.history if h.get("gap") is not None]
        return min(gaps) if gaps else None


def _load_init(init: Any) -> RoutingPolicy:
    if isinstance(init, RoutingPolicy):
        return init
    if isinstance(getattr(init, "policy", None), RoutingPolicy):
        return init.policy
    return load_policy(init)


def train(
    env_id: str,
    env_kwargs: dict[str, Any] | None = None,
    *,
    policy: str = "attention",
    algo: str = "maskable-ppo",
    timesteps: int = 100_000,
    n_envs: int = 64,
    seed: int = 0,
    out_dir: str | Path = "runs/train",
    policy_kwargs: dict[str, Any] | None = None,
    algo_kwargs: dict[str, Any] | None = None,
    eval_instances: int = 64,
    eval_seed: int = VALIDATION_SEED,
    eval_freq: int | None = None,
    reference: Any = "auto",
    init: Any = None,
    cache_dir: str | Path | None = None,
    progress_bar: bool = True,
    device: str = "auto",
    amp: bool | None = None,
    compile_encoder: bool = False,
    sorted_batches: bool = True,
    resume: bool = False,
    checkpoint_freq: int | None = None,
    verbose: int = 0,
) -> TrainResult:
    """Train a pointer policy with MaskablePPO or PPO on ``env_id``.

    :param env_id: e.g. ``"routing_gym/TSP-v0"``.
    :param env_kwargs: environment arguments (JSON-serialisable, e.g. ``{"num_nodes": 20}``).
    :param policy: ``"attention"`` or ``"gnn"``.
    :param algo: ``"maskable-ppo"`` (sb3-contrib) or ``"ppo"`` (stable-baselines3).
    :param timesteps: environment steps (summed over the parallel episodes).
    :param n_envs: parallel episodes in the batched vector env.
    :param seed: seed of the algorithm and of the training instances.
    :param out_dir: receives ``best/`` and ``final/`` checkpoints, ``tb/`` TensorBoard logs,
        ``reference.json`` (cached reference costs) and ``summary.json``.
    :param policy_kwargs: architecture (``embed_dim``, ``num_layers``, ``num_heads``, ...).
    :param algo_kwargs: PPO arguments overriding :data:`PPO_DEFAULTS` (and ``n_steps``,
        by default ``max(8, 2048 // n_envs)``).
    :param eval_instances: size of the validation set (0 disables evaluation).
    :param eval_seed: seed of the validation set.
    :param eval_freq: env steps between evaluations (default: 10 per run).
    :param reference: solver of the gaps: a spec or a solver object, ``"auto"`` (the first of the
        problem's ``reference_solvers`` that handles it), or ``None``.
    :param init: start from this policy, SB3 model or checkpoint (its architecture wins).
    :param cache_dir: where ``reference.json`` is cached (default ``out_dir``).
    :param progress_bar: SB3's progress bar.
    :param device: torch device; ``"auto"`` (default) takes a CUDA GPU when one is present, else the CPU.
    :param amp: bfloat16 autocast of the encoder (``None``: on a GPU only; it does not pay on a CPU).
    :param compile_encoder: ``torch.compile`` the encoder (off by default: on a CPU it does not pay for itself;
        see ``benchmarks/train_throughput.py --compile``).
    :param sorted_batches: PPO minibatches of states of similar size (:mod:`routing_gym.agents.buffers`): the
        update's network inputs shrink (TSP20: about 1.5-2x the env-steps/s of an iteration); ``False`` gives
        uniformly random minibatches.
    :param resume: go on from ``out_dir/last/`` (the model, its optimizer and step count, and the
        validation history) when an earlier run left it; ``timesteps`` stays the total.
    :param checkpoint_freq: env steps between saves of ``out_dir/last/`` (default: the evaluation interval).
    :param verbose: SB3 verbosity.
    """
    if algo not in ALGOS:
        raise RoutingGymError(f"algo: expected one of {ALGOS}, got {algo!r}")
    if timesteps <= 0 or n_envs <= 0:
        raise RoutingGymError(f"timesteps and n_envs must be positive, got {timesteps}, {n_envs}")
    t0 = time.perf_counter()
    env_kwargs = dict(env_kwargs or {})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    check_pointer_spaces(*spaces_for(env_id, env_kwargs), env_id=env_id)
    venv = make_vec_env(env_id, n_envs=n_envs, seed=seed, **env_kwargs)
    dev = resolve_device(device)
    last = out / LAST
    resumed = resume and (last / "model.zip").is_file()
    if resumed:
        model, summary = _load_model(last, venv, algo=algo, device=dev, verbose=verbose)
    else:
        if sorted_batches:
            from routing_gym.agents import buffers

            sorted_buffer = buffers.SizeSortedMaskableRolloutBuffer if algo == "maskable-ppo" else buffers.SizeSortedRolloutBuffer
            algo_kwargs = {"rollout_buffer_class": sorted_buffer, **(algo_kwargs or {})}
        model, summary = _build_model(venv, out, policy=policy, algo=algo, n_envs=n_envs, seed=seed, policy_kwargs=policy_kwargs,
                                      algo_kwargs=algo_kwargs, init=init, device=dev, verbose=verbose)
    _speed_up(model.policy, dev, amp, compile_encoder, summary)
    every = int(eval_freq or max(1, timesteps // 10))
    callback = None
    if eval_instances > 0:
        callback = _validation_callback(env_id, env_kwargs, out, summary, eval_instances=eval_instances, eval_seed=eval_seed,
                                        eval_freq=every, reference=reference,
                                        cache_dir=Path(cache_dir) if cache_dir is not None else out, progress=progress_bar)
    if resumed:
        state = json.loads((last / "state.json").read_text())
        if callback is not None and state.get("eval"):
            callback.restore(state["eval"])
        summary["resumed_from"] = int(model.num_timesteps)
    saver = _make_last_checkpoint(last, int(checkpoint_freq or every), callback)
    t_learn = time.perf_counter()
    remaining = int(timesteps) - (int(model.num_timesteps) if resumed else 0)
    if remaining > 0:
        model.learn(total_timesteps=remaining, callback=[saver] + ([callback] if callback is not None else []),
                    progress_bar=progress_bar, tb_log_name=f"{algo}-{summary['policy']}", reset_num_timesteps=not resumed)
    learn_s = time.perf_counter() - t_learn  # PPO itself (evaluations included), without reference solving
    elapsed = time.perf_counter() - t0
    history = callback.history if callback is not None else []
    summary.update(timesteps=int(model.num_timesteps), train_time_s=elapsed, learn_time_s=learn_s, history=history)
    final = save_policy(model.policy, out / "final", env_id=env_id, env_kwargs=env_kwargs, training=summary)
    best = out / "best" if callback is not None and (out / "best").is_dir() else None
    (out / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2) + "\n")
    venv.close()
    return TrainResult(model, best, final, history, elapsed, summary.get("reference"))


def _build_model(venv: Any, out: Path, *, policy: str, algo: str, n_envs: int, seed: int, policy_kwargs: dict[str, Any] | None,
                 algo_kwargs: dict[str, Any] | None, init: Any, device: torch.device, verbose: int) -> tuple[Any, dict[str, Any]]:
    """The SB3 model of :func:`train` (with ``init``'s architecture and weights, if given) and the summary's settings."""
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    init_policy = _load_init(init) if init is not None else None
    cls = policy_class(policy if init_policy is None else type(init_policy))
    pkw = dict(init_policy.architecture) if init_policy is not None else dict(policy_kwargs or {})
    akw = {**PPO_DEFAULTS, "n_steps": max(8, 2048 // n_envs), **(algo_kwargs or {})}
    algo_cls = MaskablePPO if algo == "maskable-ppo" else PPO
    tb = _tensorboard_dir(out)
    model = algo_cls(cls, venv, policy_kwargs=pkw, seed=seed, device=device, verbose=verbose, tensorboard_log=tb, **akw)
    if init_policy is not None:
        model.policy.load_state_dict(init_policy.state_dict())
    summary: dict[str, Any] = {
        "algo": algo, "policy": cls.__name__, "seed": seed, "n_envs": n_envs, "algo_kwargs": akw,
        "device": str(device), "torch_threads": torch.get_num_threads(),
    }
    return model, summary


def _tensorboard_dir(out: Path) -> str | None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:  # pragma: no cover - tensorboard is a dependency
        return None
    return str(out / "tb")


def _load_model(last: Path, venv: Any, *, algo: str, device: torch.device, verbose: int) -> tuple[Any, dict[str, Any]]:
    """The model a run saved to ``last/model.zip`` (weights, optimizer, step count), on ``venv``, and its summary's settings."""
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    algo_cls = MaskablePPO if algo == "maskable-ppo" else PPO
    try:
        model = algo_cls.load(last / "model.zip", env=venv, device=device, verbose=verbose,
                              tensorboard_log=_tensorboard_dir(last.parent))
    except (ValueError, KeyError, RuntimeError) as exc:
        raise RoutingGymError(f"cannot resume from {last / 'model.zip'} with algo {algo!r}: {exc}") from None
    summary: dict[str, Any] = {
        "algo": algo, "policy": type(model.policy).__name__, "seed": model.seed, "n_envs": venv.num_envs,
        "device": str(device), "torch_threads": torch.get_num_threads(),
    }
    return model, summary


def _speed_up(policy: RoutingPolicy, device: torch.device, amp: bool | None, compile_encoder: bool, summary: dict[str, Any]) -> None:
    """bfloat16 autocast of the encoder (by default on a GPU only) and, if asked, a compiled encoder."""
    policy.amp = bool(device.type == "cuda" if amp is None else amp) and device.type == "cuda"
    if compile_encoder:
        policy.encoder.compile(dynamic=True)
    summary.update(amp=policy.amp, compiled=bool(compile_encoder))


def _validation_callback(env_id: str, env_kwargs: dict[str, Any], out: Path, summary: dict[str, Any], *, eval_instances: int,
                         eval_seed: int, eval_freq: int, reference: Any, cache_dir: Path, progress: bool) -> Any:
    """The callback of :func:`train` that validates every ``eval_freq`` steps (it records the reference in ``summary``)."""
    val = validation_set(env_id, env_kwargs, eval_instances, eval_seed)
    ref_spec = resolve_reference(val[0], reference)
    ref = reference_costs(val, ref_spec, cache_dir / "reference.json", progress=progress) if ref_spec else None
    summary.update(eval_instances=eval_instances, eval_seed=eval_seed, reference=None if ref_spec is None else solver_name(ref_spec))
    return _make_eval_callback(instances=val, ref=ref, eval_freq=eval_freq, out_dir=out, env_id=env_id,
                               env_kwargs=env_kwargs, summary=summary)


def _jsonable(value: Any) -> Any:
    from routing_gym.agents.checkpoint import _clean

    return json.loads(json.dumps(_clean(value), default=str))
