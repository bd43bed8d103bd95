"""An OTLP trace receiver in the test process: the collector a service exports its spans to.

``OtlpHttpReceiver`` answers ``POST /v1/traces`` with ``application/x-protobuf`` bodies (plain,
gzip or deflate) as OTLP/HTTP does; ``OtlpGrpcReceiver`` serves the OTLP ``TraceService`` over
gRPC. Both listen on a free port of 127.0.0.1, decode every ``ExportTraceServiceRequest`` and
keep its spans with their resource's ``service.name``. A receiver told to ``refuse`` answers
503 or ``UNAVAILABLE`` (what an exporter retries, then gives up on) and only counts the attempt.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

TRACES_PATH = "/v1/traces"
_PROTOBUF = "application/x-protobuf"
_DECOMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "identity": bytes,
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
}


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span; ids in hex, ``kind`` as ``PRODUCER``, ``CLIENT``…"""

    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str | None
    attributes: dict[str, object]


class ReceivedSpans:
    """What a receiver got, shared with its server threads: the spans of the requests it
    accepted, and how many requests it refused."""

    def __init__(self, refuse: bool) -> None:
        self._refuse = refuse
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self._refused = 0

    def take(self, request: trace_service_pb2.ExportTraceServiceRequest) -> bool:
        """Keep the spans of ``request``, or count it as refused (False)."""
        with self._lock:
            if self._refuse:
                self._refused += 1
                return False
            self._spans.extend(_spans_of(request))
            return True

    @property
    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    @property
    def refused(self) -> int:
        with self._lock:
            return self._refused


class OtlpReceiver:
    """A receiver listening while its ``with`` block runs; ``endpoint`` is the base URL for
    ``OTEL_EXPORTER_OTLP_ENDPOINT``."""

    def __init__(self, refuse: bool = False) -> None:
        self.received = ReceivedSpans(refuse)
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.port = self._start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def _start(self) -> int:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError


class OtlpHttpReceiver(OtlpReceiver):
    """OTLP/HTTP with binary protobuf (``OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf``)."""

    def _start(self) -> int:
        self._server = _TracesServer(self.received)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self._server.server_address[1]

    @property
    def content_encodings(self) -> set[str]:
        """The ``Content-Encoding`` of the requests taken (``identity`` when none was sent)."""
        return set(self._server.content_encodings)

    def _stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class OtlpGrpcReceiver(OtlpReceiver):
    """OTLP/gRPC (``OTEL_EXPORTER_OTLP_PROTOCOL=grpc``), without TLS."""

    def _start(self) -> int:
        self._executor = futures.ThreadPoolExecutor(max_workers=2)
        self._server = grpc.server(self._executor)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(  # type: ignore[no-untyped-call]
            _TraceService(self.received), self._server
        )
        port: int = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        return port

    def _stop(self) -> None:
        self._server.stop(grace=None).wait()
        self._executor.shutdown(wait=True)


class _TracesServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, received: ReceivedSpans) -> None:
        super().__init__(("127.0.0.1", 0), _TracesHandler)
        self.received = received
        self.content_encodings: list[str] = []


class _TracesHandler(BaseHTTPRequestHandler):
    server: _TracesServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "identity")
        if self.path != TRACES_PATH:
            self._answer(HTTPStatus.NOT_FOUND)
        elif self.headers.get_content_type() != _PROTOBUF or encoding not in _DECOMPRESSORS:
            self._answer(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        else:
            self.server.content_encodings.append(encoding)
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(
                _DECOMPRESSORS[encoding](body)
            )
            accepted = self.server.received.take(request)
            self._answer(HTTPStatus.OK if accepted else HTTPStatus.SERVICE_UNAVAILABLE)

    def _answer(self, status: HTTPStatus) -> None:
        body = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(status)
        self.send_header("Content-Type", _PROTOBUF)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the base class writes every request to stderr."""


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, received: ReceivedSpans) -> None:
        self._received = received

    def Export(  # noqa: N802 - the method name of the OTLP contract
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        if not self._received.take(request):
            context.abort(grpc.StatusCode.UNAVAILABLE, "refusing spans")
        return trace_service_pb2.ExportTraceServiceResponse()


def _spans_of(request: trace_service_pb2.ExportTraceServiceRequest) -> list[ReceivedSpan]:
    return [
        _received_span(_attributes(resource_spans.resource.attributes), span)
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
        for span in scope_spans.spans
    ]


def _received_span(resource: dict[str, object], span: ProtoSpan) -> ReceivedSpan:
    return ReceivedSpan(
        service=str(resource.get("service.name", "")),
        name=span.name,
        kind=ProtoSpan.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_id=span.parent_span_id.hex() or None,
        attributes=_attributes(span.attributes),
    )


def _attributes(key_values: Iterable[KeyValue]) -> dict[str, object]:
    return {pair.key: _value(pair.value) for pair in key_values}


def _value(value: AnyValue) -> object:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return tuple(_value(item) for item in value.array_value.values)
    return getattr(value, which)
