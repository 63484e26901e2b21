"""The warehouse AGV problem's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.warehouse_agv import viewer
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator
from routing_gym.envs.warehouse_agv.io import load_scen, looks_like_scen
from routing_gym.envs.warehouse_agv.kernel import WarehouseKernel
from routing_gym.envs.warehouse_agv.types import WarehouseInstance, evaluate_warehouse_agv
from routing_gym.registry import EnvEntry, FileFormat, Problem

_ENV = "routing_gym.envs.warehouse_agv.env"

PROBLEM = Problem(
    name="warehouse_agv",
    title="multi-robot warehouse path finding (MAPF, one-shot and lifelong)",
    instance_type=WarehouseInstance,
    generator_type=WarehouseGenerator,
    kernel_type=WarehouseKernel,
    evaluate=evaluate_warehouse_agv,
    envs=(EnvEntry("routing_gym/WarehouseAGV-v0", f"{_ENV}:WarehouseAGVEnv", f"{_ENV}:WarehouseAGVVectorEnv"),
          EnvEntry("routing_gym/WarehouseAGVLifelong-v0", f"{_ENV}:WarehouseAGVEnv", f"{_ENV}:WarehouseAGVVectorEnv",
                   kwargs={"mode": "lifelong"})),
    viewer=viewer,
    formats=(FileFormat("movingai-scen", (".scen",), looks_like_scen, load_scen),),
    solution_format="one list per robot of [row, col] cells, one per time step from its start until it rests "
                    "at its goal (lifelong: every step of the horizon); a robot rests at its last cell afterwards",
    tiny_kwargs={"num_robots": 3, "height": 6, "width": 7, "shelf_depth": 1, "shelf_length": 2, "horizon": 24},
    reference_solvers=("cbs:time_limit=10",),
    label_solvers=("prioritized",),
    baselines="routing_gym.baselines.warehouse_agv",
)
