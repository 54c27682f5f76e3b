"""Subscriptions: ``@subscribe("birth.registered", "palm.notices")`` on an async handler."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenohira.events.service import Event, InvalidEvent, check_topic

Handler = Callable[[Event], Awaitable[None]]
NAME_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


@dataclass(frozen=True)
class Subscription:
    topic: str
    name: str
    handler: Handler


class Registry:
    """Who listens to what, in this process."""

    def __init__(self) -> None:
        self._subs: dict[tuple[str, str], Subscription] = {}

    def add(self, topic: str, name: str, handler: Handler) -> Subscription:
        check_topic(topic)
        if not NAME_RE.match(name) or len(name) > 100:
            raise InvalidEvent(f"subscriber name {name!r} must be dotted lower-case words")
        sub = Subscription(topic, name, handler)
        self._subs[(topic, name)] = sub
        return sub

    def for_topic(self, topic: str) -> list[Subscription]:
        return [s for s in self._subs.values() if s.topic == topic]

    def all(self) -> list[Subscription]:
        return list(self._subs.values())

    def clear(self) -> None:
        self._subs.clear()


REGISTRY = Registry()


def subscribe(topic: str, name: str, *, registry: Registry | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` as subscriber ``name`` of ``topic``.

    The handler must be idempotent in effect; write effects through ``event.session`` and they
    happen exactly once per (subscriber, event). Register at import time of a module that the
    app imports (e.g. your ``tasks.py``), before the dispatcher starts.
    """

    def deco(handler: Handler) -> Handler:
        (registry or REGISTRY).add(topic, name, handler)
        return handler

    return deco
