"""QueryRouter-v0: generator, kernel, evaluate, score-table loader, metrics, solvers and the PPO router."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.envs.query_router.io import load_table, sniff
from routing_gym.envs.query_router.metrics import calls_to_reach, cheapest_routing, metrics
from routing_gym.envs.query_router.types import QueryRouterInstance, evaluate_query_router
from routing_gym.errors import InstanceError

ENV_ID = "routing_gym/QueryRouter-v0"
HEADER = "query_id,model,score,cost,family,length"


def hand_instance(budget: float = 3.0, allow_abstain: bool = False, cost_weight: float = 0.5) -> QueryRouterInstance:
    """Three queries, two models (a cheap weak one and a dear strong one), one flag."""
    return QueryRouterInstance(
        quality=np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 1.0]]), cost=np.array([[0.5, 2.0], [0.5, 2.0], [0.5, 2.0]]),
        features=np.zeros((3, 1)), family=np.zeros(3), flags=np.array([[0.1], [0.7]]), flag_weights=np.array([0.5]),
        budget=budget, cost_weight=cost_weight, model_names=("small", "big"), family_names=("all",), flag_names=("size",),
        allow_abstain=allow_abstain, train_quality=np.array([[0.0, 1.0], [1.0, 1.0]]), train_cost=np.ones((2, 2)),
        train_features=np.zeros((2, 1)), train_family=np.zeros(2))


def play(instance: QueryRouterInstance, actions: list[int]) -> tuple[float, dict]:
    env = gym.make(ENV_ID, instance=instance)
    env.reset()
    total, info = 0.0, {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        total += r
    assert term
    return total, info


def write_table(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


GOOD_ROWS = ["q1,a,1,0.1,code,3", "q1,b,0,0.01,code,3", "q2,a,0,0.2,text,5", "q2,b,1,0.02,text,5",
             "q3,a,1,0.1,code,1", "q3,b,1,0.01,code,1", "q4,a,0,0.1,text,2", "q4,b,0,0.01,text,2"]


# --- generator ---------------------------------------------------------------------------------------


def test_generator__seeded_streams_share_one_library() -> None:
    gen = QueryRouterGenerator(num_models=5, num_queries=30, num_train=20)
    a, b, c = gen(np.random.default_rng(1)), gen(np.random.default_rng(1)), gen(np.random.default_rng(2))
    assert np.array_equal(a.quality, b.quality) and np.array_equal(a.features, b.features)
    assert not np.array_equal(a.features, c.features)
    assert a.model_names == c.model_names and np.array_equal(a.flags, c.flags)
    assert np.array_equal(a.train_quality, c.train_quality)  # the training queries come from train_seed


def test_generator__zero_complementarity_makes_the_biggest_model_best_everywhere() -> None:
    gen = QueryRouterGenerator(num_models=4, num_queries=4000, complementarity=0.0, feature_noise=0.0, num_train=0)
    inst = gen(np.random.default_rng(0))
    for f in range(4):
        means = inst.quality[inst.family == f].mean(axis=0)
        assert np.argmax(means) == 3, (f, means)
    spec = QueryRouterGenerator(num_models=4, num_queries=4000, complementarity=1.0, num_train=0)(np.random.default_rng(0))
    best = {int(np.argmax(spec.quality[spec.family == f].mean(axis=0))) for f in range(4)}
    assert len(best) >= 3  # specialists win their own family


def test_generator__prices_grow_with_size_and_budget_follows_the_ratio() -> None:
    gen = QueryRouterGenerator(num_models=4, num_queries=50, budget_ratio=0.25, num_train=0)
    inst = gen(np.random.default_rng(3))
    assert np.all(np.diff(inst.cost.mean(axis=0)) > 0)
    assert math.isclose(inst.budget, 0.25 * inst.cost.max(axis=1).sum())


@pytest.mark.parametrize(("key", "value"), [("complementarity", 1.5), ("label_noise", 0.7), ("num_models", 0),
                                            ("budget_ratio", 0.0), ("cost_weight", -1.0)])
def test_generator__bad_knob_raises_naming_it(key: str, value: float) -> None:
    with pytest.raises(InstanceError, match=key):
        QueryRouterGenerator(**{key: value})


# --- kernel, env and evaluate ---------------------------------------------------------------------------


def test_kernel__mask_removes_models_the_budget_cannot_pay() -> None:
    env = gym.make(ENV_ID, instance=hand_instance(budget=2.6)).unwrapped
    env.reset()
    assert env.action_masks().tolist() == [True, True, False]  # both affordable, no abstain
    env.step(1)  # big: 2.0 spent, 0.6 left
    assert env.action_masks().tolist() == [True, False, False]
    env.step(0)  # small: 0.1 left, nothing affordable
    assert env.action_masks().tolist() == [False, False, True]


def test_env__reward_is_quality_minus_weighted_cost_and_flags() -> None:
    inst = hand_instance(budget=10.0)
    total, info = play(inst, [1, 0, 1])
    expected = (1.0 - 0.5 * 2.0 - 0.5 * 0.7) + (1.0 - 0.5 * 0.5 - 0.5 * 0.1) + (1.0 - 0.5 * 2.0 - 0.5 * 0.7)
    assert math.isclose(total, expected, abs_tol=1e-12)
    assert info["solution"] == ["big", "small", "big"] and info["cost"] == -total
    assert evaluate_query_router(inst, info["solution"]).cost == total
    assert math.isclose(info["quality"], 1.0) and math.isclose(info["spent"], 4.5)
    assert math.isclose(info["premium_calls"], 2 / 3)


def test_evaluate__over_budget_call_and_needless_abstention_are_infeasible() -> None:
    inst = hand_instance(budget=2.6)
    over = evaluate_query_router(inst, ["big", "big", None])
    assert not over.feasible and "query 1" in over.violation
    idle = evaluate_query_router(inst, [None, "small", "small"])
    assert not idle.feasible and "abstained" in idle.violation
    ok = evaluate_query_router(hand_instance(budget=2.6, allow_abstain=True), [None, "small", "small"])
    assert ok.feasible and math.isclose(ok.cost, 1.0 - 0.25 - 0.05 - 0.25 - 0.05)


def test_solution_to_actions__names_indices_and_null_for_abstain() -> None:
    from routing_gym.envs.query_router.kernel import QueryRouterKernel

    inst = hand_instance()
    assert QueryRouterKernel.solution_to_actions(inst, ["big", 0, None])[1] == [1, 0, 2]
    with pytest.raises(InstanceError, match="unknown model 'gpt'"):
        QueryRouterKernel.solution_to_actions(inst, ["gpt", 0, None])


def test_vector_env__streams_of_different_lengths_share_a_batch() -> None:
    gen = QueryRouterGenerator(num_models=3, num_queries=5, num_train=10)
    short = gen(np.random.default_rng(0))
    long = QueryRouterGenerator(num_models=3, num_queries=9, num_train=10)(np.random.default_rng(1))
    venv = gym.make_vec(ENV_ID, 2, vectorization_mode="vector_entry_point", instance=short)
    venv.reset(options={"instances": [short, long]})
    ends = []
    for t in range(9):
        _, _, term, _, info = venv.step(np.zeros(2, dtype=np.int64))
        ends += [(t, i) for i in np.flatnonzero(term)]
    assert ends[:2] == [(4, 0), (8, 1)]


def test_instance__mismatched_tables_raise_naming_the_field() -> None:
    inst = hand_instance()
    with pytest.raises(InstanceError, match="cost: negative value"):
        inst.replace(cost=-inst.cost)
    with pytest.raises(InstanceError, match="family: family index 3"):
        inst.replace(family=np.array([0, 3, 0]))
    with pytest.raises(InstanceError, match="model_names: duplicate name 'a'"):
        inst.replace(model_names=("a", "a"))


# --- the score-table loader -----------------------------------------------------------------------------


def test_loader__reads_queries_in_order_with_families_and_features(tmp_path: Path) -> None:
    path = write_table(tmp_path / "t.csv", GOOD_ROWS)
    assert sniff(path, path.read_text())
    inst = load_table(path, budget=1.0, cost_weight=2.0, train_fraction=0.0)
    assert inst.query_ids == ("q1", "q2", "q3", "q4") and inst.model_names == ("a", "b")
    assert inst.family.tolist() == [0, 1, 0, 1] and inst.family_names == ("code", "text")
    assert inst.features[:, 0].tolist() == [3, 5, 1, 2] and inst.budget == 1.0 and inst.cost_weight == 2.0
    assert math.isclose(inst.utility()[1, 1], 1 - 2.0 * 0.02)


def test_loader__split_by_query_keeps_stream_order(tmp_path: Path) -> None:
    path = write_table(tmp_path / "t.csv", GOOD_ROWS)
    inst = load_table(path, train_fraction=0.5, split_seed=3)
    assert inst.num_queries == 2 and inst.num_train == 2
    order = [int(q[1:]) for q in inst.query_ids]
    assert order == sorted(order)


def test_loader__generic_load_instance_takes_budget_and_cost_weight(tmp_path: Path) -> None:
    from routing_gym.envs import load_instance

    inst = load_instance(write_table(tmp_path / "t.csv", GOOD_ROWS), budget=0.5, cost_weight=1.0, train_fraction=0.0)
    assert isinstance(inst, QueryRouterInstance) and inst.budget == 0.5


@pytest.mark.parametrize(("rows", "header", "match"), [
    (GOOD_ROWS, "query_id,model,cost,family,length", r"row 1 \(the header\): missing column\(s\) score"),
    (GOOD_ROWS[:2] + ["q2,a,nan,0.2,text,5"] + GOOD_ROWS[3:], HEADER, r"row 4: score is 'nan'"),
    (GOOD_ROWS[:3] + ["q2,b,1,-0.02,text,5"] + GOOD_ROWS[4:], HEADER, r"row 5: negative cost -0.02"),
    (GOOD_ROWS + ["q1,a,1,0.1,code,3"], HEADER, r"row 10: duplicate row for query 'q1' and model 'a' \(first at row 2\)"),
    (GOOD_ROWS[:-1], HEADER, r"query 'q4' \(first at row 8\) has no row for model 'b'"),
    (GOOD_ROWS[:-1] + ["q4,b,0"], HEADER, r"row 9 has 3 fields"),
    (GOOD_ROWS[:1] + ["q1,b,x,0.01,code,3"], HEADER, r"row 3: score 'x' is not a number"),
])
def test_loader__malformed_table_raises_naming_the_row(tmp_path: Path, rows: list[str], header: str, match: str) -> None:
    path = write_table(tmp_path / "bad.csv", rows, header)
    with pytest.raises(InstanceError, match=match) as exc:
        load_table(path, train_fraction=0.0)
    assert "bad.csv" in str(exc.value)


def write_parquet(path: Path, rows: list[str | None], header: str = HEADER) -> Path:
    """The CSV rows as a Parquet file: numeric columns as float64 (``None`` cells as nulls), others as text."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    names = header.split(",")
    cells = [r.split(",") for r in rows]
    columns = {}
    for j, name in enumerate(names):
        col = [c[j] if c[j] != "null" else None for c in cells]
        try:
            columns[name] = pa.array([None if v is None else float(v) for v in col], type=pa.float64())
        except ValueError:
            columns[name] = pa.array(col, type=pa.string())
    pq.write_table(pa.table(columns), path)
    return path


