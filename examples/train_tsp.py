"""Train a TSP20 policy with MaskablePPO, save it, and compare it with OR-Tools.

    python examples/train_tsp.py          # a few minutes on a laptop CPU

RL from scratch for a few minutes gives a rough policy; the shipped checkpoints
(``agent:pretrained=tsp20``) were trained by imitation, which is far cheaper:
``routing-gym imitate --env routing_gym/TSP-v0 --env-kwargs num_nodes=20 ...``
(see ``routing_gym/agents/pretrained/*/MODEL_CARD.md``).
"""

import numpy as np
from sb3_contrib import MaskablePPO

from routing_gym.agents import AttentionPolicy, load_policy, make_vec_env, rollout, save_policy
from routing_gym.baselines import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import evaluate

# 1. train: one batched env of 64 episodes, undiscounted return (= minus the tour length)
env = make_vec_env("routing_gym/TSP-v0", n_envs=64, seed=0, num_nodes=20)
model = MaskablePPO(AttentionPolicy, env, n_steps=32, batch_size=512, n_epochs=4, gamma=1.0, learning_rate=3e-4,
                    policy_kwargs={"embed_dim": 64, "num_layers": 3, "num_heads": 4}, seed=0)
model.learn(50_000, progress_bar=True)

# 2. save as safetensors + JSON, and load back (no pickle)
save_policy(model.policy, "runs/tsp20-example", env_id="routing_gym/TSP-v0", env_kwargs={"num_nodes": 20})
policy = load_policy("runs/tsp20-example")

# 3. compare on 20 seeded instances (the same as `routing-gym compare --seed 1234`)
instances, _ = make_instances("routing_gym/TSP-v0", 20, seed=1234, num_nodes=20)
ortools = make_solver("ortools:time_limit=0.5")
ref = np.array([evaluate(i, ortools(i).solution).cost for i in instances])
for label, pol, kw in [("trained here, greedy", policy, {}), ("trained here, x8 augmented", policy, {"augment": 8}),
                       ("shipped tsp20, x8 augmented", load_policy(pretrained="tsp20"), {"augment": 8})]:
    cost = np.array([r.cost for r in rollout(pol, instances, **kw)])
    print(f"{label:<30} mean length {cost.mean():.4f}   gap to OR-Tools 0.5 s {100 * np.mean(cost / ref - 1):+.2f}%")
