"""Generated loss tables with the structure Duo-LLM reports (Alizadeh et al. 2024).

The generative model
--------------------
A *model* (fixed by ``model_seed`` and ``num_layers``, like one trained network) and
*tokens* (drawn from the episode's generator, like the text it reads):

Model, from ``numpy.random.default_rng([model_seed, num_layers])``:

* small-module value per layer ``s_l = 0.12 * exp(N(0, 0.5))``; a quarter of the layers are
  nearly redundant (``s_l`` times 0.1), so skipping them costs little;
* big-module value per layer, a bump around a critical layer ``c ~ U(0.2, 0.8) * (L - 1)``:
  ``v_l = 0.25 * exp(-(l - c)^2 / (2 w^2)) + 0.02`` with ``w = max(1, L / 8)``. The value of the
  big module depends on the layer;
* a difficulty direction ``a ~ N(0, I / d)``, a token-by-layer affinity ``W ~ N(0, I / d)`` of
  shape ``(d, L)`` and an interference direction ``u ~ N(0, I / d)``;
* layer interactions: skipping two consecutive layers adds ``kappa = 0.06`` (errors compound);
  two consecutive big layers save ``beta = 0.03`` (they share a representation); and every
  pair of big layers of a token, adjacent or not, adds ``rho_t`` (the big modules are redundant
  with one another, so more big layers stop paying: one well-placed big layer can beat big
  layers everywhere, and the oracle is not "big where v_l is large").

Tokens, from the episode's ``rng``: features ``x_t ~ N(0, I_d)`` clipped to ``[-3, 3]``;
difficulty ``z_t = sigmoid(a . x_t + noise * e_t)`` (``e_t`` hidden from the router);
``gain[t, l, small] = s_l (0.5 + z_t)``; ``gain[t, l, big] = gain[t, l, small] + v_l (0.5 + 1.5 z_t)
exp(0.5 (x_t W)_l + noise * e_tl)``; ``rho_t = rho (0.5 + sigmoid(u . x_t))``; ``base_loss_t =
1 + 2 z_t + sum_l gain[t, l, small]`` (so routing every layer small leaves loss ``1 + 2 z_t``
before interactions). The hidden noise makes the hindsight oracle better than any router
that sees only the features.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from routing_gym.envs.layer_router.types import BIG, MAX_FEATURES, NUM_OPTIONS, SKIP, SMALL, LayerRouterInstance
from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.errors import InstanceError

#: extra loss of skipping two consecutive layers
KAPPA = 0.06
#: saving of two consecutive big layers
BETA = 0.03


@dataclass(frozen=True)
class LayerModel:
    """The fixed part of the generative model (one network): see the module docstring."""

    small_value: np.ndarray  # (L,)
    big_value: np.ndarray  # (L,)
    difficulty: np.ndarray  # (d,)
    affinity: np.ndarray  # (d, L)
    interference_dir: np.ndarray  # (d,)
    pair: np.ndarray  # (L - 1, 3, 3)
    critical_layer: float


@lru_cache(maxsize=64)
def layer_model(model_seed: int, num_layers: int, num_features: int = MAX_FEATURES) -> LayerModel:
    """The model of ``model_seed`` at ``num_layers`` layers (deterministic; cached)."""
    rng = np.random.default_rng([model_seed, num_layers])
    L, d = num_layers, num_features
    small = 0.12 * np.exp(rng.normal(0.0, 0.5, L))
    redundant = rng.permutation(L)[: L // 4]
    small[redundant] *= 0.1
    centre = rng.uniform(0.2, 0.8) * (L - 1)
    width = max(1.0, L / 8.0)
    big = 0.25 * np.exp(-((np.arange(L) - centre) ** 2) / (2 * width**2)) + 0.02
    scale = 1.0 / np.sqrt(d)
    a = rng.normal(0.0, scale, d)
    w = rng.normal(0.0, scale, (d, L))
    u = rng.normal(0.0, scale, d)
    pair = np.zeros((max(L - 1, 0), NUM_OPTIONS, NUM_OPTIONS))
    pair[:, SKIP, SKIP] = KAPPA
    pair[:, BIG, BIG] = -BETA
    for arr in (small, big, a, w, u, pair):
        arr.setflags(write=False)
    return LayerModel(small, big, a, w, u, pair, float(centre))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class LayerRouterGenerator:
    """Batches of tokens routed through one generated model (see the module docstring).

    :param num_layers: ``L`` layers (the size parameter).
    :param num_tokens: ``T`` tokens per episode.
    :param big_cost: compute units of a big module (a small one costs 1, skipping 0).
    :param compute_weight: price of one compute unit in the objective.
    :param token_budget: units per token, or ``None``.
    :param batch_budget: units per episode (all tokens), or ``None``.
    :param interference: ``rho``, the scale of the loss per pair of big layers.
    :param noise: scale of the hidden per-token and per-layer noise.
    :param model_seed: seed of the fixed model (layer values, affinities).
    """

    num_layers: int = 12
    num_tokens: int = 8
    big_cost: int = 4
    compute_weight: float = 0.005
    token_budget: int | None = None
    batch_budget: int | None = None
    interference: float = 0.12
    noise: float = 0.3
    model_seed: int = 0

    def __post_init__(self) -> None:
        check_int_arg(self.num_layers, "num_layers", low=1, high=256)
        check_int_arg(self.num_tokens, "num_tokens", low=1, high=4096)
        check_int_arg(self.big_cost, "big_cost", low=0)
        check_real_arg(self.compute_weight, "compute_weight", 0.0)
        for name in ("token_budget", "batch_budget"):
            if getattr(self, name) is not None:
                check_int_arg(getattr(self, name), name, low=0)
        check_real_arg(self.interference, "interference", 0.0)
        check_real_arg(self.noise, "noise", 0.0)
        if isinstance(self.model_seed, bool) or not isinstance(self.model_seed, (int, np.integer)) or self.model_seed < 0:
            raise InstanceError(f"model_seed: expected an integer >= 0, got {self.model_seed!r}")

    @property
    def model(self) -> LayerModel:
        return layer_model(int(self.model_seed), int(self.num_layers))

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` instances as arrays with a leading batch axis (the kernel's layout)."""
        m = self.model
        T, L, d = int(self.num_tokens), int(self.num_layers), MAX_FEATURES
        x = np.clip(rng.normal(0.0, 1.0, (size, T, d)), -3.0, 3.0)
        z = _sigmoid(x @ m.difficulty + self.noise * rng.normal(0.0, 1.0, (size, T)))
        small = m.small_value * (0.5 + z)[..., None]
        boost = np.exp(0.5 * (x @ m.affinity) + self.noise * rng.normal(0.0, 1.0, (size, T, L)))
        gain = np.zeros((size, T, L, NUM_OPTIONS))
        gain[..., SMALL] = small
        gain[..., BIG] = small + m.big_value * (0.5 + 1.5 * z)[..., None] * boost
        rho = self.interference * (0.5 + _sigmoid(x @ m.interference_dir))
        return {
            "features": x, "base_loss": 1.0 + 2.0 * z + small.sum(axis=2), "gain": gain,
            "pair": np.broadcast_to(m.pair, (size,) + m.pair.shape).copy(), "interference": rho,
            "unit_cost": np.broadcast_to(np.array([0.0, 1.0, float(self.big_cost)]), (size, NUM_OPTIONS)).copy(),
            "compute_weight": np.full(size, float(self.compute_weight)),
            "token_budget": np.full(size, -1 if self.token_budget is None else int(self.token_budget), dtype=np.int64),
            "batch_budget": np.full(size, -1 if self.batch_budget is None else int(self.batch_budget), dtype=np.int64),
        }

    def __call__(self, rng: np.random.Generator) -> LayerRouterInstance:
        from routing_gym.envs.layer_router.kernel import LayerRouterKernel

        return LayerRouterKernel.make_instance(self.sample(rng, 1), 0)
