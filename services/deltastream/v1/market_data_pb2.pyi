from deltastream.v1 import market_pb2 as _market_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetChainRequest(_message.Message):
    __slots__ = ("underlying", "expiry")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ...) -> None: ...

class GetChainResponse(_message.Message):
    __slots__ = ("chain",)
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: _market_pb2.ChainSnapshot
    def __init__(self, chain: _Optional[_Union[_market_pb2.ChainSnapshot, _Mapping]] = ...) -> None: ...

class ListExpiriesRequest(_message.Message):
    __slots__ = ("underlying",)
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    def __init__(self, underlying: _Optional[str] = ...) -> None: ...

class ListExpiriesResponse(_message.Message):
    __slots__ = ("expiries",)
    EXPIRIES_FIELD_NUMBER: _ClassVar[int]
    expiries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, expiries: _Optional[_Iterable[str]] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("underlying", "expiry", "start_ns", "end_ns", "page_size", "page_token")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    START_NS_FIELD_NUMBER: _ClassVar[int]
    END_NS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    start_ns: int
    end_ns: int
    page_size: int
    page_token: str
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., start_ns: _Optional[int] = ..., end_ns: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("snapshots", "next_page_token")
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    snapshots: _containers.RepeatedCompositeFieldContainer[_market_pb2.ChainSnapshot]
    next_page_token: str
    def __init__(self, snapshots: _Optional[_Iterable[_Union[_market_pb2.ChainSnapshot, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("underlyings", "expiries", "resume_from")
    UNDERLYINGS_FIELD_NUMBER: _ClassVar[int]
    EXPIRIES_FIELD_NUMBER: _ClassVar[int]
    RESUME_FROM_FIELD_NUMBER: _ClassVar[int]
    underlyings: _containers.RepeatedScalarFieldContainer[str]
    expiries: _containers.RepeatedScalarFieldContainer[str]
    resume_from: str
    def __init__(self, underlyings: _Optional[_Iterable[str]] = ..., expiries: _Optional[_Iterable[str]] = ..., resume_from: _Optional[str] = ...) -> None: ...

class ChainUpdate(_message.Message):
    __slots__ = ("chain", "stream_id", "traceparent", "resume_from")
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    RESUME_FROM_FIELD_NUMBER: _ClassVar[int]
    chain: _market_pb2.ChainSnapshot
    stream_id: str
    traceparent: str
    resume_from: str
    def __init__(self, chain: _Optional[_Union[_market_pb2.ChainSnapshot, _Mapping]] = ..., stream_id: _Optional[str] = ..., traceparent: _Optional[str] = ..., resume_from: _Optional[str] = ...) -> None: ...
