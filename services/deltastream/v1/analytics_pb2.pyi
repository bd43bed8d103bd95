from deltastream.v1 import market_pb2 as _market_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BuildUp(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUILD_UP_UNSPECIFIED: _ClassVar[BuildUp]
    BUILD_UP_NEUTRAL: _ClassVar[BuildUp]
    BUILD_UP_LONG_BUILD_UP: _ClassVar[BuildUp]
    BUILD_UP_SHORT_BUILD_UP: _ClassVar[BuildUp]
    BUILD_UP_SHORT_COVERING: _ClassVar[BuildUp]
    BUILD_UP_LONG_UNWINDING: _ClassVar[BuildUp]
BUILD_UP_UNSPECIFIED: BuildUp
BUILD_UP_NEUTRAL: BuildUp
BUILD_UP_LONG_BUILD_UP: BuildUp
BUILD_UP_SHORT_BUILD_UP: BuildUp
BUILD_UP_SHORT_COVERING: BuildUp
BUILD_UP_LONG_UNWINDING: BuildUp

class GetChainAnalyticsRequest(_message.Message):
    __slots__ = ("underlying", "expiry", "since_ns", "iv_history_start_ns")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    SINCE_NS_FIELD_NUMBER: _ClassVar[int]
    IV_HISTORY_START_NS_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    since_ns: int
    iv_history_start_ns: int
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., since_ns: _Optional[int] = ..., iv_history_start_ns: _Optional[int] = ...) -> None: ...

class SmileStatistics(_message.Message):
    __slots__ = ("atm_iv", "call_wing_iv", "put_wing_iv", "risk_reversal", "butterfly")
    ATM_IV_FIELD_NUMBER: _ClassVar[int]
    CALL_WING_IV_FIELD_NUMBER: _ClassVar[int]
    PUT_WING_IV_FIELD_NUMBER: _ClassVar[int]
    RISK_REVERSAL_FIELD_NUMBER: _ClassVar[int]
    BUTTERFLY_FIELD_NUMBER: _ClassVar[int]
    atm_iv: float
    call_wing_iv: float
    put_wing_iv: float
    risk_reversal: float
    butterfly: float
    def __init__(self, atm_iv: _Optional[float] = ..., call_wing_iv: _Optional[float] = ..., put_wing_iv: _Optional[float] = ..., risk_reversal: _Optional[float] = ..., butterfly: _Optional[float] = ...) -> None: ...

