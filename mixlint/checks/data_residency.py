"""MX402 data-residency: tracking data that leaves for a non-EU Mixpanel host.

Reported once per construction that decides the host (a ``Consumer`` /
``BufferedConsumer``, a ``Mixpanel`` client without a consumer, a flags config,
``MixpanelUtils``), and at every ``alias()`` call, which the SDK always sends
through a fresh default consumer to the US host. A host that mixlint cannot see
(read from settings or the environment, or passed as ``**options``) is not
reported; neither is a custom consumer (MX302 asks for its review).
"""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.fix.changes import (
    Names,
    Snippet,
    add_argument,
    edit_string,
    fix,
    replace,
)
from mixlint.model import (
    Applicability,
    Change,
    Expr,
    ExprKind,
    Finding,
    Fix,
    Import,
    Level,
    ProjectModel,
    SdkObject,
)
from mixlint.sdk import Sdk, load_sdk
from mixlint.transport import (
    DEFAULT_HOST,
    EU_HOST,
    URL_ARGUMENTS,
    Constants,
    hidden_arguments,
    host_of,
    is_consumer,
    is_mixpanel_host,
    signature_of,
)

_ABSENT = ""  # an argument that is not given: the SDK's default applies
_CONFIG_HINT = (
    'With `residency = "eu"` in the mixlint config this is an error; with '
    '`residency = "any"` it is off.'
)


def _consumer_class(names: Names, client: Expr) -> Snippet | None:
    """The SDK's ``Consumer`` as the client's class is written (``mixpanel.Consumer``
    beside ``mixpanel.Mixpanel(...)``), else ``Consumer``, imported where it is not
    bound; None when that name is bound to something else."""
    callee = client.base
    if callee is not None and callee.kind is ExprKind.ATTR and callee.base is not None:
        return Snippet(f"{callee.base.text}.Consumer")
    module = names.module
    bound = module.globals.get("Consumer", ()) if module is not None else ()
    if bound and not (bound[-1].kind is ExprKind.IMPORT and bound[-1].value == "mixpanel.Consumer"):
        return None
    return names.snippet("mixpanel:Consumer")


