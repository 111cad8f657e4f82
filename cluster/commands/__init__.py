"""One module per `riskctl` command group; each exposes ``register(app)``."""
