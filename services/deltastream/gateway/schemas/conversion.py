"""Conversion helpers shared by the schema modules: numbers JSON can carry, enum labels."""

from __future__ import annotations

import enum
import math
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.StrEnum)


def finite(value: float) -> float | None:
    """``value``, or None for NaN and the infinities (JSON has neither)."""
    return value if math.isfinite(value) else None


def label_of(kind: type[E], proto_enum: Any, value: int) -> E:
    """The label of a proto enum value: ``IV_STATUS_OK`` -> ``IvStatus("ok")``. A value the
    contract does not name is ``unspecified``."""
    prefix = proto_enum_prefix(proto_enum)
    try:
        name: str = proto_enum.Name(value)
    except ValueError:
        name = f"{prefix}UNSPECIFIED"
    return kind(name.removeprefix(prefix).lower())


def proto_value(proto_enum: Any, label: enum.StrEnum) -> int:
    """The proto enum value of a label: ``RuleKind("atm_iv")`` -> ``RULE_KIND_ATM_IV``."""
    value: int = proto_enum.Value(f"{proto_enum_prefix(proto_enum)}{label.value.upper()}")
    return value


def proto_enum_prefix(proto_enum: Any) -> str:
    """``IV_STATUS_`` for ``IvStatus``: every value's name starts with it (the zero value is
    always ``<PREFIX>UNSPECIFIED``)."""
    zero: str = proto_enum.Name(0)
    return zero.removesuffix("UNSPECIFIED")
