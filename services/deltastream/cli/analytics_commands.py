"""The Analytics subcommands (``analytics`` and ``surface``): call, render, print. Failures
are reported by ``commands.run`` like every other command's."""

from __future__ import annotations

from collections.abc import Callable

from deltastream.cli import render_analytics
from deltastream.cli.analytics_client import AnalyticsClient, connect_analytics
from deltastream.cli.client import Connection
from deltastream.cli.commands import Action, Output, message_json, print_text
from deltastream.cli.credentials import Credentials

AnalyticsCommand = Callable[[AnalyticsClient], None]


def analytics_service(
    connection: Connection, credentials: Credentials, command: AnalyticsCommand
) -> Action:
    """Connect to Analytics with the caller's credential and run ``command``."""

    def action() -> None:
        with connect_analytics(connection, credentials.metadata()) as client:
            command(client)

    return action


def chain_analytics(output: Output, underlying: str, expiry: str) -> AnalyticsCommand:
    def command(client: AnalyticsClient) -> None:
        reply = client.chain_analytics(underlying, expiry)
        text = (
            message_json(reply)
            if output.as_json
            else render_analytics.analytics_text(reply, output.zone)
        )
        print_text(output, text)

    return command


def surface(output: Output, underlying: str) -> AnalyticsCommand:
    def command(client: AnalyticsClient) -> None:
        reply = client.surface(underlying)
        text = message_json(reply) if output.as_json else render_analytics.surface_text(reply)
        print_text(output, text)

    return command
