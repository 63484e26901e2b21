"""Random query streams from a latent skill model (IRT-style), over a fixed model library."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from routing_gym.envs.query_router.types import QueryRouterInstance
from routing_gym.errors import InstanceError

#: the default task families (Tryage's code, general text, clinical and patents)
FAMILIES = ("code", "general", "clinical", "patents")


def _check_real(value: Any, field: str, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= float(value) <= high:
        raise InstanceError(f"{field}: expected a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _check_int(value: Any, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InstanceError(f"{field}: expected an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Library:
    """A model library: skills, sizes, ages and prices (drawn once from ``library_seed``)."""

    theta: np.ndarray  # (M, F + 1): general skill, then one skill per family
    size: np.ndarray  # (M,) billions of parameters
    age: np.ndarray  # (M,) years since release
    price: np.ndarray  # (M,) cost of a query of unit length
    names: tuple[str, ...]


@dataclass(frozen=True)
class QueryRouterGenerator:
    """Query streams with a latent skill model: ``P(correct) = sigmoid(a_q . theta_m - b_q)``.

    The library of ``num_models`` models is fixed by ``library_seed`` (like a real one):
    model ``m`` has a size (log-uniform in 1..100 B parameters), an age, a price per unit of
    query length ``~ size ** cost_spread``, and a skill vector ``theta_m`` over one general skill
    (growing with log size) and one skill per family. ``complementarity`` in ``[0, 1]`` moves
    skill from the general axis to one family each model specialises in: at 0 the biggest model
    is best everywhere, near 1 every family has its own best model.

    A query has a family ``f`` (uniform, tilted towards the last families by ``shift``), a
    demand vector ``a_q`` (the general axis and family ``f``'s axis, plus noise), a difficulty
    ``b_q ~ N(shift, 1)`` and a length (log-normal). Its correctness under each model is a
    Bernoulli draw of the sigmoid, flipped with probability ``label_noise``; its cost is
    ``price * length``. The features a router sees are ``a_q``, ``b_q`` and the log length,
    each plus ``N(0, feature_noise)`` noise. Every draw comes from the ``rng`` passed in.

    Every instance also carries ``num_train`` training queries (the same library, drawn from
    ``train_seed`` with ``shift = 0``: with ``shift != 0`` the test stream is shifted away
    from the training distribution), on which the fitted routers learn.

    :param num_models: models ``M`` (at least 1).
    :param num_queries: queries per stream.
    :param num_families: task families (the first names of :data:`FAMILIES`, then ``family4``...).
    :param budget_ratio: the budget as a share of the cost of sending every query to the
        most expensive model (``>= 1``: unconstrained).
    :param cost_weight: the user's weight on cost (reward per cost unit).
    :param size_weight: the user's weight on model size (reward per 100 B parameters).
    :param age_weight: the user's weight on model age (reward per year).
    :param complementarity: specialisation of the models, in ``[0, 1]``.
    :param cost_spread: exponent of price in size (0: every model costs the same).
    :param label_noise: probability that an observed correctness is flipped, in ``[0, 0.5]``.
    :param shift: train/test shift of the stream (difficulty and family mix).
    :param feature_noise: standard deviation of the noise on the observed features.
    :param allow_abstain: whether queries may go unanswered while a model is affordable.
    :param num_train: training queries per instance.
    :param library_seed: seed of the model library.
    :param train_seed: seed of the training queries.
    """

    num_models: int = 6
    num_queries: int = 100
    num_families: int = 4
    budget_ratio: float = 0.3
    cost_weight: float = 0.0
    size_weight: float = 0.0
    age_weight: float = 0.0
    complementarity: float = 0.6
    cost_spread: float = 1.0
    label_noise: float = 0.0
    shift: float = 0.0
    feature_noise: float = 0.3
    allow_abstain: bool = False
    num_train: int = 400
    library_seed: int = 0
    train_seed: int = 12345
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_int(self.num_models, "num_models", 1)
        _check_int(self.num_queries, "num_queries", 1)
        _check_int(self.num_families, "num_families", 1)
        _check_int(self.num_train, "num_train", 0)
        _check_int(self.library_seed, "library_seed", 0)
        _check_int(self.train_seed, "train_seed", 0)
        _check_real(self.budget_ratio, "budget_ratio", 1e-9)
        for name in ("cost_weight", "size_weight", "age_weight", "cost_spread", "feature_noise"):
            _check_real(getattr(self, name), name, 0.0)
        _check_real(self.complementarity, "complementarity", 0.0, 1.0)
        _check_real(self.label_noise, "label_noise", 0.0, 0.5)
        _check_real(self.shift, "shift", -10.0, 10.0)
        if not isinstance(self.allow_abstain, bool):
            raise InstanceError(f"allow_abstain: expected true or false, got {self.allow_abstain!r}")

    @property
    def family_names(self) -> tuple[str, ...]:
        return tuple(FAMILIES[f] if f < len(FAMILIES) else f"family{f}" for f in range(self.num_families))

    def library(self) -> Library:
        """The model library (drawn once from ``library_seed``)."""
        if "library" not in self._cache:
            self._cache["library"] = self._draw_library(np.random.default_rng(self.library_seed))
        return self._cache["library"]

    def _draw_library(self, rng: np.random.Generator) -> Library:
        m, f = int(self.num_models), int(self.num_families)
        size = np.sort(np.exp(rng.uniform(0.0, math.log(100.0), m)))
        general = 1.0 + 0.6 * np.log(size)
        special = rng.permutation(np.arange(m) % f)  # specialities spread over the families
        theta = np.zeros((m, f + 1))
        c = float(self.complementarity)
        theta[:, 0] = (1.0 - c) * general + c * 0.5 * general.mean()
        theta[np.arange(m), 1 + special] = c * (2.0 + rng.uniform(0.0, 1.5, m))
        theta[:, 1:] += rng.normal(0.0, 0.2, (m, f))
        age = rng.uniform(0.0, 3.0, m)
        price = 0.01 * size ** float(self.cost_spread)
        names = tuple(f"m{i}-{size[i]:.0f}b-{self.family_names[special[i]]}" for i in range(m))
        return Library(theta, size, age, price, names)

    def _queries(self, rng: np.random.Generator, shape: tuple[int, ...], shift: float) -> dict[str, np.ndarray]:
        """Families, correctness, costs and features of ``shape`` queries of the library."""
        lib, f = self.library(), int(self.num_families)
        tilt = np.exp(shift * np.arange(f) / max(f - 1, 1))
        family = rng.choice(f, size=shape, p=tilt / tilt.sum())
        demand = np.zeros(shape + (f + 1,))
        demand[..., 0] = rng.uniform(0.2, 1.0, shape)
        np.put_along_axis(demand, (1 + family)[..., None], rng.uniform(0.5, 1.5, shape + (1,)), axis=-1)
        difficulty = rng.normal(shift, 1.0, shape)
        log_len = rng.normal(0.0, 0.5, shape)
        p = 1.0 / (1.0 + np.exp(-(demand @ lib.theta.T - difficulty[..., None])))
        correct = rng.random(p.shape) < p
        flip = rng.random(p.shape) < float(self.label_noise)
        quality = (correct ^ flip).astype(np.float64)
        cost = lib.price * np.exp(log_len)[..., None]
        seen = np.concatenate([demand, difficulty[..., None], log_len[..., None]], axis=-1)
        features = seen + rng.normal(0.0, float(self.feature_noise), seen.shape)
        return {"quality": quality, "cost": cost, "features": features, "family": family}

    def training_queries(self) -> dict[str, np.ndarray]:
        """The ``num_train`` training queries (same library, ``train_seed``, no shift)."""
        if "train" not in self._cache:
            self._cache["train"] = self._queries(np.random.default_rng(self.train_seed), (int(self.num_train),), 0.0)
        return self._cache["train"]

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` streams in the kernel's layout (see ``QueryRouterKernel.stack``)."""
        lib, q = self.library(), int(self.num_queries)
        stream = self._queries(rng, (size, q), float(self.shift))
        budget = float(self.budget_ratio) * stream["cost"].max(axis=2).sum(axis=1)
        train = self.training_queries()
        flags = np.stack([lib.size / 100.0, lib.age], axis=1)
        out = {**stream, "num_queries": np.full(size, q, dtype=np.int64), "budget": budget,
               "cost_weight": np.full(size, float(self.cost_weight)),
               "flags": np.repeat(flags[None], size, axis=0),
               "flag_weights": np.repeat(np.array([[self.size_weight, self.age_weight]], dtype=np.float64), size, axis=0),
               "allow_abstain": np.full(size, bool(self.allow_abstain))}
        for k, v in train.items():
            out[f"train_{k}"] = np.repeat(v[None], size, axis=0)
        out["model_names"] = np.array([lib.names] * size)
        out["family_names"] = np.array([self.family_names] * size)
        out["flag_names"] = np.array([("size", "age")] * size)
        return out

    def __call__(self, rng: np.random.Generator) -> QueryRouterInstance:
        from routing_gym.envs.query_router.kernel import QueryRouterKernel

        return QueryRouterKernel.make_instance(self.sample(rng, 1), 0)
