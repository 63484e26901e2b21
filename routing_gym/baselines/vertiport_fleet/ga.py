"""``ga``: a genetic algorithm over flight schedules, the optimiser the seed compares its policy against.

A chromosome is a schedule: ``genes[a, t]`` is aircraft ``a``'s destination at step ``t``, or
``V`` for "wait". It is decoded by the kernel itself (:func:`gene_rule`): at each decision the
deciding aircraft flies its gene's destination if the mask admits it, else waits; so every
chromosome is a feasible day, and its fitness is the profit the kernel books. A whole
population is decoded at once, one kernel row per chromosome.

The search: the first chromosome is the greedy schedule, the others are it mutated, plus
random ones; each generation keeps the ``elite`` best, and breeds the rest by tournament
selection (size 3), uniform crossover by aircraft (a child takes each aircraft's row from one
parent) and mutation (a few genes set to another destination, to waiting, or shifted one step).
It stops after ``generations`` or at ``time_limit``.

``view="realised"`` (default) scores chromosomes on the day itself, as the seed's GA solved each
test day: an offline optimiser that sees the realised demand, delays, closures and failures.
``view="forecast"`` scores them on ``scenarios`` days drawn from the forecast instead (arrivals
from ``demand_rate``, no delays, closures and failures as at the start) and flies the best
schedule on the real day through the same decoding: a plan made without the realised future.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.vertiport_fleet.rules import Rule, greedy_rule, play_rule
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance
from routing_gym.errors import SolverError


def gene_rule(genes: np.ndarray) -> Rule:
    """Row ``r`` flies ``genes[r, actor, clock]`` when admitted, else waits (``genes`` ``(P, A, T)``)."""

    def rule(kernel: VertiportKernel, rows: np.ndarray) -> np.ndarray:
        a, t = kernel.actor[rows], kernel.clock[rows]
        here = kernel.loc[rows, a]
        g = genes[rows, a, t]
        fly = g < kernel.num_vertiports
        ok = fly & kernel.mask[rows, np.where(fly, g, 0)]
        return np.where(ok, g, here).astype(np.int64)

    return rule


def schedule_genes(instance: VertiportInstance, flights: Sequence[Sequence[int]]) -> np.ndarray:
    """``(A, T)`` genes of a schedule: its flights' destinations, waiting elsewhere."""
    genes = np.full((instance.num_aircraft, instance.horizon), instance.num_vertiports, dtype=np.int64)
    for a, t, d in flights:
        genes[int(a), int(t)] = int(d)
    return genes


def forecast_day(instance: VertiportInstance, rng: np.random.Generator) -> VertiportInstance:
    """A day drawn from what is known at its start: Poisson arrivals of ``demand_rate``, no delays,
    the routes closed and the aircraft down at step 0 staying so."""
    t = instance.horizon
    return instance.replace(demand=rng.poisson(instance.demand_rate), takeoff_delay=np.zeros_like(instance.takeoff_delay),
                            closed=np.repeat(instance.closed[:1], t, axis=0), down=np.repeat(instance.down[:1], t, axis=0))


