"""The MarketData gRPC service: latest chains, history and live subscriptions."""
