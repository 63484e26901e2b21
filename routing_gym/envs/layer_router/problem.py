"""LayerRouter's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.layer_router import viewer
from routing_gym.envs.layer_router.generator import LayerRouterGenerator
from routing_gym.envs.layer_router.kernel import LayerRouterKernel
from routing_gym.envs.layer_router.metrics import compare_metrics
from routing_gym.envs.layer_router.types import LayerRouterInstance, evaluate_layer_router
from routing_gym.registry import EnvEntry, Problem

PROBLEM = Problem(
    name="layer_router",
    title="per-layer module routing (skip / small / big, Duo-LLM)",
    instance_type=LayerRouterInstance,
    generator_type=LayerRouterGenerator,
    kernel_type=LayerRouterKernel,
    evaluate=evaluate_layer_router,
    envs=(EnvEntry("routing_gym/LayerRouter-v0", "routing_gym.envs.layer_router.env:LayerRouterEnv",
                   "routing_gym.envs.layer_router.env:LayerRouterVectorEnv"),),
    viewer=viewer,
    solution_format="one option per layer per token: T lists of L integers (0 skip, 1 small, 2 big)",
    tiny_kwargs={"num_layers": 4, "num_tokens": 2, "batch_budget": 12},
    reference_solvers=("oracle",),
    label_solvers=("oracle",),
    sense="min",
    baselines="routing_gym.baselines.layer_router",
    metrics=compare_metrics,
)