class IvStanding(_message.Message):
    __slots__ = ("iv_rank", "iv_percentile", "samples", "low", "high")
    IV_RANK_FIELD_NUMBER: _ClassVar[int]
    IV_PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    iv_rank: float
    iv_percentile: float
    samples: int
    low: float
    high: float
    def __init__(self, iv_rank: _Optional[float] = ..., iv_percentile: _Optional[float] = ..., samples: _Optional[int] = ..., low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class OptionBuildUp(_message.Message):
    __slots__ = ("price", "price_change", "open_interest", "open_interest_change", "build_up")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PRICE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_CHANGE_FIELD_NUMBER: _ClassVar[int]
    BUILD_UP_FIELD_NUMBER: _ClassVar[int]
    price: float
    price_change: float
    open_interest: int
    open_interest_change: float
    build_up: BuildUp
    def __init__(self, price: _Optional[float] = ..., price_change: _Optional[float] = ..., open_interest: _Optional[int] = ..., open_interest_change: _Optional[float] = ..., build_up: _Optional[_Union[BuildUp, str]] = ...) -> None: ...

class StrikeBuildUp(_message.Message):
    __slots__ = ("strike", "call", "put")
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    PUT_FIELD_NUMBER: _ClassVar[int]
    strike: float
    call: OptionBuildUp
    put: OptionBuildUp
    def __init__(self, strike: _Optional[float] = ..., call: _Optional[_Union[OptionBuildUp, _Mapping]] = ..., put: _Optional[_Union[OptionBuildUp, _Mapping]] = ...) -> None: ...

class GetChainAnalyticsResponse(_message.Message):
    __slots__ = ("underlying", "expiry", "spot", "forward", "time_to_expiry", "timestamp_ns", "version", "analytics", "smile", "iv_standing", "baseline_timestamp_ns", "build_up")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    SPOT_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    SMILE_FIELD_NUMBER: _ClassVar[int]
    IV_STANDING_FIELD_NUMBER: _ClassVar[int]
    BASELINE_TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    BUILD_UP_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    expiry: str
    spot: float
    forward: float
    time_to_expiry: float
    timestamp_ns: int
    version: int
    analytics: _market_pb2.ChainAnalytics
    smile: SmileStatistics
    iv_standing: IvStanding
    baseline_timestamp_ns: int
    build_up: _containers.RepeatedCompositeFieldContainer[StrikeBuildUp]
    def __init__(self, underlying: _Optional[str] = ..., expiry: _Optional[str] = ..., spot: _Optional[float] = ..., forward: _Optional[float] = ..., time_to_expiry: _Optional[float] = ..., timestamp_ns: _Optional[int] = ..., version: _Optional[int] = ..., analytics: _Optional[_Union[_market_pb2.ChainAnalytics, _Mapping]] = ..., smile: _Optional[_Union[SmileStatistics, _Mapping]] = ..., iv_standing: _Optional[_Union[IvStanding, _Mapping]] = ..., baseline_timestamp_ns: _Optional[int] = ..., build_up: _Optional[_Iterable[_Union[StrikeBuildUp, _Mapping]]] = ...) -> None: ...

class GetAnalyticsHistoryRequest(_message.Message):
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

class AnalyticsPoint(_message.Message):
    __slots__ = ("timestamp_ns", "version", "spot", "forward", "analytics")
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SPOT_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    timestamp_ns: int
    version: int
    spot: float
    forward: float
    analytics: _market_pb2.ChainAnalytics
    def __init__(self, timestamp_ns: _Optional[int] = ..., version: _Optional[int] = ..., spot: _Optional[float] = ..., forward: _Optional[float] = ..., analytics: _Optional[_Union[_market_pb2.ChainAnalytics, _Mapping]] = ...) -> None: ...

class GetAnalyticsHistoryResponse(_message.Message):
    __slots__ = ("points", "next_page_token")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[AnalyticsPoint]
    next_page_token: str
    def __init__(self, points: _Optional[_Iterable[_Union[AnalyticsPoint, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTermStructureRequest(_message.Message):
    __slots__ = ("underlying",)
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    def __init__(self, underlying: _Optional[str] = ...) -> None: ...

class TermStructurePoint(_message.Message):
    __slots__ = ("expiry", "time_to_expiry", "forward", "atm_iv", "forward_vol", "timestamp_ns")
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    ATM_IV_FIELD_NUMBER: _ClassVar[int]
    FORWARD_VOL_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    expiry: str
    time_to_expiry: float
    forward: float
    atm_iv: float
    forward_vol: float
    timestamp_ns: int
    def __init__(self, expiry: _Optional[str] = ..., time_to_expiry: _Optional[float] = ..., forward: _Optional[float] = ..., atm_iv: _Optional[float] = ..., forward_vol: _Optional[float] = ..., timestamp_ns: _Optional[int] = ...) -> None: ...

class GetTermStructureResponse(_message.Message):
    __slots__ = ("underlying", "points")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    points: _containers.RepeatedCompositeFieldContainer[TermStructurePoint]
    def __init__(self, underlying: _Optional[str] = ..., points: _Optional[_Iterable[_Union[TermStructurePoint, _Mapping]]] = ...) -> None: ...

class GetSurfaceRequest(_message.Message):
    __slots__ = ("underlying", "log_moneyness", "times_to_expiry")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    LOG_MONEYNESS_FIELD_NUMBER: _ClassVar[int]
    TIMES_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    log_moneyness: _containers.RepeatedScalarFieldContainer[float]
    times_to_expiry: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, underlying: _Optional[str] = ..., log_moneyness: _Optional[_Iterable[float]] = ..., times_to_expiry: _Optional[_Iterable[float]] = ...) -> None: ...

class SviParameters(_message.Message):
    __slots__ = ("a", "b", "rho", "m", "s", "rmse")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    RHO_FIELD_NUMBER: _ClassVar[int]
    M_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    RMSE_FIELD_NUMBER: _ClassVar[int]
    a: float
    b: float
    rho: float
    m: float
    s: float
    rmse: float
    def __init__(self, a: _Optional[float] = ..., b: _Optional[float] = ..., rho: _Optional[float] = ..., m: _Optional[float] = ..., s: _Optional[float] = ..., rmse: _Optional[float] = ...) -> None: ...

class SurfaceSlice(_message.Message):
    __slots__ = ("expiry", "time_to_expiry", "forward", "svi", "quotes", "butterfly_arbitrage")
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    SVI_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    BUTTERFLY_ARBITRAGE_FIELD_NUMBER: _ClassVar[int]
    expiry: str
    time_to_expiry: float
    forward: float
    svi: SviParameters
    quotes: int
    butterfly_arbitrage: bool
    def __init__(self, expiry: _Optional[str] = ..., time_to_expiry: _Optional[float] = ..., forward: _Optional[float] = ..., svi: _Optional[_Union[SviParameters, _Mapping]] = ..., quotes: _Optional[int] = ..., butterfly_arbitrage: _Optional[bool] = ...) -> None: ...

class SkippedExpiry(_message.Message):
    __slots__ = ("expiry", "reason")
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    expiry: str
    reason: str
    def __init__(self, expiry: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SurfaceRow(_message.Message):
    __slots__ = ("time_to_expiry", "implied_vol", "total_variance")
    TIME_TO_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VARIANCE_FIELD_NUMBER: _ClassVar[int]
    time_to_expiry: float
    implied_vol: _containers.RepeatedScalarFieldContainer[float]
    total_variance: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, time_to_expiry: _Optional[float] = ..., implied_vol: _Optional[_Iterable[float]] = ..., total_variance: _Optional[_Iterable[float]] = ...) -> None: ...

class GetSurfaceResponse(_message.Message):
    __slots__ = ("underlying", "slices", "calendar_arbitrage", "log_moneyness", "rows", "skipped")
    UNDERLYING_FIELD_NUMBER: _ClassVar[int]
    SLICES_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_ARBITRAGE_FIELD_NUMBER: _ClassVar[int]
    LOG_MONEYNESS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    underlying: str
    slices: _containers.RepeatedCompositeFieldContainer[SurfaceSlice]
    calendar_arbitrage: _containers.RepeatedScalarFieldContainer[bool]
    log_moneyness: _containers.RepeatedScalarFieldContainer[float]
    rows: _containers.RepeatedCompositeFieldContainer[SurfaceRow]
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedExpiry]
    def __init__(self, underlying: _Optional[str] = ..., slices: _Optional[_Iterable[_Union[SurfaceSlice, _Mapping]]] = ..., calendar_arbitrage: _Optional[_Iterable[bool]] = ..., log_moneyness: _Optional[_Iterable[float]] = ..., rows: _Optional[_Iterable[_Union[SurfaceRow, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[SkippedExpiry, _Mapping]]] = ...) -> None: ...
