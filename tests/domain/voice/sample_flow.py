"""The IVR flow the voice tests share: language choice, business hours, a menu that sets
routing attributes, an account number with a Luhn check and read-back, queues, a
transfer on the allow-list, voicemail."""

from __future__ import annotations

from typing import Any

QUEUES = {"Northwind support", "Northwind billing"}
ALLOW_LIST = {"+441632960*", "+15550100"}


def sample_flow() -> dict[str, Any]:
    return {
        "name": "support-line",
        "start": "language",
        "default_language": "en",
        "hours": {
            "Northwind support": {
                "time_zone": "Europe/Paris",
                "weekly": {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": ["2026-12-25"],
            }
        },
        "nodes": {
            "language": {
                "type": "menu",
                "prompt": "For English press 1. Pour le français, tapez 2.",
                "timeout_seconds": 5,
                "retries": 2,
                "on_fail": "bye",
                "options": {
                    "1": {"next": "open", "language": "en"},
                    "2": {"next": "open", "language": "fr"},
                },
            },
            "open": {
                "type": "hours",
                "queue": "Northwind support",
                "open": "main",
                "closed": "voicemail",
            },
            "main": {
                "type": "menu",
                "prompt": {
                    "en": "For billing press 1. For support press 2. For our partner press 3.",
                    "fr": "Facturation, tapez 1. Assistance, tapez 2. Partenaire, tapez 3.",
                },
                "timeout_seconds": 5,
                "retries": 1,
                "on_fail": "support",
                "options": {
                    "1": {"next": "account", "set": {"topic": "billing"}},
                    "2": {"next": "support", "set": {"topic": "support"}},
                    "3": {"next": "partner"},
                },
            },
            "account": {
                "type": "collect",
                "field": "account",
                "prompt": "Key in your account number, then press hash.",
                "min_digits": 6,
                "max_digits": 16,
                "checksum": "luhn",
                "confirm": True,
                "timeout_seconds": 8,
                "retries": 2,
                "next": "billing",
                "on_fail": "support",
            },
            "billing": {"type": "queue", "queue": "Northwind billing"},
            "support": {"type": "queue", "queue": "Northwind support"},
            "partner": {"type": "transfer", "number": "+441632960123"},
            "voicemail": {
                "type": "voicemail",
                "prompt": "We are closed. Leave a message after the tone.",
                "max_seconds": 120,
            },
            "bye": {"type": "hangup", "prompt": "Goodbye."},
        },
    }
