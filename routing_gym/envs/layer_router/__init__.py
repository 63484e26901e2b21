"""layer_router problem: per-layer module routing of tokens (skip / small / big), the Duo-LLM setting."""
