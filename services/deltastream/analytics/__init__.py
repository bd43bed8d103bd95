"""The Analytics gRPC service: chain statistics, their history, term structure and surface."""
