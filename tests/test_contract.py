"""The contract every registered problem inherits, with no per-problem code.

Everything here is parametrised over :func:`routing_gym.registry.problems` (and
each problem's env ids) and dispatches only through the registry record and the
kernel's declared action space, so a new problem gets these checks by
registering:

* Gymnasium's and SB3's ``check_env`` (warnings are errors);
* seeded determinism;
* the native vector env agrees step by step with single envs, autoreset included;
* the summed reward is minus ``evaluate``'s cost (plus its profit for ``sense="max"``);
* masks never admit an infeasible move (hypothesis), masked and out-of-space actions;
* every render mode, single and vector;
* bad input to the instance constructor and to each declared file loader raises
  ``InstanceError`` naming the field (or the file);
* the env's own solution replays through the harness's judge to the same cost;
* a get_state snapshot restores the episode exactly;
* every registered solver that claims the problem returns a feasible solution
  (as the env judges it) or an explicit failure status.

Action spaces: ``Discrete`` actions are drawn from the mask, ``MultiDiscrete``
per dimension from the concatenated per-dimension masks, ``Box`` uniformly.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing_gym.errors import ConfigError, InstanceError, InvalidActionError
from routing_gym.fuzz import fuzz
from routing_gym.registry import Problem, problems

BUNDLED_DATA = Path(__file__).resolve().parent / "data"

PROBLEMS: list[Problem] = list(problems().values())
ENV_CASES = [pytest.param(p, e.id, id=e.id.split("/")[-1]) for p in PROBLEMS for e in p.envs]
PROBLEM_CASES = [pytest.param(p, id=p.name) for p in PROBLEMS]
FORMAT_CASES = [pytest.param(p, id=p.name) for p in PROBLEMS if p.formats]
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_STEPS = 10_000


def close(a: float, b: float) -> bool:
    """Equal exactly or to 1e-9 relative (1e-9 absolute near zero)."""
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- the action space decides how actions are drawn ------------------------------------------


def mask_parts(space: spaces.Space, mask: np.ndarray) -> list[np.ndarray]:
    """The per-dimension masks (one part for ``Discrete``)."""
    if isinstance(space, spaces.Discrete):
        return [mask]
    return np.split(mask, np.cumsum(space.nvec)[:-1])


def random_action(space: spaces.Space, mask: np.ndarray | None, rng: np.random.Generator) -> Any:
    """A uniformly random admitted action (``Box``: uniform in the bounds)."""
    if isinstance(space, spaces.Box):
        low = np.maximum(space.low, -1e3)
        high = np.minimum(space.high, 1e3)
        return rng.uniform(low, high).astype(space.dtype)
    parts = [int(rng.choice(np.flatnonzero(m))) for m in mask_parts(space, mask)]
    return parts[0] if isinstance(space, spaces.Discrete) else np.array(parts, dtype=np.int64)


def masked_action(space: spaces.Space, mask: np.ndarray | None, rng: np.random.Generator) -> Any | None:
    """An in-space action that the mask forbids, or ``None`` when every action is allowed (always for ``Box``)."""
    if mask is None:
        return None
    parts = mask_parts(space, mask)
    dims = [d for d, m in enumerate(parts) if (~m).any()]
    if not dims:
        return None
    d = int(rng.choice(dims))
    action = [int(rng.choice(np.flatnonzero(m))) if m.any() else 0 for m in parts]
    action[d] = int(rng.choice(np.flatnonzero(~parts[d])))
    return action[0] if isinstance(space, spaces.Discrete) else np.array(action, dtype=np.int64)


def out_of_space_actions(space: spaces.Space) -> list[Any]:
    if isinstance(space, spaces.Discrete):
        return [-1, int(space.n), 2.5, "x", [0, 0]]
    if isinstance(space, spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec)
        return [nvec.copy(), -np.ones_like(nvec), np.zeros(nvec.size + 1, dtype=np.int64),
                np.full(nvec.shape, 0.5), "x"]
    high = np.where(np.isfinite(space.high), space.high + 1.0, np.nan)
    return [high.astype(np.float64), np.full(space.shape, np.nan), np.zeros((space.shape[0] + 1,) + space.shape[1:]), "x"]


def nonempty(space: spaces.Space, mask: np.ndarray | None) -> bool:
    """Whether some action is admitted (every dimension has one, for ``MultiDiscrete``)."""
    return mask is None or all(m.any() for m in mask_parts(space, mask))


def batch_actions(space: spaces.Space, masks: np.ndarray | None, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.stack([np.asarray(random_action(space, None if masks is None else masks[i], rng)) for i in range(n)])


# --- helpers -----------------------------------------------------------------------------


def env_kwargs(problem: Problem, **extra: Any) -> dict[str, Any]:
    """The problem's tiny generator keywords (small sizes), plus ``extra``."""
    return {**problem.tiny_kwargs, **extra}


