"""Checkpoints: plain tensors (safetensors) plus a JSON config; loading never unpickles.

A checkpoint is a folder::

    model.safetensors   the policy's state_dict
    config.json         policy class, architecture, env id and kwargs, training summary,
                        and the SHA-256 of model.safetensors
    MODEL_CARD.md       (shipped checkpoints) how it was trained and what it scores

Shipped checkpoints live in ``routing_gym/agents/pretrained/<name>/``; load them
with ``load_policy(pretrained="tsp20")``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch

from routing_gym.agents.policies import RoutingPolicy, make_policy, policy_class
from routing_gym.errors import CheckpointError, RoutingGymError

FORMAT = "routing-gym-agent"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"


@dataclass
class CheckpointInfo:
    """What a loaded policy knows about its checkpoint (``policy.checkpoint``)."""

    path: Path | None
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    policy: str = ""
    architecture: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _jsonable(value: Any, what: str) -> Any:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{what} must be JSON-serialisable to go into a checkpoint: {exc}") from None
    return json.loads(text)


def _clean(value: Any) -> Any:
    """Training summaries may hold numpy scalars, NaN, paths or callables; make them strict JSON."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # paths, schedules, classes: their text is what a summary needs


def spaces_for(env_id: str, env_kwargs: dict[str, Any] | None = None) -> tuple[gym.spaces.Dict, gym.spaces.Discrete]:
    """Observation and action space of one ``env_id`` environment (builds and closes it)."""
    import routing_gym  # noqa: F401 - registers the ids

    try:
        env = gym.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    except (gym.error.Error, TypeError, RoutingGymError) as exc:
        raise CheckpointError(f"cannot build environment {env_id!r} with {env_kwargs}: {exc}") from None
    try:
        return env.observation_space, env.action_space  # type: ignore[return-value]
    finally:
        env.close()


def save_policy(policy: RoutingPolicy, path: str | Path, *, env_id: str, env_kwargs: dict[str, Any] | None = None,
                training: dict[str, Any] | None = None) -> Path:
    """Write ``policy`` to the folder ``path`` (created); returns the folder.

    :param policy: an :class:`~routing_gym.agents.policies.AttentionPolicy` or
        :class:`~routing_gym.agents.policies.GNNPolicy` (e.g. ``model.policy`` of an SB3 model).
    :param env_id: the environment it was trained on.
    :param env_kwargs: that environment's keyword arguments (JSON-serialisable).
    :param training: a summary of how it was trained (steps, time, gaps...).
    """
    from safetensors.torch import save_file

    if not isinstance(policy, RoutingPolicy):
        raise CheckpointError(f"save_policy: expected a RoutingPolicy, got {type(policy).__name__}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in policy.state_dict().items()}
    weights = folder / WEIGHTS_NAME
    save_file(tensors, str(weights), metadata={"format": FORMAT})
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "policy": type(policy).__name__,
        "architecture": _jsonable(policy.architecture, "the architecture"),
        "env_id": env_id,
        "env_kwargs": _jsonable(dict(env_kwargs or {}), "env_kwargs"),
        "training": _jsonable(_clean(dict(training or {})), "the training summary"),
        "weights_sha256": _sha256(weights),
    }
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def list_pretrained() -> list[str]:
    """Names of the shipped checkpoints."""
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / CONFIG_NAME).is_file())


def resolve_checkpoint(path: str | Path | None = None, pretrained: str | None = None) -> Path:
    """The checkpoint folder of ``path`` (a folder, or a file inside one) or of the shipped ``pretrained`` name."""
    if (path is None) == (pretrained is None):
        raise CheckpointError("give exactly one of path=... or pretrained=...")
    if pretrained is not None:
        folder = PRETRAINED_DIR / str(pretrained)
        if not (folder / CONFIG_NAME).is_file():
            raise CheckpointError(f"no shipped checkpoint named {pretrained!r}; available: {', '.join(list_pretrained()) or 'none'}")
        return folder
    p = Path(path)  # type: ignore[arg-type]
    folder = p.parent if p.is_file() else p
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint {str(p)!r} does not exist")
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        if not (folder / name).is_file():
            raise CheckpointError(f"checkpoint {str(folder)!r} is missing {name}")
    return folder


def read_config(folder: Path) -> dict[str, Any]:
    """The validated ``config.json`` of a checkpoint folder."""
    try:
        config = json.loads((folder / CONFIG_NAME).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint {str(folder)!r}: unreadable {CONFIG_NAME}: {exc}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {str(folder)!r}: {CONFIG_NAME} is not a {FORMAT} config")
    if config.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {str(folder)!r}: format version {config.get('format_version')!r}, this version reads {FORMAT_VERSION}"
        )
    for key, typ in (("policy", str), ("architecture", dict), ("env_id", str), ("env_kwargs", dict), ("weights_sha256", str)):
        if not isinstance(config.get(key), typ):
            raise CheckpointError(f"checkpoint {str(folder)!r}: {CONFIG_NAME} lacks a valid {key!r}")
    return config


def load_policy(path: str | Path | None = None, *, pretrained: str | None = None, device: str | torch.device = "cpu") -> RoutingPolicy:
    """Rebuild a policy from a checkpoint folder (or a shipped one), in eval mode.

    The returned policy carries :class:`CheckpointInfo` as ``policy.checkpoint``.
    Raises :class:`~routing_gym.errors.CheckpointError` when the checkpoint is
    missing, corrupt, or does not fit the network its config describes.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = resolve_checkpoint(path, pretrained)
    config = read_config(folder)
    weights = folder / WEIGHTS_NAME
    if _sha256(weights) != config["weights_sha256"]:
        raise CheckpointError(f"checkpoint {str(folder)!r}: {WEIGHTS_NAME} does not match its config (corrupt or replaced)")
    try:
        tensors = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {str(folder)!r}: cannot read {WEIGHTS_NAME}: {exc}") from None
    obs_space, act_space = spaces_for(config["env_id"], config["env_kwargs"])
    try:
        policy = make_policy(policy_class(config["policy"]), obs_space, act_space, **config["architecture"])
    except (RoutingGymError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {str(folder)!r}: cannot build {config['policy']}: {exc}") from None
    try:
        policy.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"checkpoint {str(folder)!r}: weights do not fit {config['policy']}: {exc}") from None
    policy.to(device)
    policy.set_training_mode(False)
    policy.checkpoint = CheckpointInfo(  # type: ignore[attr-defined]
        folder, config["env_id"], config["env_kwargs"], config["policy"], config["architecture"], config.get("training", {})
    )
    return policy
