"""Generated expert-routing tables with the structure the MoE routing literature reports.

The generative model
--------------------
A *model* (fixed by ``model_seed``, ``num_layers`` and ``num_experts``, like one trained MoE
network) and *tokens* (drawn from the episode's ``rng``):

Model, from ``numpy.random.default_rng([model_seed, num_layers, num_experts])``:

* the value of the experts depends on the layer: a scale ``v_l = 0.03 + 0.12 exp(-(l - c)^2 /
  (2 w^2))`` around a critical layer ``c ~ U(0.2, 0.8) (L - 1)``, ``w = max(1, L / 6)``;
* expert affinities ``W_l`` of shape ``(d, E)``, correlated from layer to layer
  (``W_l = 0.7 W_{l-1} + 0.71 N(0, I / d)``): a token's favourite experts persist, so reusing
  an expert at the next layer (which saves ``reuse``) is often, not always, right;
* a difficulty direction ``a ~ N(0, I / d)``.

Tokens: features ``x_t ~ N(0, I_d)`` clipped to ``[-3, 3]``; difficulty ``z_t = sigmoid(a . x_t +
noise e_t)``; gate logits ``gate[t, l, e] = (x_t W_l)_e (1.5 - z_t)``: the gate is flatter for
hard tokens, which is why dynamic top-p routing gives them more experts (Huang et al. 2024,
"Harder tasks need more experts"); gains ``gain[t, l, e] = v_l (0.5 + 1.5 z_t) exp(0.8 (x_t W_l)_e
+ noise e_tle)``: hard tokens gain more from every extra expert. The base loss is ``1 + 2 z_t``
plus the decayed value of each layer's ``max_experts`` best experts, so that the best routing
leaves about ``1 + 2 z_t``. Interactions: two consecutive layers with at most one expert each
add ``thin``; each expert reused at the next layer saves ``reuse``. The hidden noise makes the
hindsight oracle better than any router that sees only the features and the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from routing_gym.envs.moe_router.types import MAX_FEATURES, MoERouterInstance, set_value
from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.errors import InstanceError


@dataclass(frozen=True)
class MoEModel:
    """The fixed part of the generative model (one network): see the module docstring."""

    layer_value: np.ndarray  # (L,)
    affinity: np.ndarray  # (L, d, E)
    difficulty: np.ndarray  # (d,)
    critical_layer: float


@lru_cache(maxsize=64)
def moe_model(model_seed: int, num_layers: int, num_experts: int, num_features: int = MAX_FEATURES) -> MoEModel:
    """The model of ``model_seed`` at ``num_layers`` layers and ``num_experts`` experts (deterministic; cached)."""
    rng = np.random.default_rng([model_seed, num_layers, num_experts])
    L, E, d = num_layers, num_experts, num_features
    centre = rng.uniform(0.2, 0.8) * (L - 1)
    width = max(1.0, L / 6.0)
    value = 0.03 + 0.12 * np.exp(-((np.arange(L) - centre) ** 2) / (2 * width**2))
    scale = 1.0 / np.sqrt(d)
    w = np.zeros((L, d, E))
    w[0] = rng.normal(0.0, scale, (d, E))
    for l in range(1, L):
        w[l] = 0.7 * w[l - 1] + np.sqrt(1 - 0.7**2) * rng.normal(0.0, scale, (d, E))
    a = rng.normal(0.0, scale, d)
    for arr in (value, w, a):
        arr.setflags(write=False)
    return MoEModel(value, w, a, float(centre))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class MoERouterGenerator:
    """Batches of tokens routed through one generated mixture-of-experts model (module docstring).

    :param num_experts: ``E`` experts per layer (the size parameter).
    :param num_layers: ``L`` layers.
    :param num_tokens: ``T`` tokens per episode.
    :param max_experts: at most this many experts per layer and token (top-k's ``k`` is usually below it).
    :param compute_weight: price of one expert call in the objective.
    :param token_budget: expert calls per token, or ``None``.
    :param batch_budget: expert calls per episode (all tokens), or ``None``.
    :param decay: weight ratio of successive experts of a set (diminishing returns).
    :param reuse: loss saved per expert reused at the next layer.
    :param thin: extra loss of two consecutive layers with at most one expert each.
    :param noise: scale of the hidden per-token and per-expert noise.
    :param model_seed: seed of the fixed model (layer values, affinities).
    """

    num_experts: int = 8
    num_layers: int = 12
    num_tokens: int = 8
    max_experts: int = 3
    compute_weight: float = 0.06
    token_budget: int | None = None
    batch_budget: int | None = None
    decay: float = 0.6
    reuse: float = 0.01
    thin: float = 0.03
    noise: float = 0.3
    model_seed: int = 0

    def __post_init__(self) -> None:
        check_int_arg(self.num_experts, "num_experts", low=1, high=64)
        check_int_arg(self.num_layers, "num_layers", low=1, high=256)
        check_int_arg(self.num_tokens, "num_tokens", low=1, high=4096)
        check_int_arg(self.max_experts, "max_experts", low=1, high=self.num_experts)
        check_real_arg(self.compute_weight, "compute_weight", 0.0)
        for name in ("token_budget", "batch_budget"):
            if getattr(self, name) is not None:
                check_int_arg(getattr(self, name), name, low=0)
        check_real_arg(self.decay, "decay", 0.0, high=1.0)
        check_real_arg(self.reuse, "reuse", 0.0)
        check_real_arg(self.thin, "thin", 0.0)
        check_real_arg(self.noise, "noise", 0.0)
        if isinstance(self.model_seed, bool) or not isinstance(self.model_seed, (int, np.integer)) or self.model_seed < 0:
            raise InstanceError(f"model_seed: expected an integer >= 0, got {self.model_seed!r}")

    @property
    def model(self) -> MoEModel:
        return moe_model(int(self.model_seed), int(self.num_layers), int(self.num_experts))

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` instances as arrays with a leading batch axis (the kernel's layout)."""
        m = self.model
        T, L, E, d = int(self.num_tokens), int(self.num_layers), int(self.num_experts), MAX_FEATURES
        x = np.clip(rng.normal(0.0, 1.0, (size, T, d)), -3.0, 3.0)
        z = _sigmoid(x @ m.difficulty + self.noise * rng.normal(0.0, 1.0, (size, T)))
        logits = np.einsum("btd,lde->btle", x, m.affinity)
        gate = logits * (1.5 - z)[..., None, None]
        noise = self.noise * rng.normal(0.0, 1.0, (size, T, L, E))
        gain = m.layer_value[:, None] * (0.5 + 1.5 * z)[..., None, None] * np.exp(0.8 * logits + noise)
        top = -np.sort(-gain, axis=-1)[..., : self.max_experts]
        base = 1.0 + 2.0 * z + set_value(top, float(self.decay)).sum(axis=2)
        k = int(self.max_experts)
        return {
            "features": x, "gate": gate, "gain": gain, "base_loss": base,
            "decay": np.full(size, float(self.decay)), "reuse": np.full(size, float(self.reuse)),
            "thin": np.full(size, float(self.thin)), "max_experts": np.full(size, k, dtype=np.int64),
            "compute_weight": np.full(size, float(self.compute_weight)),
            "token_budget": np.full(size, -1 if self.token_budget is None else int(self.token_budget), dtype=np.int64),
            "batch_budget": np.full(size, -1 if self.batch_budget is None else int(self.batch_budget), dtype=np.int64),
        }

    def __call__(self, rng: np.random.Generator) -> MoERouterInstance:
        from routing_gym.envs.moe_router.kernel import MoERouterKernel

        return MoERouterKernel.make_instance(self.sample(rng, 1), 0)