@register_solver("ga")
class GeneticAlgorithm(Solver):
    """Genetic algorithm over flight schedules (module docstring).

    :param population: chromosomes per generation (default 24).
    :param generations: generations at most (default 40; ``time_limit`` may stop it first).
    :param elite: best chromosomes kept unchanged (default 2).
    :param mutations: mean genes mutated per child (default 6).
    :param view: ``"realised"`` (score on the day) or ``"forecast"`` (on ``scenarios`` forecast days).
    :param scenarios: forecast days per chromosome with ``view="forecast"`` (default 4).
    """

    problems = ("vertiport_fleet",)

    def __init__(self, time_limit: float | None = 60.0, seed: int = 0, population: int = 24, generations: int = 40,
                 elite: int = 2, mutations: float = 6.0, view: str = "realised", scenarios: int = 4) -> None:
        super().__init__(time_limit, seed)
        for name, value, low in (("population", population, 4), ("generations", generations, 1), ("elite", elite, 0),
                                 ("scenarios", scenarios, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SolverError(f"ga: {name} must be an integer >= {low}, got {value!r}")
        if elite >= population:
            raise SolverError(f"ga: elite ({elite}) must be below population ({population})")
        if view not in ("realised", "forecast"):
            raise SolverError(f"ga: view must be 'realised' or 'forecast', got {view!r}")
        if not (isinstance(mutations, (int, float)) and mutations > 0):
            raise SolverError(f"ga: mutations must be a number > 0, got {mutations!r}")
        self.population, self.generations, self.elite = population, generations, elite
        self.mutations, self.view, self.scenarios = float(mutations), view, scenarios
        #: best fitness after each generation of the last solve
        self.history: list[float] = []

    def solve(self, instance: VertiportInstance) -> list[list[int]]:
        start = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        days = [instance] if self.view == "realised" else [forecast_day(instance, rng) for _ in range(self.scenarios)]
        pop = self._initial(instance, days[0], rng)
        fit = self._fitness(days, pop)
        self.history = [float(fit.max())]
        for _ in range(self.generations - 1):
            if self.time_limit is not None and time.perf_counter() - start > self.time_limit:
                break
            order = np.argsort(-fit)
            children = self._breed(pop, fit, self.population - self.elite, rng, instance.num_vertiports)
            pop = np.concatenate([pop[order[: self.elite]], children])
            fit = np.concatenate([fit[order[: self.elite]], self._fitness(days, children)])
            self.history.append(float(fit.max()))
        best = pop[int(np.argmax(fit))]
        return play_rule([instance], gene_rule(best[None]))[0][0]

    def _fitness(self, days: list[VertiportInstance], pop: np.ndarray) -> np.ndarray:
        """Mean profit of each chromosome over ``days`` (one batched decoding per day)."""
        total = np.zeros(len(pop))
        for day in days:
            total += play_rule([day] * len(pop), gene_rule(pop))[1]
        return total / len(days)

    def _initial(self, instance: VertiportInstance, day: VertiportInstance, rng: np.random.Generator) -> np.ndarray:
        """The greedy schedule (of the scored day), mutated copies of it, and a quarter of random schedules."""
        v = instance.num_vertiports
        greedy = schedule_genes(instance, play_rule([day], greedy_rule)[0][0])
        pop = np.repeat(greedy[None], self.population, axis=0)
        n_random = self.population // 4
        for i in range(1, self.population - n_random):
            self._mutate(pop[i], rng, v)
        shape = (n_random,) + greedy.shape
        pop[self.population - n_random:] = np.where(rng.random(shape) < 0.1, rng.integers(0, v, shape), v)
        return pop

    def _breed(self, pop: np.ndarray, fit: np.ndarray, n: int, rng: np.random.Generator, v: int) -> np.ndarray:
        def pick() -> np.ndarray:
            i = rng.integers(0, len(pop), 3)
            return pop[i[np.argmax(fit[i])]]

        children = np.empty((n,) + pop.shape[1:], dtype=pop.dtype)
        for c in range(n):
            p1, p2 = pick(), pick()
            take = rng.random(pop.shape[1]) < 0.5
            children[c] = np.where(take[:, None], p1, p2)
            self._mutate(children[c], rng, v)
        return children

    def _mutate(self, genes: np.ndarray, rng: np.random.Generator, v: int) -> None:
        """In place: ``Poisson(mutations)`` (at least one) genes get another destination, wait, or move a step."""
        a_n, t_n = genes.shape
        for _ in range(max(1, rng.poisson(self.mutations))):
            a, t = int(rng.integers(a_n)), int(rng.integers(t_n))
            kind = rng.integers(3)
            if kind == 0:
                genes[a, t] = rng.integers(0, v)
            elif kind == 1:
                genes[a, t] = v
            else:
                u = min(t_n - 1, max(0, t + int(rng.choice((-1, 1)))))
                genes[a, t], genes[a, u] = genes[a, u], genes[a, t]
