from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OptionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTION_TYPE_UNSPECIFIED: _ClassVar[OptionType]
    OPTION_TYPE_CALL: _ClassVar[OptionType]
    OPTION_TYPE_PUT: _ClassVar[OptionType]

class IvStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IV_STATUS_UNSPECIFIED: _ClassVar[IvStatus]
    IV_STATUS_OK: _ClassVar[IvStatus]
    IV_STATUS_BELOW_INTRINSIC: _ClassVar[IvStatus]
    IV_STATUS_ABOVE_UPPER_BOUND: _ClassVar[IvStatus]
    IV_STATUS_EXPIRED: _ClassVar[IvStatus]
    IV_STATUS_NON_POSITIVE_PRICE: _ClassVar[IvStatus]
    IV_STATUS_INVALID_INPUT: _ClassVar[IvStatus]
    IV_STATUS_NO_QUOTE: _ClassVar[IvStatus]
OPTION_TYPE_UNSPECIFIED: OptionType
OPTION_TYPE_CALL: OptionType
OPTION_TYPE_PUT: OptionType
IV_STATUS_UNSPECIFIED: IvStatus
IV_STATUS_OK: IvStatus
IV_STATUS_BELOW_INTRINSIC: IvStatus
IV_STATUS_ABOVE_UPPER_BOUND: IvStatus
IV_STATUS_EXPIRED: IvStatus
IV_STATUS_NON_POSITIVE_PRICE: IvStatus
IV_STATUS_INVALID_INPUT: IvStatus
IV_STATUS_NO_QUOTE: IvStatus

class UnderlyingTick(_message.Message):
    __slots__ = ("underlying", "price", "timestamp_ns")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    price: float
    timestamp_ns: int
    def __init__(self, underlying: _Optional[str] = ..., price: _Optional[float] = ..., timestamp_ns: _Optional[int] = ...) -> None: ...

class OptionQuote(_message.Message):
    __slots__ = ("underlying", "expiry", "strike", "option_type", "bid", "ask", "last", "volume", "open_interest", "timestamp_ns")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    OPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    strike: float
    option_type: OptionType
    bid: float
    ask: float
    last: float
    volume: int
    open_interest: int
    timestamp_ns: int
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., strike: _Optional[float] = ..., option_type: _Optional[_Union[OptionType, str]] = ..., bid: _Optional[float] = ..., ask: _Optional[float] = ..., last: _Optional[float] = ..., volume: _Optional[int] = ..., open_interest: _Optional[int] = ..., timestamp_ns: _Optional[int] = ...) -> None: ...

class TickBatch(_message.Message):
    __slots__ = ("underlying_ticks", "quotes")
    UNDERLYING_TICKS_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    underlying_ticks: _containers.RepeatedCompositeFieldContainer[UnderlyingTick]
    quotes: _containers.RepeatedCompositeFieldContainer[OptionQuote]
    def __init__(self, underlying_ticks: _Optional[_Iterable[_Union[UnderlyingTick, _Mapping]]] = ..., quotes: _Optional[_Iterable[_Union[OptionQuote, _Mapping]]] = ...) -> None: ...

class Greeks(_message.Message):
    __slots__ = ("delta", "gamma", "vega", "theta", "rho")
    DELTA_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    VEGA_FIELD_NUMBER: _ClassVar[int]
    THETA_FIELD_NUMBER: _ClassVar[int]
    RHO_FIELD_NUMBER: _ClassVar[int]
    delta: float
    gamma: float
    vega: float
    theta: float
    rho: float
    def __init__(self, delta: _Optional[float] = ..., gamma: _Optional[float] = ..., vega: _Optional[float] = ..., theta: _Optional[float] = ..., rho: _Optional[float] = ...) -> None: ...

class EnrichedQuote(_message.Message):
    __slots__ = ("quote", "mid", "iv", "iv_status", "greeks", "open_interest_change")
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    MID_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    IV_STATUS_FIELD_NUMBER: _ClassVar[int]
    GREEKS_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_CHANGE_FIELD_NUMBER: _ClassVar[int]
    quote: OptionQuote
    mid: float
    iv: float
    iv_status: IvStatus
    greeks: Greeks
    open_interest_change: int
    def __init__(self, quote: _Optional[_Union[OptionQuote, _Mapping]] = ..., mid: _Optional[float] = ..., iv: _Optional[float] = ..., iv_status: _Optional[_Union[IvStatus, str]] = ..., greeks: _Optional[_Union[Greeks, _Mapping]] = ..., open_interest_change: _Optional[int] = ...) -> None: ...

class ChainAnalytics(_message.Message):
    __slots__ = ("pcr_open_interest", "pcr_volume", "max_pain", "atm_iv", "atm_strike", "total_call_open_interest", "total_put_open_interest", "total_call_volume", "total_put_volume")
    PCR_OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    PCR_VOLUME_FIELD_NUMBER: _ClassVar[int]
    MAX_PAIN_FIELD_NUMBER: _ClassVar[int]
    ATM_IV_FIELD_NUMBER: _ClassVar[int]
    ATM_STRIKE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CALL_OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PUT_OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CALL_VOLUME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PUT_VOLUME_FIELD_NUMBER: _ClassVar[int]
    pcr_open_interest: float
    pcr_volume: float
    max_pain: float
    atm_iv: float
    atm_strike: float
    total_call_open_interest: int
    total_put_open_interest: int
    total_call_volume: int
    total_put_volume: int
    def __init__(self, pcr_open_interest: _Optional[float] = ..., pcr_volume: _Optional[float] = ..., max_pain: _Optional[float] = ..., atm_iv: _Optional[float] = ..., atm_strike: _Optional[float] = ..., total_call_open_interest: _Optional[int] = ..., total_put_open_interest: _Optional[int] = ..., total_call_volume: _Optional[int] = ..., total_put_volume: _Optional[int] = ...) -> None: ...

class ChainRow(_message.Message):
    __slots__ = ("strike", "call", "put")
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    PUT_FIELD_NUMBER: _ClassVar[int]
    strike: float
    call: EnrichedQuote
    put: EnrichedQuote
    def __init__(self, strike: _Optional[float] = ..., call: _Optional[_Union[EnrichedQuote, _Mapping]] = ..., put: _Optional[_Union[EnrichedQuote, _Mapping]] = ...) -> None: ...

class ChainSnapshot(_message.Message):
    __slots__ = ("underlying", "expiry", "spot", "forward", "time_to_expiry", "timestamp_ns", "rows", "analytics", "version")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    SPOT_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    spot: float
    forward: float
    time_to_expiry: float
    timestamp_ns: int
    rows: _containers.RepeatedCompositeFieldContainer[ChainRow]
    analytics: ChainAnalytics
    version: int
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., spot: _Optional[float] = ..., forward: _Optional[float] = ..., time_to_expiry: _Optional[float] = ..., timestamp_ns: _Optional[int] = ..., rows: _Optional[_Iterable[_Union[ChainRow, _Mapping]]] = ..., analytics: _Optional[_Union[ChainAnalytics, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...