def size_name(problem: Problem) -> str:
    return problem.kernel_type.size_name


def instances(problem: Problem, count: int, seed: int = 0) -> list[Any]:
    gen = problem.generator_type(**problem.tiny_kwargs)
    return [gen(np.random.default_rng([seed, i])) for i in range(count)]


def plain(x: Any) -> Any:
    """A solution with numpy arrays and scalars as (nested) lists and Python numbers, for comparing."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x.item() if isinstance(x, np.generic) else x


def obs_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def play(env: gym.Env, rng: np.random.Generator, *, seed: int | None = None, options: dict | None = None,
         trace: list | None = None) -> tuple[float, bool, dict[str, Any]]:
    """Random admitted actions until the episode ends; checks masks on the way.

    Returns ``(summed reward, ended, last info)``: ended is ``terminated``, or ``truncated`` by the
    instance's own step cap (which carries the solution; a wrapper's time limit does not); ``trace``
    collects ``(observation, action, reward)`` when given.
    """
    obs, _ = env.reset(seed=seed, options=options)
    base = env.unwrapped
    space = base.action_space
    total = 0.0
    for _ in range(MAX_STEPS):
        mask = base.action_masks()
        if mask is not None:
            assert mask.dtype == bool and np.array_equal(mask, np.asarray(obs["action_mask"]).astype(bool))
            assert nonempty(space, mask), "empty action mask before the end of the episode"
        a = random_action(space, mask, rng)
        obs, r, term, trunc, info = env.step(a)
        assert not info["invalid_action"], f"admitted action {a!r} was judged invalid"
        if trace is not None:
            trace.append((obs, a, r))
        total += r
        if term or trunc:
            return total, bool(term or (trunc and "solution" in info)), info
    raise AssertionError(f"episode did not end within {MAX_STEPS} steps")


def check_objective(problem: Problem, instance: Any, total: float, info: dict[str, Any]) -> None:
    """The solution is feasible by ``evaluate``, whose objective the summed reward is: ``-cost`` for
    ``sense="min"``, ``+profit`` for ``"max"``; ``info["cost"]`` is minus the summed reward either way
    (the harness's cost: minus the objective of a maximising problem, so lower is better everywhere)."""
    assert "solution" in info and "cost" in info, sorted(info)
    ev = problem.evaluate(instance, info["solution"])
    assert ev.feasible, ev.violation
    objective = total if problem.sense == "max" else -total
    assert close(objective, ev.cost), (total, ev)
    assert close(info["cost"], -total), (info["cost"], total)


# --- API conformance ------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_gymnasium_check_env__no_warnings(problem: Problem, env_id: str) -> None:
    from gymnasium.utils.env_checker import check_env

    env = gym.make(env_id, render_mode="rgb_array", **env_kwargs(problem))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=False)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_sb3_check_env__no_warnings(problem: Problem, env_id: str) -> None:
    from stable_baselines3.common.env_checker import check_env

    env = gym.make(env_id, **env_kwargs(problem))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # SB3 advises flattening non-1-D Box observations "or use a custom policy": node
        # arrays such as (n, 2) coordinates are per-node on purpose, and the suite's
        # policies are pointer networks over nodes. Only this advisory is filtered.
        warnings.filterwarnings("ignore", message=r".*has an unconventional shape \(neither an image, nor a 1D vector\)")
        check_env(env.unwrapped, warn=True)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_reset__seeded_determinism(problem: Problem, env_id: str) -> None:
    runs = []
    for seed in (42, 42, 43):
        trace: list = []
        env = gym.make(env_id, **env_kwargs(problem))
        first, _ = env.reset(seed=seed)
        total, _, info = play(env, np.random.default_rng(5), seed=seed, trace=trace)
        runs.append((first, trace, total, info.get("solution")))
    (o1, t1, r1, s1), (o2, t2, r2, s2), (o3, *_) = runs
    assert obs_equal(o1, o2)
    assert len(t1) == len(t2) and r1 == r2 and plain(s1) == plain(s2)
    for (oa, aa, ra), (ob, ab, rb) in zip(t1, t2):
        assert obs_equal(oa, ob) and np.array_equal(aa, ab) and ra == rb
    assert not obs_equal(o1, o3), "another seed gave the same first observation"


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_get_set_state__restores_exactly(problem: Problem, env_id: str) -> None:
    """A snapshot (for search) restores the observation, and the same actions then earn the same rewards."""
    env = gym.make(env_id, **env_kwargs(problem)).unwrapped
    space = env.action_space
    rng = np.random.default_rng(1)
    env.reset(seed=1)
    env.step(random_action(space, env.action_masks(), rng))
    snap = env.get_state()
    ref_obs = env.kernel.observe(0)
    trace: list = []
    for _ in range(MAX_STEPS):
        a = random_action(space, env.action_masks(), rng)
        _, r, term, trunc, info = env.step(a)
        trace.append((a, r))
        if term or trunc:
            break
    env.set_state(snap)
    assert obs_equal(env.kernel.observe(0), ref_obs)
    again = [env.step(a)[1] for a, _ in trace]
    assert again == [r for _, r in trace]


