"""The Alerts service: user rules evaluated on the enriched stream, events stored, streamed
over gRPC and the ``alerts.events`` stream, and posted to webhooks."""
