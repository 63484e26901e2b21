"""LayerRouter solvers (imported through ``Problem.baselines`` of ``layer_router``).

- ``all-small``, ``all-big``: the same option at every layer (downgraded to the best affordable
  one when a budget runs out); ``one-big-layer``: big at one layer and small elsewhere, the layer
  swept and the best kept (:mod:`routing_gym.baselines.layer_router.rules`).
- ``oracle``: the exact hindsight optimum by dynamic programming
  (:mod:`routing_gym.envs.layer_router.oracle`), labelled exact.
- ``layer-ppo``: a MaskablePPO MLP router from a checkpoint (``layer-ppo:path=router.zip``, or the
  generic ``agent:path=router.zip``),
  trained by :func:`routing_gym.agents.layer_router.train_router`
  (:mod:`routing_gym.baselines.layer_router.ppo`).
- ``mcts``: the generic search plays ``routing_gym/LayerRouter-v0`` like every Discrete env.
"""

from routing_gym.baselines.layer_router import ppo as _ppo  # noqa: F401 - registers layer-ppo
from routing_gym.baselines.layer_router import rules as _rules  # noqa: F401 - registers all-small, all-big, one-big-layer, oracle
