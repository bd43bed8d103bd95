"""Rebuilding a gRPC method handler around a wrapper of its behavior: what every server
interceptor here (errors, metrics, auth, stream closing) does to the handler it is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc


def rewrapped(handler: grpc.RpcMethodHandler, behavior: Callable[..., Any]) -> Any:
    """A method handler of the same kind and (de)serializers as ``handler``, with ``behavior``
    (a wrapper of the handler's own) in place of its behavior."""
    factory = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[handler.request_streaming, handler.response_streaming]
    return factory(
        behavior,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
