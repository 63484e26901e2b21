"""The query router's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.query_router import io, viewer
from routing_gym.envs.query_router.metrics import compare_metrics
from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.envs.query_router.kernel import QueryRouterKernel
from routing_gym.envs.query_router.types import QueryRouterInstance, evaluate_query_router
from routing_gym.registry import EnvEntry, FileFormat, Problem

PROBLEM = Problem(
    name="query_router",
    title="budgeted query routing across a model library (Tryage / RouterBench)",
    instance_type=QueryRouterInstance,
    generator_type=QueryRouterGenerator,
    kernel_type=QueryRouterKernel,
    evaluate=evaluate_query_router,
    envs=(EnvEntry("routing_gym/QueryRouter-v0", "routing_gym.envs.query_router.env:QueryRouterEnv",
                   "routing_gym.envs.query_router.env:QueryRouterVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("score-table", (".csv",), io.sniff, io.load_table),
             FileFormat("score-table-parquet", (".parquet",), io.sniff_parquet, io.load_table)),
    solution_format="one entry per query in stream order: the chosen model's name, or null to abstain",
    tiny_kwargs={"num_models": 4, "num_queries": 12, "num_train": 40, "budget_ratio": 0.4, "cost_weight": 0.5},
    reference_solvers=("oracle",),
    label_solvers=("oracle",),
    sense="max",
    baselines="routing_gym.baselines.query_router",
    agents=None,
    metrics=compare_metrics,
)
