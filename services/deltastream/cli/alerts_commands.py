"""The Alerts subcommands (``alerts add``, ``list``, ``rm`` and ``watch``): call, render,
print. Failures are reported by ``commands.run`` like every other command's."""

from __future__ import annotations

import json
from collections.abc import Callable

from google.protobuf import json_format

from deltastream.cli import render_alerts
from deltastream.cli.alert_rules import RuleRequest, rule_spec
from deltastream.cli.alerts_client import AlertsClient, connect_alerts
from deltastream.cli.client import Connection
from deltastream.cli.commands import Action, Output, message_json, print_text, print_until
from deltastream.cli.credentials import Credentials
from deltastream.v1 import alerts_pb2

AlertsCommand = Callable[[AlertsClient], None]


def alerts_service(
    connection: Connection, credentials: Credentials, command: AlertsCommand
) -> Action:
    """Connect to Alerts with the caller's credential and run ``command``."""

    def action() -> None:
        with connect_alerts(connection, credentials.metadata()) as client:
            command(client)

    return action


def add(output: Output, request: RuleRequest) -> AlertsCommand:
    def command(client: AlertsClient) -> None:
        reply = client.create(rule_spec(request))
        text = message_json(reply) if output.as_json else render_alerts.created_text(reply)
        print_text(output, text)

    return command


def list_rules(output: Output, underlying: str) -> AlertsCommand:
    def command(client: AlertsClient) -> None:
        rules = list(client.rules(underlying))
        if output.as_json:
            documents = [
                json_format.MessageToDict(rule, always_print_fields_with_no_presence=True)
                for rule in rules
            ]
            print_text(output, json.dumps(documents, indent=2))
        elif rules:
            print_text(output, "\n".join(render_alerts.rules_table(rules)))
        else:
            print("no alert rules", file=output.err)

    return command


def remove(output: Output, rule_ids: list[str]) -> AlertsCommand:
    def command(client: AlertsClient) -> None:
        for rule_id in rule_ids:
            client.delete(rule_id)
            text = json.dumps({"deleted": rule_id}) if output.as_json else f"deleted {rule_id}"
            print_text(output, text)

    return command


def watch(
    output: Output, underlyings: list[str], rule_ids: list[str], count: int | None
) -> AlertsCommand:
    """Print events until ``count`` of them, the end of the stream, or Ctrl-C (exit 0)."""

    def line(event: alerts_pb2.AlertEvent) -> str:
        if output.as_json:
            return message_json(event, compact=True)
        return render_alerts.event_line(event, output.zone)

    def command(client: AlertsClient) -> None:
        with client.events(underlyings, rule_ids) as events:
            print_until(output, events, line, count)

    return command
