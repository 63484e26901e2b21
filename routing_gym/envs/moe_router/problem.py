"""MoERouter's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.moe_router import viewer
from routing_gym.envs.moe_router.generator import MoERouterGenerator
from routing_gym.envs.moe_router.kernel import MoERouterKernel
from routing_gym.envs.moe_router.metrics import compare_metrics
from routing_gym.envs.moe_router.types import MoERouterInstance, evaluate_moe_router
from routing_gym.registry import EnvEntry, Problem

PROBLEM = Problem(
    name="moe_router",
    title="mixture-of-experts routing (k of E experts per layer, top-k / top-p)",
    instance_type=MoERouterInstance,
    generator_type=MoERouterGenerator,
    kernel_type=MoERouterKernel,
    evaluate=evaluate_moe_router,
    envs=(EnvEntry("routing_gym/MoERouter-v0", "routing_gym.envs.moe_router.env:MoERouterEnv",
                   "routing_gym.envs.moe_router.env:MoERouterVectorEnv"),),
    viewer=viewer,
    solution_format="one expert set per layer per token: T lists of L sorted lists of expert ids (empty: skipped)",
    tiny_kwargs={"num_experts": 4, "num_layers": 3, "num_tokens": 2, "max_experts": 2, "batch_budget": 8},
    reference_solvers=("oracle",),
    label_solvers=("oracle",),
    sense="min",
    baselines="routing_gym.baselines.moe_router",
    agents="routing_gym.agents.moe_router",
    metrics=compare_metrics,
)
