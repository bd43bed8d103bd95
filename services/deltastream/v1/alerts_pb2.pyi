from deltastream.v1 import market_pb2 as _market_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_KIND_UNSPECIFIED: _ClassVar[RuleKind]
    RULE_KIND_PRICE: _ClassVar[RuleKind]
    RULE_KIND_PCR: _ClassVar[RuleKind]
    RULE_KIND_IV: _ClassVar[RuleKind]
    RULE_KIND_ATM_IV: _ClassVar[RuleKind]
    RULE_KIND_IV_CHANGE: _ClassVar[RuleKind]
    RULE_KIND_MAX_PAIN_MOVE: _ClassVar[RuleKind]
    RULE_KIND_OI_CHANGE: _ClassVar[RuleKind]

class AlertDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_DIRECTION_UNSPECIFIED: _ClassVar[AlertDirection]
    ALERT_DIRECTION_ABOVE: _ClassVar[AlertDirection]
    ALERT_DIRECTION_BELOW: _ClassVar[AlertDirection]
    ALERT_DIRECTION_CROSSES: _ClassVar[AlertDirection]
RULE_KIND_UNSPECIFIED: RuleKind
RULE_KIND_PRICE: RuleKind
RULE_KIND_PCR: RuleKind
RULE_KIND_IV: RuleKind
RULE_KIND_ATM_IV: RuleKind
RULE_KIND_IV_CHANGE: RuleKind
RULE_KIND_MAX_PAIN_MOVE: RuleKind
RULE_KIND_OI_CHANGE: RuleKind
ALERT_DIRECTION_UNSPECIFIED: AlertDirection
ALERT_DIRECTION_ABOVE: AlertDirection
ALERT_DIRECTION_BELOW: AlertDirection
ALERT_DIRECTION_CROSSES: AlertDirection

class RuleSpec(_message.Message):
    __slots__ = ("kind", "underlying", "expiry", "strike", "option_type", "threshold", "direction", "window_seconds", "cooldown_seconds", "webhook_url", "description")
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    OPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    kind: RuleKind
    underlying: str
    expiry: str
    strike: float
    option_type: _market_pb2.OptionType
    threshold: float
    direction: AlertDirection
    window_seconds: float
    cooldown_seconds: float
    webhook_url: str
    description: str
    def __init__(self, kind: _Optional[_Union[RuleKind, str]] = ..., underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., strike: _Optional[float] = ..., option_type: _Optional[_Union[_market_pb2.OptionType, str]] = ..., threshold: _Optional[float] = ..., direction: _Optional[_Union[AlertDirection, str]] = ..., window_seconds: _Optional[float] = ..., cooldown_seconds: _Optional[float] = ..., webhook_url: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("id", "owner", "spec", "created_at_ns")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_NS_FIELD_NUMBER: _ClassVar[int]
    id: str
    owner: str
    spec: RuleSpec
    created_at_ns: int
    def __init__(self, id: _Optional[str] = ..., owner: _Optional[str] = ..., spec: _Optional[_Union[RuleSpec, _Mapping]] = ..., created_at_ns: _Optional[int] = ...) -> None: ...

class CreateRuleRequest(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: RuleSpec
    def __init__(self, rule: _Optional[_Union[RuleSpec, _Mapping]] = ...) -> None: ...

class CreateRuleResponse(_message.Message):
    __slots__ = ("rule", "webhook_secret")
    RULE_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_FIELD_NUMBER: _ClassVar[int]
    rule: Rule
    webhook_secret: str
    def __init__(self, rule: _Optional[_Union[Rule, _Mapping]] = ..., webhook_secret: _Optional[str] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("underlying", "page_size", "page_token")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    page_size: int
    page_token: str
    def __init__(self, underlying: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules", "next_page_token")
    RULES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    next_page_token: str
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteRuleRequest(_message.Message):
    __slots__ = ("rule_id",)
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    def __init__(self, rule_id: _Optional[str] = ...) -> None: ...

class DeleteRuleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("rule_id", "underlying", "start_ns", "end_ns", "page_size", "page_token")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    START_NS_FIELD_NUMBER: _ClassVar[int]
    END_NS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    underlying: str
    start_ns: int
    end_ns: int
    page_size: int
    page_token: str
    def __init__(self, rule_id: _Optional[str] = ..., underlying: _Optional[str] = ..., start_ns: _Optional[int] = ..., end_ns: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AlertEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[AlertEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("rule_ids", "underlyings", "after_stream_id")
    RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    UNDERLYINGS_FIELD_NUMBER: _ClassVar[int]
    AFTER_STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    rule_ids: _containers.RepeatedScalarFieldContainer[str]
    underlyings: _containers.RepeatedScalarFieldContainer[str]
    after_stream_id: str
    def __init__(self, rule_ids: _Optional[_Iterable[str]] = ..., underlyings: _Optional[_Iterable[str]] = ..., after_stream_id: _Optional[str] = ...) -> None: ...

class AlertEvent(_message.Message):
    __slots__ = ("id", "rule_id", "kind", "underlying", "expiry", "strike", "option_type", "direction", "threshold", "value", "reference_value", "timestamp_ns", "chain_version", "message", "stream_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    OPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    CHAIN_VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    rule_id: str
    kind: RuleKind
    underlying: str
    expiry: str
    strike: float
    option_type: _market_pb2.OptionType
    direction: AlertDirection
    threshold: float
    value: float
    reference_value: float
    timestamp_ns: int
    chain_version: int
    message: str
    stream_id: str
    def __init__(self, id: _Optional[str] = ..., rule_id: _Optional[str] = ..., kind: _Optional[_Union[RuleKind, str]] = ..., underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., strike: _Optional[float] = ..., option_type: _Optional[_Union[_market_pb2.OptionType, str]] = ..., direction: _Optional[_Union[AlertDirection, str]] = ..., threshold: _Optional[float] = ..., value: _Optional[float] = ..., reference_value: _Optional[float] = ..., timestamp_ns: _Optional[int] = ..., chain_version: _Optional[int] = ..., message: _Optional[str] = ..., stream_id: _Optional[str] = ...) -> None: ...
