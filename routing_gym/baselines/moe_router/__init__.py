"""MoERouter solvers (imported through ``Problem.baselines`` of ``moe_router``).

- ``top-k`` (``top-k:k=2``): the ``k`` highest gate logits at every layer, a fixed-k MoE router;
- ``top-p`` (``top-p:p=0.6``): dynamic top-p, the fewest highest-gate experts whose softmax mass
  reaches ``p`` (flat gates, i.e. hard tokens, get more experts);
- ``oracle``: the exact hindsight optimum by dynamic programming over expert sets
  (:mod:`routing_gym.envs.moe_router.oracle`), labelled exact;
- ``mcts``: the generic search plays ``routing_gym/MoERouter-v0`` like every Discrete env;
- a trained router: ``agent:path=router.zip`` (an SB3 MaskablePPO checkpoint, e.g. from
  :func:`routing_gym.agents.moe_router.train_router`).
"""

from routing_gym.baselines.moe_router import rules as _rules  # noqa: F401 - registers top-k, top-p and the oracle hook
