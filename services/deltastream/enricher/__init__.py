"""The enricher: consumes ticks, computes IV, Greeks and chain analytics, stores and publishes."""
