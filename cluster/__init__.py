"""Wiring: the `riskctl` CLI, services manager, pipeline supervisor and batch jobs (no pricing logic)."""
