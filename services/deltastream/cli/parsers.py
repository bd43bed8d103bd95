"""The command lines of the Analytics and Alerts subcommands (``analytics``, ``surface``,
``alerts add|list|rm|watch``), kept apart from MarketData's in ``__main__``."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from deltastream.cli import arguments
from deltastream.cli.alert_rules import DIRECTIONS, KINDS, OPTION_TYPES, RuleRequest
from deltastream.cli.settings import ClientSettings

_DIRECTION_HELP = {
    "above": "fire when the value is above THRESHOLD (max-pain-move: an upward move)",
    "below": "fire when the value is below THRESHOLD (max-pain-move: a downward move)",
    "crosses": "fire when the value crosses THRESHOLD either way",
}

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def common_options(
    target: str, service: str, variable: str, timeout: float
) -> argparse.ArgumentParser:
    """``--target`` (of ``service``, default from ``variable``), ``--timeout``, ``--json``,
    ``--tz``: the options every command that calls a service takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--target",
        default=target,
        help=f"host:port of {service} (default: ${variable} or %(default)s)",
    )
    common.add_argument(
        "--timeout",
        type=arguments.positive_seconds,
        default=timeout,
        help="seconds to wait for the server and for each call (default %(default)s)",
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    common.add_argument(
        "--tz", type=arguments.time_zone, help="time zone of printed times (default: local)"
    )
    return common


def add_analytics(subcommands: Subcommands, settings: ClientSettings) -> None:
    common = common_options(
        settings.analytics_target,
        "Analytics",
        "DELTASTREAM_ANALYTICS_TARGET",
        settings.marketdata_timeout_seconds,
    )
    analytics = subcommands.add_parser(
        "analytics",
        parents=[common],
        help="PCR, max pain, ATM IV, 25-delta RR/BF, IV rank and the OI build-up per strike",
    )
    analytics.add_argument("underlying")
    analytics.add_argument("--expiry", type=arguments.expiry, help="default: the nearest")
    surface = subcommands.add_parser(
        "surface", parents=[common], help="the SVI volatility surface and its arbitrage checks"
    )
    surface.add_argument("underlying")


def add_alerts(subcommands: Subcommands, settings: ClientSettings) -> None:
    common = common_options(
        settings.alerts_target,
        "Alerts",
        "DELTASTREAM_ALERTS_TARGET",
        settings.marketdata_timeout_seconds,
    )
    alerts = subcommands.add_parser("alerts", help="your alert rules and their events")
    actions = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    _add_rule(actions, common)
    listing = actions.add_parser("list", parents=[common], help="your rules, oldest first")
    listing.add_argument("underlying", nargs="?", default="", help="only rules on this one")
    remove = actions.add_parser("rm", parents=[common], help="delete rules by id")
    remove.add_argument("rule_ids", nargs="+", metavar="ID")
    watch = actions.add_parser(
        "watch", parents=[common], help="one line per event as it fires, until Ctrl-C"
    )
    watch.add_argument("underlyings", nargs="*", metavar="underlying", help="default: all")
    watch.add_argument(
        "--rule", action="append", default=[], dest="rule_ids", help="only this rule (repeatable)"
    )
    watch.add_argument(
        "--count", type=arguments.positive_integer, help="stop after this many events"
    )


def _add_rule(actions: Subcommands, common: argparse.ArgumentParser) -> None:
    add = actions.add_parser(
        "add",
        parents=[common],
        help="create a rule",
        description="Kinds: price (the underlying's, or an option's mid with --strike and "
        "--call/--put), pcr, iv (an option's), atm-iv, iv-change (in vol units over --window), "
        "max-pain-move (a move from where it was), oi-change (percent over --window).",
    )
    add.add_argument("underlying")
    add.add_argument("--kind", required=True, choices=sorted(KINDS))
    condition = add.add_mutually_exclusive_group(required=True)
    for direction in sorted(DIRECTIONS):
        condition.add_argument(
            f"--{direction}",
            type=float,
            metavar="THRESHOLD",
            help=_DIRECTION_HELP[direction],
        )
    add.add_argument("--expiry", type=arguments.expiry, help="required except for price")
    add.add_argument("--strike", type=float, help="an option's strike (with --call or --put)")
    option = add.add_mutually_exclusive_group()
    for name in sorted(OPTION_TYPES):
        option.add_argument(
            f"--{name}", dest="option_type", action="store_const", const=name, help=f"a {name}"
        )
    add.add_argument(
        "--window", type=arguments.duration, help="look-back of iv-change and oi-change"
    )
    add.add_argument(
        "--cooldown", type=arguments.duration, help="least time between events (default 60s)"
    )
    add.add_argument("--webhook", default="", metavar="URL", help="POST each event here")
    add.add_argument("--description", default="", help="a note for yourself")


def rule_request(args: argparse.Namespace) -> RuleRequest:
    """The rule ``alerts add`` asks for (argparse required exactly one direction)."""
    direction = next(name for name in sorted(DIRECTIONS) if getattr(args, name) is not None)
    return RuleRequest(
        underlying=args.underlying,
        kind=args.kind,
        direction=direction,
        threshold=getattr(args, direction),
        expiry=args.expiry or "",
        strike=args.strike,
        option_type=args.option_type,
        window=args.window,
        cooldown=args.cooldown,
        webhook_url=args.webhook,
        description=args.description,
    )
