"""Ray actors of the real-time engine: the one place that combines pricing, the book and market data.

TickConsumer ──tick──▶ ShardActor × N ──ShardPartial──▶ Aggregator ──one transaction──▶ Redis
     ▲                      ▲
market.curves          BookWatcher ◀── secmaster.events
"""