# --- the native vector env --------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_vector_env__agrees_with_single_envs_autoreset_included(problem: Problem, env_id: str) -> None:
    """Row i plays instances[i], then (autoreset) the vector env's fixed instance; single env i does the same."""
    n_envs, episodes_per_row = 4, 2
    insts = instances(problem, n_envs + 1, seed=3)
    first, again = insts[:n_envs], insts[n_envs]
    venv = gym.make_vec(env_id, n_envs, vectorization_mode="vector_entry_point", instance=again)
    singles = [gym.make(env_id, instance=inst).unwrapped for inst in first]  # time limits are a wrapper's business
    vobs, _ = venv.reset(seed=0, options={"instances": first})
    sobs = [e.reset()[0] for e in singles]
    space = singles[0].unwrapped.action_space
    rng = np.random.default_rng(0)
    done = np.zeros(n_envs, dtype=int)
    for _ in range(MAX_STEPS):
        if (done >= episodes_per_row).all():
            break
        for i in range(n_envs):
            assert obs_equal({k: v[i] for k, v in vobs.items()}, sobs[i]), f"row {i}"
        masks = venv.unwrapped.action_masks()
        acts = batch_actions(space, masks, rng, n_envs)
        vobs, vr, vterm, vtrunc, vinfo = venv.step(acts)
        for i in range(n_envs):
            o, r, term, trunc, info = singles[i].step(acts[i] if acts.ndim > 1 else int(acts[i]))
            assert vr[i] == r and vterm[i] == term and vtrunc[i] == trunc, f"row {i}"
            if term or trunc:  # trunc: the instance's step cap (singles are unwrapped: no time-limit wrapper)
                fin = vinfo["final_info"]
                assert vinfo["_final_obs"][i] and obs_equal(vinfo["final_obs"][i], o)
                assert fin["invalid_action"][i] == info["invalid_action"]
                assert plain(fin["solution"][i]) == plain(info["solution"]) and fin["cost"][i] == info["cost"]
                done[i] += 1
                sobs[i] = singles[i].reset(options={"instance": again})[0]
            else:
                sobs[i] = o
    assert (done >= episodes_per_row).all()