def test_loader__parquet_table_equals_the_csv_one(tmp_path: Path) -> None:
    a = load_table(write_table(tmp_path / "t.csv", GOOD_ROWS), budget=1.0, cost_weight=2.0, train_fraction=0.5)
    b = load_table(write_parquet(tmp_path / "t.parquet", GOOD_ROWS), budget=1.0, cost_weight=2.0, train_fraction=0.5)
    assert a.query_ids == b.query_ids and a.model_names == b.model_names and a.family_names == b.family_names
    for field in ("quality", "cost", "features", "family", "train_quality", "train_cost"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


# Parquet rows are numbered from 1 (no header line): one less than the CSV line of the same row.
@pytest.mark.parametrize(("rows", "header", "match"), [
    (GOOD_ROWS, "query_id,model,cost,family,length", r"the schema \(column names\): missing column\(s\) score"),
    (GOOD_ROWS[:2] + ["q2,a,nan,0.2,text,5"] + GOOD_ROWS[3:], HEADER, r"row 3: score is 'nan'"),
    (GOOD_ROWS[:2] + ["q2,a,null,0.2,text,5"] + GOOD_ROWS[3:], HEADER, r"row 3: score '' is not a number"),
    (GOOD_ROWS[:3] + ["q2,b,1,-0.02,text,5"] + GOOD_ROWS[4:], HEADER, r"row 4: negative cost -0.02"),
    (GOOD_ROWS + ["q1,a,1,0.1,code,3"], HEADER, r"row 9: duplicate row for query 'q1' and model 'a' \(first at row 1\)"),
    (GOOD_ROWS[:-1], HEADER, r"query 'q4' \(first at row 7\) has no row for model 'b'"),
    (GOOD_ROWS[:1] + ["q1,b,x,0.01,code,3"], HEADER, r"row 2: score 'x' is not a number"),
])
def test_loader__malformed_parquet_table_raises_naming_the_row(tmp_path: Path, rows: list[str], header: str,
                                                                 match: str) -> None:
    path = write_parquet(tmp_path / "bad.parquet", rows, header)
    with pytest.raises(InstanceError, match=match) as exc:
        load_table(path, train_fraction=0.0)
    assert "bad.parquet" in str(exc.value)


def test_load_instance__sniffs_a_parquet_table_and_refuses_other_binary_files(tmp_path: Path) -> None:
    """``load_instance`` (and so ``compare --files``) reaches the Parquet format; other binary content is an InstanceError."""
    from routing_gym.envs import load_instance

    table = load_instance(write_parquet(tmp_path / "t.parquet", GOOD_ROWS), budget=1.0, cost_weight=2.0)
    direct = load_table(tmp_path / "t.parquet", budget=1.0, cost_weight=2.0)
    assert table.query_ids == direct.query_ids and np.array_equal(table.quality, direct.quality)
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01garbage" * 10)
    with pytest.raises(InstanceError, match="junk.bin: not a text file"):
        load_instance(tmp_path / "junk.bin")


def test_loader__corrupt_parquet_raises_naming_the_file(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "cut.parquet"
    path.write_bytes(write_parquet(tmp_path / "t.parquet", GOOD_ROWS).read_bytes()[:60])
    with pytest.raises(InstanceError, match=r"cut.parquet: not a readable Parquet table"):
        load_table(path, train_fraction=0.0)


def test_loader__routerbench_parquet_loads_like_the_csv(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "llm_routing" / "routerbench_long.csv"
    if not path.exists():
        pytest.skip("the RouterBench table is not redistributed; set ROUTING_GYM_DATA to the shared data")
    pa_csv = pytest.importorskip("pyarrow.csv")
    import pyarrow.parquet as pq

    pq.write_table(pa_csv.read_csv(path), tmp_path / "rb.parquet")
    a, b = load_table(path, cost_weight=30.0), load_table(tmp_path / "rb.parquet", cost_weight=30.0)
    assert a.query_ids == b.query_ids and np.array_equal(a.utility(), b.utility())


def test_loader__routerbench_table_matches_its_stated_accuracies(shared_data: Path) -> None:
    path = shared_data / "llm_routing" / "routerbench_long.csv"
    if not path.exists():
        pytest.skip("the RouterBench table is not redistributed; set ROUTING_GYM_DATA to the shared data")
    inst = load_table(path, train_fraction=0.0)
    assert (inst.num_queries, inst.num_models) == (2205, 11)
    acc = dict(zip(inst.model_names, inst.quality.mean(axis=0)))
    assert round(acc["gpt-4-1106-preview"], 4) == 0.8794 and round(acc["mistralai/mistral-7b-chat"], 4) == 0.5810
    assert round(float(inst.quality.max(axis=1).mean()), 4) == 0.9755
    assert inst.family_names == ("arc-challenge", "mbpp", "winogrande")  # order of first appearance


# --- metrics and solvers --------------------------------------------------------------------------------


def brute_force(inst: QueryRouterInstance) -> float:
    best = -math.inf
    for combo in itertools.product([*inst.model_names, None], repeat=inst.num_queries):
        ev = evaluate_query_router(inst, list(combo))
        if ev.feasible:
            best = max(best, ev.cost)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_oracle__equals_brute_force_optimum(seed: int) -> None:
    from routing_gym.baselines.base import make_solver

    gen = QueryRouterGenerator(num_models=3, num_queries=5, num_train=0, budget_ratio=0.3, cost_weight=2.0 * seed,
                               allow_abstain=seed == 3)
    inst = gen(np.random.default_rng(seed))
    res = make_solver("oracle", time_limit=5.0)(inst)
    assert res.ok, res.message
    assert math.isclose(evaluate_query_router(inst, res.solution).cost, brute_force(inst), abs_tol=1e-9)


def test_oracle__runs_the_budget_dry_when_a_forced_abstention_pays() -> None:
    from routing_gym.baselines.base import make_solver

    inst = QueryRouterInstance(quality=np.array([[0.0, 1.0], [0.0, 1.0]]), cost=np.array([[1.0, 2.0], [1.0, 2.0]]),
                               features=np.zeros((2, 1)), family=np.zeros(2), flags=np.zeros((2, 1)),
                               flag_weights=np.zeros(1), budget=2.5, cost_weight=0.0, model_names=("small", "big"),
                               family_names=("all",), flag_names=("none",))
    assert brute_force(inst) == 1.0
    assert make_solver("oracle")(inst).solution == ["big", None]  # answering both queries earns 0


SOLVERS = ["random", "cheapest", "best-single", "best-per-family", "knn", "logistic", "cascade", "threshold", "mcts"]


def test_solvers__feasible_and_bounded_by_the_oracle() -> None:
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import replay

    inst = QueryRouterGenerator(num_models=4, num_queries=30, num_train=100, cost_weight=0.5)(np.random.default_rng(5))
    oracle = evaluate_query_router(inst, make_solver("oracle")(inst).solution).cost
    for name in SOLVERS:
        res = make_solver(name, time_limit=0.3)(inst)
        assert res.ok, (name, res.message)
        verdict = replay(None, inst, res.solution)
        assert verdict.feasible and -verdict.cost <= oracle + 1e-9, name


def test_fitted_routers__without_training_queries_fail_explicitly() -> None:
    from routing_gym.baselines.base import make_solver

    inst = QueryRouterGenerator(num_models=3, num_queries=5, num_train=0)(np.random.default_rng(0))
    for name in ("best-single", "knn", "logistic", "cascade"):
        res = make_solver(name)(inst)
        assert res.status == "failed" and "no training queries" in res.message


def test_metrics__gain_share_is_zero_for_the_reference_and_one_for_the_oracle() -> None:
    from routing_gym.baselines.base import make_solver

    inst = QueryRouterGenerator(num_models=4, num_queries=20, num_train=0)(np.random.default_rng(2))
    orc = make_solver("oracle")(inst).solution
    best = evaluate_query_router(inst, orc).cost
    assert math.isclose(metrics(inst, orc, oracle=best)["gain_share"], 1.0)
    assert metrics(inst, cheapest_routing(inst), oracle=best)["gain_share"] == 0.0
    assert calls_to_reach([(0.9, 0.8), (0.3, 0.55), (0.1, 0.2)], 0.5) == 0.3
    assert math.isnan(calls_to_reach([(0.1, 0.2)], 0.5))


@pytest.mark.parametrize(("seed", "budget_ratio", "abstain"), [(0, 0.25, False), (1, 0.4, True), (2, 2.0, False),
                                                              (3, 0.1, False)])
def test_oracle_bound__bounds_the_brute_force_optimum_and_equals_it_when_the_budget_cannot_bind(
        seed: int, budget_ratio: float, abstain: bool) -> None:
    from routing_gym.envs.query_router.metrics import oracle_bound

    inst = QueryRouterGenerator(num_models=3, num_queries=5, num_train=0, budget_ratio=budget_ratio, cost_weight=0.5,
                                allow_abstain=abstain)(np.random.default_rng(seed))
    best = brute_force(inst)
    assert oracle_bound(inst) >= best - 1e-9
    free = inst.replace(budget=math.inf)
    assert math.isclose(oracle_bound(free), brute_force(free), abs_tol=1e-9)


def test_compare__shows_quality_cost_and_gain_share_columns() -> None:
    from routing_gym.compare import compare

    res = compare(ENV_ID, ["cheapest", "oracle"], num_instances=2, seed=0, jobs=1, isolate=False, progress=False,
                  plots=False, num_models=3, num_queries=8, num_train=20, budget_ratio=5.0, cost_weight=0.5)
    by = {s["solver"]: s for s in res.summary()}
    # no binding budget: the bound is the oracle itself, so the shares are exactly 0 and 1
    assert by["cheapest"]["gain_share"] == 0.0 and math.isclose(by["oracle"]["gain_share"], 1.0)
    assert by["oracle"]["quality"] >= by["cheapest"]["quality"] and by["cheapest"]["cost"] > 0
    assert all(k in res.table().splitlines()[1] for k in ("quality", "cost", "gain_share"))


def test_ppo_router__trains_and_routes_feasibly(tmp_path: Path) -> None:
    import torch

    from routing_gym.agents.query_router import CostWeightSweep, TrainingStreams, ppo_routing, train_router
    from routing_gym.baselines.base import make_solver

    torch.set_num_threads(1)
    inst = QueryRouterGenerator(num_models=3, num_queries=15, num_train=50, cost_weight=0.5)(np.random.default_rng(0))
    model = train_router(CostWeightSweep(TrainingStreams(inst, num_queries=10), (0.0, 0.5)), 256, n_envs=4)
    assert evaluate_query_router(inst, ppo_routing(model, inst)).feasible
    model.save(tmp_path / "m.zip")
    res = make_solver(f"query-ppo:path={tmp_path / 'm.zip'}")(inst)
    assert res.ok and evaluate_query_router(inst, res.solution).feasible


def test_viewer__chart_of_choices_against_the_oracle() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from routing_gym.envs.query_router.viewer import draw_against
    from routing_gym.envs.render import figure_to_rgb, new_figure

    inst = hand_instance(budget=10.0)
    fig, ax = new_figure()
    draw_against(ax, inst, ["small", "big", None], ["big", "small", "big"], "test")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["oracle", "router"] and figure_to_rgb(fig).std() > 0
