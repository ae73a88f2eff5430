"""`support setup`: from an address to the settings that send and read its mail.

Discovery (discover.py) finds the servers; this turns what it found into setting values,
the steps to show, and a JSON-ready summary, and writes the settings once the caller
says the customer agreed. It never asks anything itself."""

from __future__ import annotations

from email.utils import parseaddr

from supportcli.addresses import normalize_address
from supportcli.config import KEYS, Settings, parse_value
from supportcli.errors import SupportError
from supportcli.i18n import N_, _
from supportcli.mail import providers
from supportcli.mail.discover import Discovery, Found, discover
from supportcli.mail.providers import Server

GENERIC_STEPS_KO = (
    "메일 서비스의 설정에서 IMAP과 SMTP 접근이 켜져 있는지 확인합니다",
    "2단계 인증을 쓰면 계정 비밀번호 대신 앱 비밀번호를 만들어 씁니다",
)
GENERIC_STEPS_EN = (
    "Check in your mail service's settings that IMAP and SMTP access are on",
    "With two-step verification, create an app password and use it instead of your "
    "account password",
)
# N_: translated where used, in the language of that moment.
BY_HAND = N_(
    "set them by hand: support config set smtp.host HOST (and smtp.port, smtp.security, "
    "imap.host, imap.port, imap.security)"
)
SOURCES = {
    "preset": N_("bundled preset"),
    "autoconfig": N_("the domain's autoconfig file"),
    "ispdb": N_("Thunderbird's ISPDB"),
    "mx": N_("the domain's MX record"),
    "srv": N_("DNS SRV records"),
}


def source_label(source: str) -> str:
    """Where discovery found the settings, in the interface's language."""
    return _(SOURCES[source])


class NothingFound(SupportError):
    """No step of discovery had settings for the domain."""


def find(address: str) -> Discovery:
    """Discovery for a checked address; NothingFound (one line) when it finds nothing."""
    address = parseaddr(normalize_address(address, field="--email"))[1]  # no display name
    result = discover(address)
    if result.found is None:
        domain = address.rpartition("@")[2]
        raise NothingFound(
            _(
                "no mail settings found for {domain} (no preset, autoconfig file, ISPDB entry, "
                "MX or SRV record)"
            ).format(domain=domain),
            hint=_(BY_HAND),
        )
    return result


def values(found: Found, address: str, name: str | None = None) -> dict[str, str]:
    """The settings to write, as `support config set` would take them."""
    chosen = {"user.email": address, **_server("smtp", found.smtp, address)}
    if found.imap is not None:
        chosen.update(_server("imap", found.imap, address))
    if name:
        chosen["user.name"] = name
    return chosen


def _server(kind: str, server: Server, address: str) -> dict[str, str]:
    return {
        f"{kind}.host": server.host,
        f"{kind}.port": str(server.port),
        f"{kind}.security": server.security,
        f"{kind}.user": server.user_for(address),
    }


def steps(found: Found) -> dict[str, tuple[str, ...]]:
    """What to do at the provider before the first login, in Korean and English."""
    if found.provider is not None:
        return {"ko": found.provider.steps_ko, "en": found.provider.steps_en}
    if found.oauth2:
        return {"ko": (providers.MICROSOFT_NOTE,), "en": ()}
    return {"ko": GENERIC_STEPS_KO, "en": GENERIC_STEPS_EN}


def write(chosen: dict[str, str]) -> Settings:
    """Write every value at once, each checked as `config set` checks it."""
    settings = Settings.load()
    for name, raw in chosen.items():
        settings.file_values[name] = parse_value(KEYS[name], raw, name)
    settings.save()
    return settings


def summary(result: Discovery, chosen: dict[str, str], *, written: bool) -> dict[str, object]:
    """The JSON form of a setup: what was found, where, what was (or would be) written."""
    found = result.found
    assert found is not None
    return {
        "email": result.address,
        "source": found.source,
        "where": found.where,
        "provider": found.provider.key if found.provider else None,
        "oauth2": found.oauth2,
        "settings": chosen,
        "steps": {lang: list(lines) for lang, lines in steps(found).items()},
        "tried": result.tried,
        "written": written,
    }
