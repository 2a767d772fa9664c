"""The SDK surface from ``rules/sdk/mixpanel.yaml``, as typed lookup tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mixlint.model import Expr


@dataclass(frozen=True, slots=True)
class Argument:
    role: str  # distinct_id, event, properties, meta, message, context, credential, ...
    name: str  # the parameter's name in the SDK


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    args: tuple[Argument, ...]
    endpoint: str = ""
    profile_write: bool = False
    deletes: bool = False
    distinct_id_only: bool = False
    kind: str = ""  # constructions: "Mixpanel", "Consumer", ...
    adds_ip: bool = False
    plain_http: bool = False
    client: bool = False

    def arguments(self, call: Expr, role: str) -> list[tuple[Argument, Expr]]:
        found = []
        for position, argument in enumerate(self.args):
            if argument.role == role:
                value = call.argument(position, argument.name)
                if value is not None:
                    found.append((argument, value))
        return found

    def argument(self, call: Expr, name: str) -> Expr | None:
        for position, argument in enumerate(self.args):
            if argument.name == name:
                return call.argument(position, name)
        return None


def _arguments(spec: list[str]) -> tuple[Argument, ...]:
    parsed = []
    for item in spec:
        role, _, name = item.partition(":")
        parsed.append(Argument(role, name or role))
    return tuple(parsed)


def _signature(name: str, spec: dict[str, Any]) -> Signature:
    return Signature(
        name=spec.get("method", name),
        args=_arguments(spec.get("args", [])),
        endpoint=spec.get("endpoint", ""),
        profile_write=spec.get("profile_write", False),
        deletes=spec.get("deletes", False),
        distinct_id_only=spec.get("distinct_id_only", False),
        kind=spec.get("kind", ""),
        adds_ip=spec.get("adds_ip", False),
        plain_http=spec.get("plain_http", False),
        client=spec.get("client", False),
    )


@dataclass(frozen=True, slots=True)
class Sdk:
    modules: frozenset[str]
    client_classes: frozenset[str]
    methods: dict[str, Signature]
    flag_providers: frozenset[str]
    flag_methods: dict[str, Signature]
    objects: dict[str, Signature]
    sdk_consumers: frozenset[str]
    eu_hosts: frozenset[str]
    other_hosts: frozenset[str]
    ingestion_endpoints: tuple[str, ...]
    deletion_endpoints: tuple[str, ...]
    senders: dict[str, Signature]
    http_clients: frozenset[str]
    http_methods: frozenset[str]

    @property
    def hosts(self) -> frozenset[str]:
        return self.eu_hosts | self.other_hosts

    @property
    def first_names(self) -> frozenset[str]:
        """The top-level modules of the SDK and the companion libraries (``mixpanel``,
        ``flask_mixpanel``): installed packages a project folder never hides."""
        names = (*self.modules, *self.objects, *self.senders)
        return frozenset(name.split(".")[0] for name in names)


@cache
def load_sdk() -> Sdk:
    from mixlint.resources import data_dir, load_data

    raw = load_data(data_dir() / "sdk" / "mixpanel.yaml")
    return Sdk(
        modules=frozenset(raw["sdk_modules"]),
        client_classes=frozenset(raw["client_classes"]),
        methods={name: _signature(name, spec) for name, spec in raw["methods"].items()},
        flag_providers=frozenset(raw["flag_providers"]),
        flag_methods={name: _signature(name, spec) for name, spec in raw["flag_methods"].items()},
        objects={name: _signature(name, spec) for name, spec in raw["objects"].items()},
        sdk_consumers=frozenset(raw["sdk_consumers"]),
        eu_hosts=frozenset(raw["hosts"]["eu"]),
        other_hosts=frozenset(raw["hosts"]["other"]),
        ingestion_endpoints=tuple(raw["ingestion_endpoints"]),
        deletion_endpoints=tuple(raw["deletion_endpoints"]),
        senders={name: _signature(name, spec) for name, spec in raw["senders"].items()},
        http_clients=frozenset(raw["http_clients"]),
        http_methods=frozenset(raw["http_methods"]),
    )
