"""Query-routing environments: ``routing_gym/QueryRouter-v0``."""

from __future__ import annotations

from typing import Any

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.query_router import viewer
from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.envs.query_router.kernel import QueryRouterKernel


class QueryRouterEnv(RoutingEnv):
    """Budgeted query routing: send each query of a stream to one model of a library (Tryage, RouterBench).

    ## Description
    A stream of ``Q`` queries arrives one at a time; each goes to one of ``M`` models (or,
    where allowed, to none). Model ``m`` on query ``q`` has a quality ``quality[q, m]`` (e.g. 0/1
    correctness) and a price ``cost[q, m]`` paid from a total budget. The user trades quality
    against cost and against model flags (size, recency), as in Tryage's objective. Instances
    come from a latent skill generator (:class:`~routing_gym.envs.query_router.generator.QueryRouterGenerator`)
    or from a RouterBench-style per-query, per-model score table
    in CSV or Parquet (``load_table("t.csv", budget=B, cost_weight=w)``; ``load_instance`` takes the
    CSV form). The problem's sense is ``"max"``.

    ## Action Space
    ``Discrete(M + 1)``: ``m < M`` answers the current query with model ``m``; ``M`` abstains.
    Models whose price exceeds the remaining budget are masked; abstain is open when the
    instance allows it (``allow_abstain``) or when no model is affordable, so the mask is
    never empty. An action outside ``0..M`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict`` (16 feature columns, 8 families and 4 flags at most; fewer are zero-padded; entries
    beyond ``+-1e6`` are clipped to it):

    ================= ========== ======= ============ =====================================================
    key               shape      dtype   range        meaning
    ================= ========== ======= ============ =====================================================
    ``features``      (16,)      float32 [-1e6, 1e6]  the current query's features (embedding / hand features)
    ``family``        (8,)       int8    {0, 1}       one-hot task family of the query
    ``budget_left``   (1,)       float32 [0, 1]       remaining budget / budget (1 without a budget)
    ``budget_rate``   (1,)       float32 [0, 100]     remaining budget per query left / mean price per call
    ``queries_left``  (1,)       float32 [0, 1]       queries left (this one included) / ``Q``
    ``price``         (M,)       float32 [0, 1e6]     each model's price on this query / mean price per call
    ``penalty``       (M,)       float32 [-1e6, 1e6]  each model's deduction: ``cost_weight * cost[q, m]`` + flag penalty
    ``model_flags``   (M, 4)     float32 [0, 1e6]     each model's flags (generated: size / 100 B, age in years)
    ``action_mask``   (M+1,)     int8    {0, 1}       affordable models, then abstain
    ================= ========== ======= ============ =====================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).

    ## Rewards
    Answering query ``q`` with model ``m`` pays ``quality[q, m] - cost_weight * cost[q, m] -
    sum_k flag_weights[k] * flags[m, k]``; abstaining pays 0. The summed reward is exactly the
    objective ``evaluate_query_router(instance, solution).cost`` recomputes; ``info["cost"]`` is
    minus it (lower is better everywhere in the suite). A masked action ends the episode with
    reward ``-(sum_q max_m |utility[q, m]| + 1)``, worse than any routing, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when the stream ends (``Q`` steps). ``info["solution"]`` is one entry per query in
    stream order, the model's name or ``None`` (abstain); ``info["cost"]`` minus the objective; and
    beside the return ``info["quality"]`` (mean score), ``info["spent"]`` (budget used),
    ``info["premium_calls"]`` (share of calls to the most expensive model) and
    ``info["abstained"]`` (see :mod:`routing_gym.envs.query_router.metrics`; the share of the
    oracle's gain needs the oracle and is computed there). No truncation.

    ## Arguments
    ``gym.make("routing_gym/QueryRouter-v0", num_models=6, num_queries=100, num_families=4,
    budget_ratio=0.3, cost_weight=0.0, size_weight=0.0, age_weight=0.0, complementarity=0.6,
    cost_spread=1.0, label_noise=0.0, shift=0.0, feature_noise=0.3, allow_abstain=False,
    num_train=400, library_seed=0, train_seed=12345, instance=None, generator=None,
    render_mode=None, invalid_action="penalty")``

    * the generator's keywords: see :class:`~routing_gym.envs.query_router.generator.QueryRouterGenerator`.
    * ``generator``: a custom generator instead (anything with ``num_models`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.query_router.types.QueryRouterInstance` played at
      every reset (its model count sets ``num_models``); ``reset(options={"instance": inst})`` plays it once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib: choices per query against the
      hindsight-best model of each query) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = QueryRouterKernel
    generator_type = QueryRouterGenerator
    viewer = viewer

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        """As :meth:`RoutingEnv.step`; at the end of the stream ``info`` also holds the routing's metrics."""
        obs, reward, terminated, truncated, info = super().step(action)
        if "solution" in info:
            from routing_gym.envs.query_router.metrics import routing_stats

            info.update(routing_stats(self.instance, info["solution"]))
        return obs, reward, terminated, truncated, info


class QueryRouterVectorEnv(RoutingVectorEnv):
    """``num_envs`` query streams stepped in one numpy call (same kernel as :class:`QueryRouterEnv`).

    Create with ``gym.make_vec("routing_gym/QueryRouter-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = QueryRouterEnv