class DataResidency(Rule):
    id = "MX402"
    name = "data-residency"
    level = Level.NOTE
    summary = (
        "Tracking data that leaves for a Mixpanel host outside the EU: a `Mixpanel(token)` "
        "client without a consumer (the SDK's default consumer sends to api.mixpanel.com, "
        "in the US), a `Consumer` / `BufferedConsumer` whose `api_host` (or one of whose "
        "`*_url` overrides) is any Mixpanel host but `api-eu.mixpanel.com` (the default, "
        "`api.mixpanel.com`, and `api-in.mixpanel.com` included), a `LocalFlagsConfig` / "
        "`RemoteFlagsConfig` on a non-EU host, `MixpanelUtils` with the default or a "
        "non-EU `residency` (`eu=True` of versions up to 2.2.6 is the EU too), and every "
        "`alias()` call: the SDK always sends it through a fresh default consumer to the "
        "US host, whatever the client's consumer. A host "
        "read from settings or the environment cannot be seen and is not reported, and "
        'neither is a custom consumer (MX302). Default level note; `residency = "eu"` '
        'in the config makes it an error, `residency = "any"` turns it off.'
    )
    why = (
        "Sending personal data to a processor in a third country is a transfer under "
        "GDPR Art. 44ff: it needs an adequacy decision or safeguards (Art. 45/46) and must "
        "be recorded (Art. 30(1)(e)) and disclosed (Art. 13(1)(f)). Projects that promise "
        "EU data residency, and EU-resident Mixpanel projects (which only accept data on "
        "api-eu.mixpanel.com), must send everything to the EU host."
    )
    fix = (
        "Pass a consumer with the bare EU host: "
        '`Mixpanel(token, consumer=Consumer(api_host="api-eu.mixpanel.com"))` (no '
        "`https://`), the same for flags configs (`LocalFlagsConfig(api_host="
        '"api-eu.mixpanel.com")`) and `MixpanelUtils(..., residency="eu")`. Replace '
        "`alias()` by identity merge (`$identify` / `merge` through the EU consumer) or "
        "send the `$create_alias` event through your EU consumer yourself."
    )
    autofix = (
        'Passes `consumer=Consumer(api_host="api-eu.mixpanel.com")` to a client '
        "without a consumer (importing `Consumer`), and "
        '`api_host="api-eu.mixpanel.com"` (or `residency="eu"` for MixpanelUtils) '
        "where the US host is the default or written as a literal. Unsafe: the Mixpanel "
        "project itself must be an EU project (residency is chosen when a project is "
        "created), or it rejects the data. `alias()` has no fix."
    )
    autofix_safety = Applicability.UNSAFE
    tags = ("privacy", "gdpr", "residency")
    security_severity = 3.0
    precision = "high"
    invalid = (
        """
from django.conf import settings
from mixpanel import Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN)
""",
        """
from mixpanel import BufferedConsumer, Mixpanel

consumer = BufferedConsumer(max_size=20, request_timeout=5)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from mixpanel import Consumer, Mixpanel

# events_url, people_url, import_url, request_timeout, groups_url, api_host
mp = Mixpanel(
    "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    consumer=Consumer(None, None, None, 10, None, "api-in.mixpanel.com"),
)
""",
        """
from mixpanel import Consumer, Mixpanel

EU = Consumer(api_host="api-eu.mixpanel.com")
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=EU)


def login(request, anonymous_id):
    if request.user.profile.analytics_consent:
        mp.alias(str(request.user.pk), anonymous_id)
""",
        """
from mixpanel import Consumer, Mixpanel
from mixpanel.flags.types import RemoteFlagsConfig

mp = Mixpanel(
    "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    consumer=Consumer(api_host="api-eu.mixpanel.com"),
    remote_flags_config=RemoteFlagsConfig(),
)
""",
        """
import os

from mixpanel_utils import MixpanelUtils

utils = MixpanelUtils(
    os.environ["MIXPANEL_API_SECRET"],
    token=os.environ["MIXPANEL_TOKEN"],
)
""",
    )
    valid = (
        """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
""",
        """
from mixpanel import BufferedConsumer, Mixpanel

EU_HOST = "api-eu.mixpanel.com"
consumer = BufferedConsumer(20, None, None, None, 5, None, EU_HOST)
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05", consumer=consumer)
""",
        """
from django.conf import settings
from mixpanel import Consumer, Mixpanel

# The host comes from the deployment's settings; mixlint cannot see it.
consumer = Consumer(api_host=settings.MIXPANEL_API_HOST)
mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=consumer)
""",
        """
from mixpanel import Consumer, LocalFlagsConfig, Mixpanel

mp = Mixpanel(
    "3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
    consumer=Consumer(api_host="api-eu.mixpanel.com"),
    local_flags_config=LocalFlagsConfig(api_host="api-eu.mixpanel.com"),
)


def login(request, anonymous_id):
    if request.user.profile.analytics_consent:
        mp.merge(None, str(request.user.pk), anonymous_id)
""",
        """
import os

from mixpanel_utils import MixpanelUtils

utils = MixpanelUtils(
    os.environ["MIXPANEL_API_SECRET"],
    token=os.environ["MIXPANEL_TOKEN"],
    residency="eu",
)
""",
        """
import os

from mixpanel_utils import MixpanelUtils

# mixpanel-utils up to 2.2.6 selects the EU servers with eu=True.
exporter = MixpanelUtils(os.environ["MIXPANEL_API_SECRET"], eu=True)
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        sdk = load_sdk()
        constants = Constants(project)
        for obj in project.objects:
            message = self._object(obj, constants, sdk)
            if message:
                yield self.finding(
                    obj.path,
                    obj.span,
                    f"{message} {_CONFIG_HINT}",
                    fix=self._eu(obj, constants, sdk, project),
                )
        for call in project.calls:
            if call.kind == "sdk" and call.method == "alias":
                yield self.finding(
                    call.path,
                    call.span,
                    (
                        "`alias()` always goes to api.mixpanel.com in the US: the SDK sends it "
                        "through a fresh default Consumer, whatever consumer the client has, so "
                        "the ids leave the EU (GDPR Art. 44ff). Use identity merge or send the "
                        f"`$create_alias` event through your EU consumer. {_CONFIG_HINT}"
                    ),
                )

    def _eu(
        self, obj: SdkObject, constants: Constants, sdk: Sdk, project: ProjectModel
    ) -> Fix | None:
        """The EU host (or residency) where the US one is the default or a literal."""
        change: Change | None = None
        if obj.kind == "Mixpanel":
            names = Names(project, obj.path, f"{obj.path}::{obj.function}")
            consumer = _consumer_class(names, obj.call)
            if consumer is not None:
                code = f'{consumer.code}(api_host="{EU_HOST}")'
                change = self._argument(
                    obj, "consumer", code, None, constants, sdk, consumer.imports
                )
        elif is_consumer(obj) or obj.kind == "FlagsConfig":
            hosts = self._consumer_hosts(obj, constants, sdk) if is_consumer(obj) else ["api_host"]
            # A URL override or a bare host in a URL slot needs a look by a person.
            if len(hosts) == 1 and hosts[0].startswith("api_host") and ";" not in hosts[0]:
                change = self._argument(obj, "api_host", f'"{EU_HOST}"', EU_HOST, constants, sdk)
        elif obj.kind == "MixpanelUtils":
            change = self._argument(obj, "residency", '"eu"', "eu", constants, sdk)
        return fix("Send to the EU host", Applicability.UNSAFE, [change] if change else [])

    def _argument(
        self,
        obj: SdkObject,
        name: str,
        code: str,
        text: str | None,
        constants: Constants,
        sdk: Sdk,
        imports: tuple[Import, ...] = (),
    ) -> Change | None:
        """Argument ``name`` set to ``code``: added when absent, a literal None replaced,
        a string literal's text made ``text``."""
        signature = signature_of(obj, sdk)
        value = (
            signature.argument(obj.call, name) if signature is not None else obj.call.keyword(name)
        )
        if value is None:
            return add_argument(obj.path, obj.span, name, code, imports)
        found = constants.literal(value, obj.path)
        if found is None:
            return None
        literal, where = found
        if literal.value is None:
            return replace(where, literal.span, code, imports=imports)
        if text is not None and isinstance(literal.value, str):
            return edit_string(where, literal.span, literal.value, text)
        return None

    def _object(self, obj: SdkObject, constants: Constants, sdk: Sdk) -> str:
        if obj.kind == "Mixpanel":
            if obj.consumer is None and not hidden_arguments(obj.call):
                signature = signature_of(obj, sdk)
                given = signature.argument(obj.call, "consumer") if signature else None
                # Not None as written: a parameter that no call site passes, whose default
                # is None (``Extractor.defaulted``).
                what = (
                    f"this client's consumer `{given.text}` is None (a parameter that no call "
                    f"passes)"
                    if given is not None and given.kind is not ExprKind.CONST
                    else "this client has no consumer"
                )
                return (
                    f"{what}, so the SDK's default Consumer sends every "
                    f"event and profile update to {DEFAULT_HOST} in the US (a transfer under "
                    f"GDPR Art. 44ff). Pass "
                    f'`consumer=Consumer(api_host="api-eu.mixpanel.com")`.'
                )
            return ""
        if is_consumer(obj):
            hosts = self._consumer_hosts(obj, constants, sdk)
            if hosts:
                return (
                    f"this {obj.kind} sends to a Mixpanel host outside the EU "
                    f"({'; '.join(hosts)}), a transfer under GDPR Art. 44ff. Use "
                    f'`api_host="api-eu.mixpanel.com"` (a bare host, no scheme).'
                )
            return ""
        if obj.kind == "FlagsConfig":
            host = self._host(obj, "api_host", constants, sdk, bare=True)
            if host == _ABSENT:
                host = DEFAULT_HOST
            if host is not None and self._non_eu(host, sdk):
                return (
                    f"this flags config fetches flags from {host}, outside the EU, and remote "
                    f"flags send each user's context there (GDPR Art. 44ff). Use "
                    f'`api_host="api-eu.mixpanel.com"`.'
                )
            return ""
        if obj.kind == "MixpanelUtils":
            return self._utils(obj, constants)
        return ""

    def _host(
        self, obj: SdkObject, name: str, constants: Constants, sdk: Sdk, bare: bool
    ) -> str | None:
        """The host an argument names; ``_ABSENT`` when it is not given (or None); None
        when it cannot be seen (not a literal, or hidden in ``**options``)."""
        signature = signature_of(obj, sdk)
        if signature is None:
            return None
        value = signature.argument(obj.call, name)
        literal = constants.literal(value, obj.path) if value is not None else None
        if value is None or (literal is not None and literal[0].value is None):
            return None if hidden_arguments(obj.call) else _ABSENT
        text = constants.text(value, obj.path)
        return host_of(text, bare=bare) if text is not None else None

    def _consumer_hosts(self, obj: SdkObject, constants: Constants, sdk: Sdk) -> list[str]:
        found: list[str] = []
        overridden = True
        for name in URL_ARGUMENTS:
            host = self._host(obj, name, constants, sdk, bare=False)
            if host == _ABSENT:
                overridden = False  # this endpoint goes to api_host
            elif host is not None and self._non_eu(host, sdk):
                found.append(f"{name} on {host}")
        if not overridden:
            api_host = self._host(obj, "api_host", constants, sdk, bare=True)
            if api_host == _ABSENT:
                found.insert(0, f"api_host defaults to {DEFAULT_HOST}{self._misplaced(obj, sdk)}")
            elif api_host is not None and self._non_eu(api_host, sdk):
                found.insert(0, f"api_host {api_host}")
        return found

    def _misplaced(self, obj: SdkObject, sdk: Sdk) -> str:
        """A bare host passed in a URL slot (``Consumer("api-eu.mixpanel.com")``)."""
        signature = signature_of(obj, sdk)
        if signature is None:
            return ""
        for position, argument in enumerate(signature.args):
            if argument.name not in URL_ARGUMENTS or position >= len(obj.call.args):
                continue
            value = obj.call.args[position]
            if (
                value.kind is ExprKind.CONST
                and isinstance(value.value, str)
                and "://" not in value.value
                and value.value.strip() in sdk.hosts
            ):
                return (
                    f"; {value.text} is passed as {argument.name} (position {position}), "
                    f"not as api_host"
                )
        return ""

    def _non_eu(self, host: str, sdk: Sdk) -> bool:
        return is_mixpanel_host(host) and host not in sdk.eu_hosts

    def _utils(self, obj: SdkObject, constants: Constants) -> str:
        residency = obj.call.keyword("residency")
        eu_flag = obj.call.keyword("eu")  # mixpanel-utils up to 2.2.6: eu=True
        if eu_flag is not None:
            flag = constants.literal(eu_flag, obj.path)
            if flag is None or flag[0].value is True:
                return ""  # EU, or not visible
        if residency is None:
            if hidden_arguments(obj.call):
                return ""
            value: object = "us"
            how = "defaults to"
        else:
            found = constants.literal(residency, obj.path)
            if found is None:
                return ""
            value = found[0].value
            how = "is"
        if isinstance(value, str) and value.lower() == "eu":
            return ""
        return (
            f"MixpanelUtils' residency {how} {value!r}, so exports, imports and deletions go "
            f"to Mixpanel's {str(value).upper()} servers, outside the EU (GDPR Art. 44ff). Pass "
            f'`residency="eu"`.'
        )
