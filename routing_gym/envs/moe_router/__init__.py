"""moe_router problem: per-layer expert routing of tokens (k of E experts, top-k / top-p, mixture of experts)."""
