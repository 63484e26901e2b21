"""Generic Monte Carlo tree search over any routing-gym environment.

The search only uses the kernel contract of :mod:`routing_gym.envs.kernel`
(``get_state`` / ``set_state`` snapshots, the action ``mask``, ``step``,
``done``, ``observe`` and ``solution``), so it plays every environment that
follows it: every registered problem whose kernel takes ``Discrete`` or
``MultiDiscrete`` actions (:func:`searchable_problems`). A ``MultiDiscrete`` joint
action (one move per robot) is expanded one dimension at a time (:class:`RobotByRobot`):
the tree branches over robot 0's move, then robot 1's, and the kernel steps once the
last one is chosen, so a node has at most ``max(nvec)`` children instead of
``prod(nvec)``. Rewards are (minus) costs, so a simulation's value is its
episode return, normalised min-max over the returns seen by the current search.

Two entry points:

* :class:`MCTSPlanner`: UCT / PUCT search from the current state of a batch-1
  environment (``env.unwrapped``). :meth:`MCTSPlanner.search` returns the best
  next action and leaves the environment's state exactly as it found it;
  :meth:`MCTSPlanner.solve` plays a whole episode, one committed action at a
  time. A trained agent plugs in as the rollout policy and/or the PUCT prior.
* :class:`MCTS`, the solver registered as ``mcts``: builds the environment for
  an instance and returns the best complete solution any simulation found.

The heatmap-guided k-opt search for TSP (``kopt-mcts``) lives with the TSP
baselines, :mod:`routing_gym.baselines.tsp.kopt_mcts`.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.kernel import Kernel
from routing_gym.errors import SolverError
from routing_gym.registry import env_id_for, problems

#: policy(observation, mask) -> action
Policy = Callable[[dict[str, np.ndarray], np.ndarray], int]
#: prior(observation, mask) -> (num_actions,) probabilities
Prior = Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]

ROLLOUTS = ("greedy", "random")

#: memory the greedy rollout's probe kernel may use (it evaluates every action of a state in one batched step)
PROBE_BYTES = 64 * 2**20


class _Probe:
    """Immediate reward of every action of a state, from one batched kernel step.

    A second kernel holds copies of the instance in ``batch`` rows; the state is
    broadcast into all rows and each row takes a different action. This keeps the
    greedy rollout generic (it never needs to know how a problem computes its
    rewards) at the cost of ``batch`` copies of the instance arrays, bounded by
    :data:`PROBE_BYTES` (larger action sets are probed in chunks).
    """

    def __init__(self, kernel: Kernel, instance: Any) -> None:
        per_row = sum(v.nbytes for v in vars(kernel).values() if isinstance(v, np.ndarray)) / kernel.batch_size
        self.batch = int(max(1, min(kernel.num_actions, PROBE_BYTES // max(per_row, 1.0))))
        #: whether one probe step covers every action (then whole greedy episodes run inside the probe)
        self.whole = self.batch >= kernel.num_actions
        kt = type(kernel)
        self.kernel = kt(self.batch, kernel.size)
        data = kt.stack([instance])
        self.kernel.load(np.arange(self.batch), {k: np.repeat(v, self.batch, axis=0) for k, v in data.items()})
        self.fields = tuple(kernel.get_state())
        self._acts = np.zeros(self.batch, dtype=np.int64)

    def _broadcast(self, state: dict[str, np.ndarray]) -> None:
        # a batch-1 snapshot assigned into every row (numpy broadcasting over the batch axis)
        for k, v in state.items():
            getattr(self.kernel, k)[...] = v

    def rewards(self, state: dict[str, np.ndarray], actions: np.ndarray) -> np.ndarray:
        """Reward of each of ``actions`` (all valid) taken from ``state``."""
        b = self.batch
        out = np.empty(len(actions), dtype=np.float64)
        for lo in range(0, len(actions), b):
            chunk = actions[lo : lo + b]
            self._broadcast(state)
            self._acts[:] = chunk[0]
            self._acts[: len(chunk)] = chunk
            r, _, _ = self.kernel.step(self._acts)
            out[lo : lo + len(chunk)] = r[: len(chunk)]
        return out

    def greedy_playout(self, main: Kernel) -> tuple[float, int, bool]:
        """Play the greedy policy from ``main``'s state to the episode end inside the probe (needs :attr:`whole`).

        Each step tries every valid action in its own row and copies the best row to
        all rows, so no separate step of ``main`` is needed; ``main`` is left in the
        final state. Returns ``(return, steps, reached the end)``.
        """
        pk, acts = self.kernel, self._acts
        self._broadcast(main.get_state())
        ret, steps = 0.0, 0
        while not pk.done[0]:
            valid = np.flatnonzero(pk.mask[0])
            if len(valid) == 0:
                return ret, steps, False
            acts[:] = valid[0]
            acts[: len(valid)] = valid
            r, _, _ = pk.step(acts)
            j = int(np.argmax(r[: len(valid)]))
            ret += float(r[j])
            steps += 1
            for k in self.fields:
                a = getattr(pk, k)
                a[...] = a[j : j + 1]
        main.set_state({k: getattr(pk, k)[:1].copy() for k in self.fields})
        return ret, steps, True


class RobotByRobot:
    """A batch-1 ``MultiDiscrete`` kernel as a sequence of ``Discrete`` decisions, for the search.

    Decision ``i`` of a joint step is dimension ``i``'s action (robot ``i``'s move), masked by
    that dimension's mask; the first ``d - 1`` decisions only record the choice (reward 0) and the
    last one steps the kernel with the whole joint action. Snapshots hold the kernel's state plus
    the choices made so far. ``observe`` is the kernel's observation plus ``"dimension"`` (whose
    move is next) and ``"pending"`` (the moves chosen so far this step).
    """

    def __init__(self, kernel: Kernel) -> None:
        space = kernel.action_space
        if kernel.batch_size != 1 or not isinstance(space, spaces.MultiDiscrete) or space.nvec.ndim != 1:
            raise SolverError("RobotByRobot: needs a batch-1 kernel with a one-dimensional MultiDiscrete action space")
        self.inner = kernel
        self.nvec = np.asarray(space.nvec, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.nvec)])
        self.batch_size = 1
        self.num_actions = int(self.nvec.max())
        self.turn = np.zeros(1, dtype=np.int64)
        self.pending = np.zeros((1, len(self.nvec)), dtype=np.int64)
        self.mask = np.zeros((1, self.num_actions), dtype=bool)
        self._obs: dict[str, np.ndarray] | None = None
        self._refresh()

    @property
    def done(self) -> np.ndarray:
        return self.inner.done

    def _refresh(self) -> None:
        i = int(self.turn[0])
        self.mask[0] = False
        self.mask[0, : self.nvec[i]] = self.inner.mask[0, self.offsets[i] : self.offsets[i + 1]]

    def get_state(self) -> dict[str, np.ndarray]:
        state = self.inner.get_state()
        state["_turn"], state["_pending"] = self.turn.copy(), self.pending.copy()
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.inner.set_state({k: v for k, v in state.items() if k not in ("_turn", "_pending")})
        self.turn[...] = state["_turn"]
        self.pending[...] = state["_pending"]
        self._obs = None
        self._refresh()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = int(self.turn[0])
        self.pending[0, i] = int(actions[0])
        if i + 1 < len(self.nvec):
            self.turn[0] = i + 1
            self._refresh()
            return np.zeros(1), np.zeros(1, dtype=bool), np.zeros(1, dtype=bool)
        self.turn[0] = 0
        self._obs = None
        out = self.inner.step(self.pending.copy())
        self._refresh()
        return out

    def observe(self, row: int = 0) -> dict[str, np.ndarray]:
        if self._obs is None:  # one kernel observation per joint step, shared by its decisions
            self._obs = self.inner.observe(0)
        return dict(self._obs, dimension=self.turn[0].copy(), pending=self.pending[0, : self.turn[0]].copy())

    def solution(self, row: int) -> Any:
        return self.inner.solution(row)


class _Node:
    """A search-tree node: a state reached by a fixed action sequence from the root.

    Statistics live on the parent, per action (arrays indexed like :attr:`actions`),
    so selection is a few vectorised numpy operations.
    """

    __slots__ = ("state", "ret", "steps", "actions", "order", "rank", "children", "n", "w", "best", "visits",
                 "terminal", "exhausted", "expanded", "closed", "num_closed")

    def __init__(self, state: dict[str, np.ndarray] | None, ret: float, steps: int, actions: np.ndarray,
                 order: np.ndarray, terminal: bool) -> None:
        self.state = state  # dropped once every child exists (no longer needed to expand)
        self.ret = ret  # episode return from the start of the episode to this node
        self.steps = steps  # actions taken from the start of the episode
        self.actions = actions
        self.order = order  # preference among actions: PUCT prior, or the UCT expansion order
        self.rank = np.argsort(-order, kind="stable")  # UCT expands the actions in this order
        k = len(actions)
        self.children: list[_Node | None] = [None] * k
        self.n = np.zeros(k, dtype=np.float64)
        self.w = np.zeros(k, dtype=np.float64)
        self.best = np.full(k, -np.inf)
        self.visits = 0
        self.terminal = terminal
        self.exhausted = terminal  # the whole subtree has been enumerated
        self.expanded = 0
        self.closed = np.zeros(k, dtype=bool)  # actions whose subtree is exhausted
        self.num_closed = 0


class MCTSPlanner:
    """UCT / PUCT Monte Carlo tree search over a batch-1 routing environment.

    Each simulation selects a path down the tree (UCT, or PUCT when a prior is
    given), adds one child by stepping the kernel from the parent's snapshot,
    plays the episode to its end with the rollout policy, and backs up the
    episode return. Values are returns normalised min-max over the returns seen
    (rewards are minus costs, so the scale differs per instance). Subtrees that
    have been enumerated completely are marked exhausted and never selected again,
    so a tiny instance is solved exactly once the budget covers its tree.

    :param env: the environment (``gym.make(...).unwrapped`` or anything with a
        ``kernel`` at batch size 1, ``instance``, ``get_state`` and ``set_state``),
        already reset. A ``MultiDiscrete`` kernel is searched through :class:`RobotByRobot`
        (one decision per dimension); its rollouts need ``"random"`` or a policy, which is then
        asked one dimension at a time (``obs["dimension"]``), and a prior gives the
        probabilities of that dimension's actions.
    :param c: exploration constant (UCT: ``c * sqrt(ln N / n_a)``; PUCT: ``c * P_a * sqrt(N) / (1 + n_a)``).
    :param rollout: ``"greedy"`` (the valid action of best immediate reward),
        ``"random"`` (uniform over valid actions), or a callable ``policy(obs, mask) -> action``.
    :param prior: optional ``prior(obs, mask) -> probabilities``: switches selection to PUCT.
    :param rng: random generator (random rollouts, tie-breaking and expansion order).
    """

    def __init__(self, env: Any, c: float = 0.5, rollout: str | Policy = "greedy", prior: Prior | None = None,
                 rng: np.random.Generator | None = None) -> None:
        kernel = getattr(env, "kernel", None)
        if not isinstance(kernel, Kernel) or kernel.batch_size != 1:
            raise SolverError("MCTSPlanner: env must be a routing-gym environment at batch size 1 (gym.make(...).unwrapped)")
        if not (isinstance(c, (int, float)) and math.isfinite(c) and c >= 0):
            raise SolverError(f"MCTSPlanner: c must be a finite number >= 0, got {c!r}")
        if not callable(rollout) and rollout not in ROLLOUTS:
            raise SolverError(f"MCTSPlanner: rollout must be one of {ROLLOUTS} or a callable policy(obs, mask), got {rollout!r}")
        if prior is not None and not callable(prior):
            raise SolverError(f"MCTSPlanner: prior must be a callable prior(obs, mask) -> probabilities, got {prior!r}")
        if kernel.done[0]:
            raise SolverError("MCTSPlanner: the environment's episode has ended; reset it first")
        if isinstance(kernel.action_space, spaces.MultiDiscrete):
            if rollout == "greedy":
                raise SolverError("MCTSPlanner: greedy rollouts probe whole Discrete actions; for a MultiDiscrete "
                                  "kernel give rollout='random' or a policy(obs, mask) -> action of obs['dimension']")
            kernel = RobotByRobot(kernel)
        elif not isinstance(kernel.action_space, spaces.Discrete):
            raise SolverError(f"MCTSPlanner: searches Discrete or MultiDiscrete actions, not {kernel.action_space}")
        self.env = env
        self.kernel: Kernel | RobotByRobot = kernel
        self.c = float(c)
        self.rollout = rollout
        self.prior = prior
        self.rng = rng if rng is not None else np.random.default_rng()
        self._probe = _Probe(kernel, env.instance) if rollout == "greedy" else None
        self._one = np.zeros(1, dtype=np.int64)
        #: best episode return found by any simulation, and its solution / length in steps
        self.best_return = -np.inf
        self.best_solution: Any = None
        self.best_steps = 0
        #: total simulations run
        self.simulations = 0
        self._gmin = np.inf
        self._gmax = -np.inf

    # --- kernel helpers ---------------------------------------------------
    def _step(self, action: int) -> float:
        self._one[0] = action
        r, _, invalid = self.kernel.step(self._one)
        if invalid[0]:  # pragma: no cover - only masked-valid actions are ever taken
            raise SolverError(f"MCTS took action {action}, which the environment rejected")
        return float(r[0])

    def _valid(self) -> np.ndarray:
        return np.flatnonzero(self.kernel.mask[0])

    def _order(self, state: dict[str, np.ndarray], actions: np.ndarray) -> np.ndarray:
        """Preference weights of ``actions`` (kernel is in ``state``): PUCT prior, or UCT expansion order."""
        k = len(actions)
        if self.prior is not None:
            p = np.asarray(self.prior(self.kernel.observe(0), self.kernel.mask[0].copy()), dtype=np.float64)
            if p.shape != (self.kernel.num_actions,):
                raise SolverError(f"prior returned shape {p.shape}, expected ({self.kernel.num_actions},)")
            p = np.clip(np.nan_to_num(p[actions]), 0.0, None)
            s = p.sum()
            return p / s if s > 0 else np.full(k, 1.0 / k)
        if self._probe is not None and k > 1:
            # expand the greedy (cheapest) actions first; ranks, so the scale of costs does not matter
            r = self._probe.rewards(state, actions)
            ranks = np.empty(k)
            ranks[np.argsort(-r, kind="stable")] = np.arange(k, 0, -1)
            return ranks
        return self.rng.random(k)

    def _policy_action(self) -> int:
        """The rollout policy's action in the kernel's current state (not done, some action valid)."""
        valid = self._valid()
        if len(valid) == 1:
            return int(valid[0])
        if self.rollout == "random":
            return int(valid[self.rng.integers(len(valid))])
        if self.rollout == "greedy":
            r = self._probe.rewards(self.kernel.get_state(), valid)  # type: ignore[union-attr]
            return int(valid[int(np.argmax(r))])
        a = int(self.rollout(self.kernel.observe(0), self.kernel.mask[0].copy()))  # type: ignore[operator]
        if not (0 <= a < self.kernel.num_actions and self.kernel.mask[0, a]):
            raise SolverError(f"rollout policy chose action {a}, which is masked (infeasible) in this state")
        return a

    def _playout(self, ret: float, steps: int) -> float:
        """Play from the kernel's current state to the episode end; record the best solution; return the return."""
        k = self.kernel
        dead_end = self._gmin if math.isfinite(self._gmin) else ret  # no valid action, episode not over: worst value seen
        if self._probe is not None and self._probe.whole:
            r, s, finished = self._probe.greedy_playout(k)
            if not finished:
                return dead_end
            ret, steps = ret + r, steps + s
        while not k.done[0]:
            if not k.mask[0].any():
                return dead_end
            ret += self._step(self._policy_action())
            steps += 1
        if ret > self.best_return:
            self.best_return, self.best_solution, self.best_steps = ret, k.solution(0), steps
        return ret

    # --- tree ---------------------------------------------------------------
    def _make_node(self, ret: float, steps: int) -> _Node:
        """A node for the kernel's current state."""
        k = self.kernel
        if k.done[0]:
            return _Node(None, ret, steps, np.zeros(0, dtype=np.int64), np.zeros(0), True)
        state = k.get_state()
        actions = self._valid()
        return _Node(state, ret, steps, actions, self._order(state, actions), False)

    def _new_root(self) -> _Node:
        # returns and step counts are measured from this state on
        state = self.kernel.get_state()
        root = self._make_node(0.0, 0)
        self.kernel.set_state(state)
        return root

    def _select(self, node: _Node) -> int:
        """Index (into ``node.actions``) of the action to follow; the node is not exhausted."""
        if self.prior is None and node.expanded < len(node.actions):
            # UCT: try every action once, in the preferred order, before exploiting
            return int(node.rank[node.expanded])
        span = self._gmax - self._gmin
        if span > 0:
            q = (node.w / np.maximum(node.n, 1.0) - self._gmin) / span
        else:
            q = np.full(len(node.actions), 0.5)
        if self.prior is None:
            score = q + self.c * np.sqrt(math.log(node.visits) / node.n)
        else:
            fresh = node.n == 0
            if fresh.any():  # first-play urgency: an unvisited action is worth the mean of the visited ones
                q[fresh] = q[~fresh].mean() if node.expanded else 0.5
            score = q + self.c * node.order * math.sqrt(max(node.visits, 1)) / (1.0 + node.n)
        if node.num_closed:
            score[node.closed] = -np.inf
        top = score.max()
        best = np.flatnonzero(score == top)
        return int(best[0] if len(best) == 1 else best[self.rng.integers(len(best))])

    def _simulate(self, root: _Node) -> None:
        """One simulation from ``root``: select, expand, roll out, back up."""
        path: list[tuple[_Node, int]] = []
        node = root
        while True:
            i = self._select(node)
            path.append((node, i))
            child = node.children[i]
            if child is None:
                self.kernel.set_state(node.state)  # type: ignore[arg-type]
                r = self._step(int(node.actions[i]))
                child = self._make_node(node.ret + r, node.steps + 1)
                node.children[i] = child
                node.expanded += 1
                if node.expanded == len(node.actions):
                    node.state = None  # every child exists: this snapshot is never needed again
                g = child.ret if child.terminal else self._playout(child.ret, child.steps)
                if child.terminal and g > self.best_return:
                    self.best_return, self.best_solution, self.best_steps = g, self.kernel.solution(0), child.steps
                break
            if child.terminal:  # re-visiting a finished episode: its value is known
                g = child.ret
                break
            node = child
        self._gmin, self._gmax = min(self._gmin, g), max(self._gmax, g)
        for node, i in reversed(path):
            node.n[i] += 1.0
            node.w[i] += g
            if g > node.best[i]:
                node.best[i] = g
            node.visits += 1
            if not node.closed[i] and node.children[i].exhausted:  # type: ignore[union-attr]
                node.closed[i] = True
                node.num_closed += 1
                node.exhausted = node.num_closed == len(node.actions)
        self.simulations += 1

    def _run(self, root: _Node, simulations: int | None, deadline: float | None) -> int:
        """At least one simulation (so every searched decision learns something), then up to the budget."""
        done = 0
        while not root.exhausted and (simulations is None or done < simulations):
            if done and deadline is not None and time.perf_counter() >= deadline:
                break
            self._simulate(root)
            done += 1
        return done

    @staticmethod
    def _commit_index(root: _Node) -> int:
        """The root action on the path of the best return found (ties: most visited)."""
        key = np.lexsort((root.n, root.best))
        return int(key[-1])

    # --- public API ---------------------------------------------------------
    def search(self, simulations: int | None = None, time_limit: float | None = None) -> int:
        """Search from the environment's current state and return the best next action.

        The environment's state is restored exactly before returning.

        :param simulations: number of simulations, or ``None`` for no count limit.
        :param time_limit: seconds, or ``None`` for no time limit (one of the two is required).
        """
        if simulations is None and time_limit is None:
            raise SolverError("MCTSPlanner.search: give simulations or time_limit")
        if self.kernel.done[0]:
            raise SolverError("MCTSPlanner.search: the episode has ended")
        snapshot = self.kernel.get_state()
        try:
            root = self._new_root()
            deadline = None if time_limit is None else time.perf_counter() + time_limit
            if len(root.actions) > 1:
                self._run(root, max(1, simulations) if simulations is not None else None, deadline)
            return int(root.actions[self._commit_index(root)]) if root.visits else int(root.actions[0])
        finally:
            self.kernel.set_state(snapshot)

    def solve(self, simulations: int | None = None, time_limit: float | None = None) -> tuple[Any, float]:
        """Play the episode from the current state to its end; return ``(solution, return)``.

        The budget is split over the remaining decisions (estimated from the length
        of the best episode found so far); forced moves (one valid action) take no
        budget; the tree below each committed action is kept. The answer is the best
        complete episode any simulation found, which is never worse than the first
        rollout from the start, i.e. the rollout policy alone. The environment is
        left somewhere in the episode: reset it (or restore a snapshot) to reuse it.

        :param simulations: total simulations for the episode, or ``None``.
        :param time_limit: total seconds for the episode, or ``None`` (one of the two is required).
        """
        if simulations is None and time_limit is None:
            raise SolverError("MCTSPlanner.solve: give simulations or time_limit")
        t_end = None if time_limit is None else time.perf_counter() + time_limit
        left = simulations
        root = self._new_root()
        if not root.terminal:
            start = self.kernel.get_state()
            self._playout(root.ret, root.steps)  # the rollout policy's own answer: the floor of the result
            self.kernel.set_state(start)
        while not root.terminal:
            out = left == 0 or (t_end is not None and time.perf_counter() >= t_end)
            if not out and len(root.actions) > 1 and not root.exhausted:
                decisions = max(1, self.best_steps - root.steps)
                sims = None if left is None else max(1, -(-left // decisions))
                deadline = None if t_end is None else time.perf_counter() + max(0.0, t_end - time.perf_counter()) / decisions
                used = self._run(root, sims, deadline)
                if left is not None:
                    left = max(0, left - used)
            elif out and root.visits == 0:
                break  # out of budget with nothing learnt here: the best episode found is the answer
            i = self._commit_index(root) if root.visits else int(root.rank[0])
            child = root.children[i]
            if child is None:
                self.kernel.set_state(root.state)  # type: ignore[arg-type]
                r = self._step(int(root.actions[i]))
                child = self._make_node(root.ret + r, root.steps + 1)
            root = child
            if root.state is not None:
                self.kernel.set_state(root.state)
            if root.terminal and root.ret > self.best_return:
                self.best_return, self.best_solution, self.best_steps = root.ret, self.kernel.solution(0), root.steps
        return self.best_solution, self.best_return


def _as_policy(value: Any, what: str) -> Any:
    if value is None or callable(value):
        return value
    raise SolverError(f"mcts: {what} must be a callable, got {value!r}")


@register_solver("mcts")
class MCTS(Solver):
    """Generic UCT / PUCT Monte Carlo tree search (see :class:`MCTSPlanner`).

    Builds ``gym.make(env_id, instance=instance).unwrapped`` (the environment
    registered for the instance type, unless ``env_id`` is given), searches one
    decision at a time with the budget split over the decisions, and returns the
    best complete solution found by any simulation.

    :param time_limit: seconds per instance (``None``: only ``simulations`` bounds the search).
    :param seed: seed of the search's random generator.
    :param simulations: total simulations per instance, or ``None`` (then ``time_limit`` bounds it).
    :param c: exploration constant.
    :param rollout: ``"greedy"``, ``"random"`` or a callable ``policy(obs, mask) -> action``.
    :param prior: optional callable ``prior(obs, mask) -> probabilities``; enables PUCT.
    :param env_id: environment id to play the instance in; looked up from the instance type by default.
    """

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, simulations: int | None = None, c: float = 0.5,
                 rollout: str | Policy = "greedy", prior: Prior | None = None, env_id: str | None = None) -> None:
        super().__init__(time_limit=time_limit, seed=seed)
        if simulations is not None and (not isinstance(simulations, (int, np.integer)) or simulations < 1):
            raise SolverError(f"mcts: simulations must be a positive integer or None, got {simulations!r}")
        if simulations is None and self.time_limit is None:
            raise SolverError("mcts: give time_limit or simulations (both are None)")
        if not (isinstance(c, (int, float)) and math.isfinite(c) and c >= 0):
            raise SolverError(f"mcts: c must be a finite number >= 0, got {c!r}")
        if not callable(rollout) and rollout not in ROLLOUTS:
            raise SolverError(f"mcts: rollout must be one of {ROLLOUTS} or a callable policy(obs, mask), got {rollout!r}")
        self.simulations = None if simulations is None else int(simulations)
        self.c = float(c)
        self.rollout = rollout
        self.prior = _as_policy(prior, "prior")
        self.env_id = env_id
        #: statistics of the last :meth:`solve`: simulations run, best return
        self.last_stats: dict[str, float] = {}

    def supports(self, instance: Any) -> bool:
        return self.env_id is not None or super().supports(instance)

    def make_env(self, instance: Any) -> Any:
        """The batch-1 environment the search plays ``instance`` in, reset."""
        env = gym.make(self.env_id or env_id_for(instance), instance=instance).unwrapped
        env.reset(seed=self.seed)
        return env

    def solve(self, instance: Any) -> Any:
        """The problem's hook when it has one (e.g. a default rollout policy for robots), else :meth:`plan`."""
        from routing_gym.baselines.base import load_problem_hooks
        from routing_gym.registry import problem_of

        if self.env_id is None:
            name = problem_of(instance).name
            if name not in self.hooks:
                load_problem_hooks()
            if name in self.hooks:
                return super().solve(instance)
        return self.plan(instance)

    def plan(self, instance: Any, rollout: str | Policy | None = None, prior: Prior | None = None) -> Any:
        """Search ``instance`` with this solver's settings; ``rollout`` / ``prior`` replace its own when given."""
        env = self.make_env(instance)
        planner = MCTSPlanner(env, c=self.c, rollout=rollout or self.rollout, prior=prior or self.prior,
                              rng=np.random.default_rng(self.seed))
        solution, ret = planner.solve(simulations=self.simulations, time_limit=self.time_limit)
        self.last_stats = {"simulations": planner.simulations, "return": ret}
        if solution is None:
            raise SolverError("mcts: no simulation reached the end of an episode")
        return solution


def searchable_problems() -> tuple[str, ...]:
    """Names of the registered problems whose kernel's action space is ``Discrete`` or ``MultiDiscrete``
    (those MCTS can play; ``Box`` actions are not searched)."""
    out = []
    for problem in problems().values():
        kt = problem.kernel_type
        kernel = kt(1, kt.instance_size(problem.tiny_instance()))
        if isinstance(kernel.action_space, (spaces.Discrete, spaces.MultiDiscrete)):
            out.append(problem.name)
    return tuple(out)


MCTS.problems = searchable_problems()
