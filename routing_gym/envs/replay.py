"""The one replay: play a solution through its problem's environment, the judge of every solver.

The comparison harness, the search baselines and the tests all ask this
function whether a solution is what the environment accepts and what it costs::

    from routing_gym.envs import replay
    r = replay("routing_gym/CVRP-v0", instance, routes)   # or an env object, or None
    r.cost, r.feasible, r.message

The cost is minus the summed reward (for a maximising problem, minus the
profit: lower is better everywhere), cross-checked against the problem's
``evaluate``; a disagreement is reported as infeasible with both values, never
passed silently.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import gymnasium as gym



class Replay(NamedTuple):
    """What replaying a solution gave.

    :param cost: minus the summed reward (``nan`` unless ``feasible``).
    :param feasible: whether the episode finished without a masked action and ``evaluate`` agrees.
    :param message: why not, or ``""``.
    :param reward: the summed reward of the actions played (also when not feasible).
    :param actions: the actions of the solution (empty when it could not be converted).
    """

    cost: float
    feasible: bool
    message: str = ""
    reward: float = math.nan
    actions: tuple[Any, ...] = ()


def replay(env: str | gym.Env | None, instance: Any, solution: Any) -> Replay:
    """Play ``solution`` of ``instance`` through an environment, one ``step`` per action.

    :param env: a Gymnasium id (an env is made for ``instance``), an environment of the
        instance's problem and size (reused: it is reset on ``instance``), or ``None`` for
        the main id of the instance's problem (from the registry).
    :returns: a :class:`Replay`; a solution that cannot be converted to actions, plays
        an out-of-space or masked action, ends early or leaves the episode unfinished is
        reported as infeasible with the reason, never raised.
    :raises InstanceError: when ``env`` is an environment of another problem or size.
    """
    import routing_gym  # noqa: F401 - registers the ids (worker processes)
    from routing_gym.registry import env_id_for, problem_of

    if env is None:
        env = env_id_for(instance)
    if isinstance(env, str):
        env = gym.make(env, instance=instance)
    base = env.unwrapped
    kernel_type = base.kernel_type
    try:
        options, actions = kernel_type.solution_to_actions(instance, solution)
    except (TypeError, ValueError, IndexError) as exc:  # InstanceError included
        return Replay(math.nan, False, f"solution cannot be replayed: {exc}")
    actions = tuple(actions)
    try:
        base.reset(options={**options, "instance": instance})
    except ValueError as exc:  # e.g. a tour whose first node is out of range
        return Replay(math.nan, False, f"solution cannot be replayed: {exc}")
    total, terminated, info = 0.0, False, {}
    for i, a in enumerate(actions):
        if terminated:
            return Replay(math.nan, False, f"episode ended before action {i} of {len(actions)}", total, actions)
        try:
            _, r, terminated, truncated, info = base.step(a)
            terminated = terminated or truncated  # a kernel's step cap ends the episode too, with its solution
        except ValueError as exc:  # InvalidActionError: out of the space, or masked with invalid_action="raise"
            return Replay(math.nan, False, f"action {i}: {exc}", total, actions)
        total += r
        if info.get("invalid_action"):
            return Replay(math.nan, False, f"action {i} ({a}) is infeasible in the environment", total, actions)
    if not terminated:
        return Replay(math.nan, False, "solution leaves the episode unfinished (not every node served)", total, actions)
    problem = problem_of(instance)
    ev = problem.evaluate(instance, solution)
    objective = total if problem.sense == "max" else -total
    if not ev.feasible or not math.isclose(objective, ev.cost, rel_tol=1e-9, abs_tol=1e-9):
        # The env and evaluate disagree: a bug, never a silent pass.
        return Replay(math.nan, False, f"env objective {objective} / evaluate {ev} disagree", total, actions)
    return Replay(-total, True, "", total, actions)