# --- the objective ------------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_episode__summed_reward_is_the_objective(problem: Problem, env_id: str) -> None:
    env = gym.make(env_id, **env_kwargs(problem))
    rng = np.random.default_rng(0)
    for seed in range(5):
        total, term, info = play(env, rng, seed=seed)
        assert term
        check_objective(problem, env.unwrapped.instance, total, info)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_solution__replays_to_the_same_cost(problem: Problem, env_id: str) -> None:
    from routing_gym.compare import judge
    from routing_gym.envs import replay

    env = gym.make(env_id, **env_kwargs(problem))
    rng = np.random.default_rng(1)
    for seed in range(3):
        total, _, info = play(env, rng, seed=seed)
        inst = env.unwrapped.instance
        verdict = judge(env_id, inst, info["solution"])
        assert verdict.feasible, verdict.message
        assert close(verdict.cost, info["cost"]) and close(verdict.cost, -total)
        again = replay(env, inst, info["solution"])  # the same env object, reused
        assert again.feasible and close(again.cost, verdict.cost)


# --- masks (hypothesis) ---------------------------------------------------------------------------


def _sized(problem: Problem, data: st.DataObject) -> dict[str, Any]:
    """The tiny keywords with a size drawn around the tiny size (small edge cases are per-problem tests)."""
    tiny = int(problem.tiny_kwargs.get(size_name(problem), 8))
    size = data.draw(st.integers(max(2, tiny // 2), tiny + 2), label="size")
    return env_kwargs(problem, **{size_name(problem): size})


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
@HYPOTHESIS
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_masks__random_masked_play_ends_feasible(problem: Problem, env_id: str, data: st.DataObject, seed: int) -> None:
    env = gym.make(env_id, **_sized(problem, data))
    total, term, info = play(env, np.random.default_rng(seed), seed=seed)
    assert term, "masked play was truncated"
    check_objective(problem, env.unwrapped.instance, total, info)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
@HYPOTHESIS
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_masks__masked_action_penalty_or_raise(problem: Problem, env_id: str, data: st.DataObject, seed: int) -> None:
    """After a random prefix, a masked action ends the episode with reward -penalty
    (worse than finishing feasibly), or raises with ``invalid_action="raise"`` leaving the state as it was."""
    kwargs = _sized(problem, data)
    penalty_env = gym.make(env_id, **kwargs).unwrapped
    raise_env = gym.make(env_id, invalid_action="raise", **kwargs).unwrapped
    space = penalty_env.action_space
    rng = np.random.default_rng(seed)
    penalty_env.reset(seed=seed)
    raise_env.reset(seed=seed)
    prefix = data.draw(st.integers(0, 3 * kwargs[size_name(problem)]), label="prefix")
    for _ in range(prefix):
        a = random_action(space, penalty_env.action_masks(), rng)
        snap = penalty_env.get_state()
        _, r, term, trunc, _ = penalty_env.step(a)
        if term or trunc:
            penalty_env.set_state(snap)
            break
        raise_env.step(a)
    bad = masked_action(space, penalty_env.action_masks(), rng)
    if bad is None:
        return  # everything is admitted here (Box, or a state without a forbidden move)
    # finishing feasibly from here, for comparison
    snap = penalty_env.get_state()
    finish = 0.0
    for _ in range(MAX_STEPS):
        _, r, term, trunc, _ = penalty_env.step(random_action(space, penalty_env.action_masks(), rng))
        finish += r
        if term or trunc:
            break
    penalty_env.set_state(snap)
    _, r, term, trunc, info = penalty_env.step(bad)
    assert term and not trunc and info["invalid_action"] is True and "solution" not in info
    assert r == -penalty_env.kernel.penalty[0] and r < finish
    with pytest.raises(gym.error.ResetNeeded):
        penalty_env.step(bad)
    before = raise_env.get_state()
    with pytest.raises(InvalidActionError, match="masked"):
        raise_env.step(bad)
    after = raise_env.get_state()
    assert before.keys() == after.keys() and all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_step__out_of_space_actions_raise(problem: Problem, env_id: str) -> None:
    env = gym.make(env_id, **env_kwargs(problem)).unwrapped
    env.reset(seed=0)
    for bad in out_of_space_actions(env.action_space):
        with pytest.raises(InvalidActionError):
            env.step(bad)
    n = 3
    venv = gym.make_vec(env_id, n, vectorization_mode="vector_entry_point", **env_kwargs(problem))
    venv.reset(seed=0)
    good = batch_actions(env.action_space, venv.unwrapped.action_masks(), np.random.default_rng(0), n)
    for bad in out_of_space_actions(env.action_space):
        if isinstance(bad, str):
            continue
        acts = good.astype(np.asarray(bad).dtype if np.asarray(bad).dtype.kind == "f" else good.dtype)
        if np.asarray(bad).shape != np.asarray(good[0]).shape:
            acts = np.stack([np.asarray(bad)] * n)  # wrong shape for every row
        else:
            acts[n - 1] = bad
        with pytest.raises(InvalidActionError):
            venv.step(acts)


# --- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_reset__unknown_option_raises_config_error(problem: Problem, env_id: str) -> None:
    env = gym.make(env_id, **problem.tiny_kwargs)
    with pytest.raises(ConfigError, match=r"unknown key\(s\) bogus"):
        env.reset(seed=0, options={"bogus": 1})
    venv = gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point", **problem.tiny_kwargs)
    with pytest.raises(ConfigError, match="bogus"):
        venv.reset(seed=0, options={"bogus": 1})


@pytest.mark.parametrize("problem", PROBLEM_CASES)
def test_fuzz__random_play_keeps_every_invariant(problem: Problem) -> None:
    steps, episodes, violations = fuzz(problem, seconds=1.0, batch=16, seed=0)
    assert episodes > 0 and violations == 0, (steps, episodes, violations)


@pytest.mark.parametrize(("problem", "env_id"), ENV_CASES)
def test_render__every_mode(problem: Problem, env_id: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    modes = gym.make(env_id, **env_kwargs(problem)).unwrapped.metadata["render_modes"]
    rng = np.random.default_rng(0)
    for mode in modes:
        env = gym.make(env_id, render_mode=mode, **env_kwargs(problem))
        env.reset(seed=0)
        env.step(random_action(env.unwrapped.action_space, env.unwrapped.action_masks(), rng))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-interactive.*")  # "human" under Agg
            out = env.render()
        if mode == "ansi":
            assert isinstance(out, str) and out.strip()
        elif mode == "rgb_array":
            assert isinstance(out, np.ndarray) and out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8
            assert out.std() > 0  # something was drawn
        else:
            assert mode == "human" and out is None
        env.close()
    vmodes = gym.make_vec(env_id, 1, vectorization_mode="vector_entry_point", **env_kwargs(problem)).metadata["render_modes"]
    for mode in vmodes:
        venv = gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point", render_mode=mode, **env_kwargs(problem))
        venv.reset(seed=0)
        frames = venv.render()
        assert len(frames) == 2
        for f in frames:
            if mode == "ansi":
                assert isinstance(f, str) and f.strip()
            else:
                assert f.ndim == 3 and f.shape[2] == 3 and f.dtype == np.uint8


# --- bad input ------------------------------------------------------------------------------------


def _array_fields(instance: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(instance) if isinstance(getattr(instance, f.name), np.ndarray)]


def _replace(instance: Any, **changes: Any) -> Any:
    return instance.replace(**changes) if hasattr(instance, "replace") else dataclasses.replace(instance, **changes)


def _corruptions(arr: np.ndarray) -> dict[str, np.ndarray]:
    nan = arr.astype(np.float64)
    nan.flat[-1] = np.nan
    out = {"nan": nan, "short": arr[:-1].copy(), "extra axis": arr[..., None].copy()}
    if arr.ndim == 2:
        out["extra column"] = np.concatenate([arr, arr[:, :1]], axis=1)
    return out


@pytest.mark.parametrize("problem", PROBLEM_CASES)
def test_instance__corrupt_array_field_raises_naming_it(problem: Problem) -> None:
    inst = problem.tiny_instance()
    fields = _array_fields(inst)
    assert fields, "the tiny instance has no array field to corrupt"
    for name in fields:
        for what, bad in _corruptions(np.asarray(getattr(inst, name))).items():
            with pytest.raises(InstanceError) as exc:
                _replace(inst, **{name: bad})
            assert name in str(exc.value), f"{name} ({what}): {exc.value}"


@pytest.mark.parametrize("problem", PROBLEM_CASES)
def test_instance__negative_value_is_rejected_naming_the_field_or_plays_feasibly(problem: Problem) -> None:
    """Where a negative is meaningless (distances, demands, durations) it must raise naming the field;
    where it is meaningful (coordinates) the instance must play and evaluate consistently."""
    inst = problem.tiny_instance()
    env_id = problem.env_id
    for name in _array_fields(inst):
        arr = np.asarray(getattr(inst, name))
        neg = arr.astype(np.float64) if arr.dtype.kind in "iub" else arr.copy()
        neg.flat[-1] = -1.0
        try:
            changed = _replace(inst, **{name: neg})
        except InstanceError as exc:
            assert name in str(exc), f"{name}: {exc}"
            continue
        env = gym.make(env_id, instance=changed)
        total, term, info = play(env, np.random.default_rng(0))
        assert term
        check_objective(problem, changed, total, info)


def _samples(fmt: Any) -> list[Path]:
    """Up to eight of the smallest bundled files of this format (tests/data; none for a set that
    cannot be redistributed, whose loader then meets only the garbage file)."""
    found = []
    for suffix in fmt.suffixes:
        for path in BUNDLED_DATA.rglob(f"*{suffix}"):
            try:
                head = path.read_text(errors="replace")[:4096]
            except OSError:
                continue
            if fmt.sniff(path, head):
                found.append(path)
    return sorted(found, key=lambda p: (p.stat().st_size, p.name))[:8]


@pytest.mark.parametrize("problem", FORMAT_CASES)
def test_loaders__garbage_and_truncated_files_raise(problem: Problem, tmp_path: Path) -> None:
    from routing_gym.envs import load_instance

    for fmt in problem.formats:
        suffix = fmt.suffixes[0] if fmt.suffixes else ".txt"
        garbage = tmp_path / f"garbage{suffix}"
        garbage.write_text("NAME : garbage\nTHIS IS NOT AN INSTANCE\n1 2 x\n\x01\x02\n")
        with pytest.raises(InstanceError, match="garbage"):
            fmt.load(garbage)
        with pytest.raises(InstanceError, match="garbage"):
            load_instance(garbage)
        samples = _samples(fmt)
        for sample in samples:
            text = sample.read_text()
            assert fmt.load(sample) is not None  # the intact file loads
            for frac in (0.3, 0.6, 0.95):
                cut = tmp_path / f"cut{int(frac * 100)}_{sample.name}"
                cut.write_text(text[: int(len(text) * frac)])
                with pytest.raises(InstanceError, match=cut.name.replace(".", r"\.")):
                    fmt.load(cut)


# --- solvers ----------------------------------------------------------------------------------------


def _solver_cases() -> list[Any]:
    try:
        from routing_gym.baselines.base import _REGISTRY, available_solvers

        available_solvers()
    except Exception as exc:  # noqa: BLE001 - reported by the test below, not as a collection error
        return [pytest.param(None, f"{type(exc).__name__}: {exc}", id="solver-registry")]
    cases = []
    for name in available_solvers():
        if not _REGISTRY[name].__module__.startswith("routing_gym."):
            continue  # stand-ins registered by other test modules
        claimed = _REGISTRY[name].problems
        for p in PROBLEMS:
            if p.name in claimed:
                cases.append(pytest.param(p, name, id=f"{p.name}-{name}"))
    return cases


@pytest.mark.parametrize(("problem", "solver_name"), _solver_cases())
def test_solvers__feasible_or_explicit_failure(problem: Problem, solver_name: str) -> None:
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import replay

    assert problem is not None, f"listing the solvers failed: {solver_name}"
    inst = problem.tiny_instance()
    solver = make_solver(solver_name, time_limit=0.2)
    if not solver.supports(inst):
        # the agent claims a problem only through a shipped checkpoint; none may exist for it
        pytest.skip(f"{solver_name} has no model for {problem.name}")
    result = solver(inst)
    if result.ok:
        verdict = replay(problem.env_id, inst, result.solution)
        assert verdict.feasible, f"{solver_name} returned an infeasible solution marked ok: {verdict.message}"
        assert math.isfinite(verdict.cost)
    else:
        assert result.status in ("failed", "timeout", "unsupported") and result.message, result
