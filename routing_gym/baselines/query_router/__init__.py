"""Query-router solvers (imported through ``Problem.baselines`` of ``query_router``).

- simple rules (:mod:`.rules`): ``random``, ``cheapest`` (a hook on the generic ``cheapest``),
  ``best-single``, ``best-per-family``;
- routers fit on the instance's training queries (:mod:`.fitted`): ``knn``, ``logistic``;
- confidence rules on the logistic router's predictions (:mod:`.fitted`): ``cascade``, ``threshold``;
- ``oracle`` (:mod:`.oracle`): the hindsight optimum, a multiple-choice knapsack on CP-SAT (a bound);
- ``query-ppo:path=router.zip`` (:mod:`.ppo`), or the generic ``agent:path=router.zip``: a trained
  MaskablePPO router (:func:`routing_gym.agents.query_router.train_router`), played greedily;
- ``mcts``: the generic search plays ``routing_gym/QueryRouter-v0`` like every registered env.

Training queries: generated instances carry ``num_train`` queries of the same model library
drawn from the generator's ``train_seed`` (another seed than the streams'); instances loaded
from a score table carry the training half of a split by query (``load_table(train_fraction=0.5)``).
"""

from routing_gym.baselines.query_router import fitted as _fitted  # noqa: F401 - registers knn, logistic, cascade, threshold
from routing_gym.baselines.query_router import oracle as _oracle  # noqa: F401 - the oracle hook
from routing_gym.baselines.query_router import ppo as _ppo  # noqa: F401 - registers query-ppo
from routing_gym.baselines.query_router import rules as _rules  # noqa: F401 - registers random, best-single, ...
