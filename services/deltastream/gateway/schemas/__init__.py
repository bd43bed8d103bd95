"""The JSON bodies of the REST API and the WebSocket feed, as pydantic models (so the OpenAPI
schema is exactly what is served), each with the conversion from its protobuf message.

Names follow the contracts in ``proto/deltastream/v1``; enum values are the proto names without
their prefix, in lower case (``IV_STATUS_BELOW_INTRINSIC`` is ``below_intrinsic``); JSON has no
NaN, so a number the contract leaves NaN is ``null``.
"""
