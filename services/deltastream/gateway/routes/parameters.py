"""Path and query parameters shared by the routes.

They fix only the shape a gRPC request field can hold (a string, an int32 or int64 in range);
what a valid symbol, date or page size is stays the services' decision, and their refusals
come back as 400 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

UnderlyingPath = Annotated[
    str, Path(description="Underlying symbol, e.g. NIFTY.", min_length=1, max_length=64)
]
ExpiryQuery = Annotated[
    str,
    Query(description="Expiry date, YYYY-MM-DD; empty means the nearest.", max_length=64),
]
RequiredExpiryQuery = Annotated[
    str, Query(description="Expiry date, YYYY-MM-DD.", min_length=1, max_length=64)
]
StartQuery = Annotated[
    int,
    Query(description="Inclusive start, ns since the Unix epoch; 0: open.", ge=0, le=INT64_MAX),
]
EndQuery = Annotated[
    int,
    Query(description="Exclusive end, ns since the Unix epoch; 0: open.", ge=0, le=INT64_MAX),
]
TimeQuery = Annotated[
    int, Query(description="ns since the Unix epoch; 0: the default.", ge=0, le=INT64_MAX)
]
PageSizeQuery = Annotated[
    int, Query(description="Items per page; 0: the service's default.", ge=0, le=INT32_MAX)
]
PageTokenQuery = Annotated[
    str, Query(description="next_page_token of the previous page.", max_length=512)
]
