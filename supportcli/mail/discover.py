"""Finding a mail address's SMTP and IMAP servers, the way Thunderbird does.

In order, stopping at the first that answers: the bundled presets (offline); the domain's
own autoconfig file (`https://autoconfig.<domain>/mail/config-v1.1.xml`, then
`https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`); Thunderbird's ISPDB; the
domain's MX host (a preset or the ISPDB entry for the MX host's domain: how Google
Workspace and Microsoft 365 custom domains are found); RFC 6186/8314 SRV records.

What is sent: only the domain. No password ever, and not even the address: autoconfig
files are templates (%EMAILADDRESS%, %EMAILLOCALPART%) filled in here, so the optional
`emailaddress=` query Thunderbird adds is left out.

What is trusted: HTTPS only, the certificate verified, no redirect to another host or to
plain HTTP, at most MAX_BYTES read, the XML parsed with defusedxml without DTDs (no
entities, so no billion laughs or external files). Each lookup gets LOOKUP_TIMEOUT
seconds and the whole discovery TOTAL_TIMEOUT.

Knobs for tests and diagnosis (environment): SUPPORT_DISCOVERY_TIMEOUT (seconds per
lookup), SUPPORT_DISCOVERY_CA_FILE (an extra CA bundle), SUPPORT_DISCOVERY_ISPDB (the
ISPDB's base URL), SUPPORT_DISCOVERY_DNS (host:port of the DNS server to ask),
SUPPORT_DISCOVERY_RESOLVE (`name=ip:port,...`: connect there for that host name, with the
name still used for SNI, the certificate check and Host, like curl's --resolve)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from supportcli.errors import BadInput
from supportcli.i18n import _
from supportcli.mail import providers
from supportcli.mail.providers import ADDRESS, Provider, Server
from supportcli.tls import tls_context

LOOKUP_TIMEOUT = 3.0  # one HTTP fetch or DNS query; a live server answers well within it
TOTAL_TIMEOUT = 10.0  # the customer is waiting at a prompt
MAX_BYTES = 64 * 1024  # real autoconfig files are 1–5 KB
MAX_REDIRECTS = 3
ISPDB = "https://autoconfig.thunderbird.net/v1.1/"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9-]{1,63})*$")
_LOGIN = re.compile(r"^[\w.%@+-]{1,254}$")  # a template or a name; nothing else is kept
_SECURITY = {"SSL": "ssl", "STARTTLS": "starttls"}  # "plain" is never offered a password


class Refused(Exception):
    """One lookup gave nothing usable; the reason is shown in the trail."""


@dataclass(frozen=True)
class Found:
    source: str  # preset | autoconfig | ispdb | mx | srv
    where: str  # the preset's name, the URL, or the DNS name it came from
    smtp: Server
    imap: Server | None
    provider: Provider | None = None
    oauth2: bool = False  # the server takes only OAuth 2.0 (XOAUTH2)


@dataclass
class Discovery:
    address: str
    found: Found | None = None
    tried: list[str] = field(default_factory=list)  # "where: why nothing" for each miss


def discover(address: str) -> Discovery:
    """The settings for `address`; `found` is None when no step had any."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    result = Discovery(address)
    preset = providers.for_domain(domain)
    if preset is not None:
        result.found = _from_provider(preset, "preset", preset.name)
        return result
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        result.tried.append(_("{domain}: not a valid domain name").format(domain=domain))
        return result
    lookups = _Lookups()
    try:
        for step in (_autoconfig, _wellknown, _ispdb, _mx, _srv):
            try:
                result.found = step(lookups, ascii_domain)
            except Refused as exc:
                result.tried.append(str(exc))
                continue
            return result
    finally:
        lookups.close()
    return result


def _from_provider(provider: Provider, source: str, where: str) -> Found:
    return Found(source, where, provider.smtp, provider.imap, provider, provider.oauth2_only)


def _autoconfig(lookups: _Lookups, domain: str) -> Found:
    url = f"https://autoconfig.{domain}/mail/config-v1.1.xml"
    return _parsed(lookups.fetch(url), "autoconfig", url)


def _wellknown(lookups: _Lookups, domain: str) -> Found:
    url = f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"
    return _parsed(lookups.fetch(url), "autoconfig", url)


def _ispdb(lookups: _Lookups, domain: str) -> Found:
    url = ispdb_url(domain)
    return _parsed(lookups.fetch(url), "ispdb", url)


def ispdb_url(domain: str) -> str:
    base = os.environ.get("SUPPORT_DISCOVERY_ISPDB") or ISPDB
    return base.rstrip("/") + "/" + domain


def _mx(lookups: _Lookups, domain: str) -> Found:
    hosts = lookups.mx(domain)
    if not hosts:
        raise Refused(_("MX {domain}: none").format(domain=domain))
    host = hosts[0]
    provider = providers.for_mx(host)
    if provider is not None:
        return _from_provider(provider, "mx", f"MX {host}: {provider.name}")
    # The MX host's own domain (mx1.mail.example.net -> example.net): what Thunderbird asks
    # the ISPDB for. Two labels is naive for co.kr-style domains, which then find nothing.
    base = ".".join(host.split(".")[-2:])
    if base == domain:
        raise Refused(_("MX {domain}: {host}, in the same domain").format(domain=domain, host=host))
    url = ispdb_url(base)
    found = _parsed(lookups.fetch(url), "mx", url)
    return Found("mx", f"MX {host}: {url}", found.smtp, found.imap, None, found.oauth2)


def _srv(lookups: _Lookups, domain: str) -> Found:
    """RFC 6186 (and 8314's implicit-TLS names): TLS first, as RFC 8314 asks."""
    smtp = lookups.srv(f"_submissions._tcp.{domain}", "ssl") or lookups.srv(
        f"_submission._tcp.{domain}", "starttls"
    )
    if smtp is None:
        raise Refused(_("SRV _submission(s)._tcp.{domain}: none").format(domain=domain))
    imap = lookups.srv(f"_imaps._tcp.{domain}", "ssl") or lookups.srv(
        f"_imap._tcp.{domain}", "starttls"
    )
    return Found("srv", _("DNS SRV records of {domain}").format(domain=domain), smtp, imap)


# --- the autoconfig file ------------------------------------------------------------------


def _parsed(body: bytes, source: str, url: str) -> Found:
    smtp, imap, oauth2 = parse_autoconfig(body, where=url)
    return Found(source, url, smtp, imap, None, oauth2)


def parse_autoconfig(body: bytes, *, where: str) -> tuple[Server, Server | None, bool]:
    """The first TLS SMTP and IMAP servers of a Thunderbird config-v1.1.xml file."""
    # Imported here: only discovery parses XML, and never on `--help` or `list`.
    import xml.etree.ElementTree as ET

    # Imported here too: defusedxml, for the same reason.
    import defusedxml
    import defusedxml.ElementTree

    try:
        root = defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise Refused(
            _("{where}: refused, not a plain autoconfig file ({reason})").format(
                where=where, reason=exc
            )
        ) from None
    provider = root.find("emailProvider") if root.tag == "clientConfig" else None
    if provider is None:
        raise Refused(_("{where}: not an autoconfig file").format(where=where))
    smtp = _server(provider.findall("outgoingServer"), "smtp")
    if smtp is None:
        raise Refused(_("{where}: no SMTP server over TLS").format(where=where))
    imap = _server(provider.findall("incomingServer"), "imap")
    auths = {a.text or "" for a in provider.iter("authentication")}
    oauth2 = bool(auths) and auths <= {"OAuth2", "oauth2"}
    return smtp, imap, oauth2


def _server(elements: list[Any], kind: str) -> Server | None:
    for element in elements:
        if element.get("type") != kind:
            continue
        host = (element.findtext("hostname") or "").strip().lower()
        port = (element.findtext("port") or "").strip()
        security = _SECURITY.get((element.findtext("socketType") or "").strip().upper())
        login = (element.findtext("username") or "").strip()
        if security is None or not _HOSTNAME.match(host):
            continue
        if not (port.isdigit() and 0 < int(port) < 65536):
            continue
        return Server(host, int(port), security, login if _LOGIN.match(login) else ADDRESS)
    return None


# --- the network --------------------------------------------------------------------------


class _Lookups:
    """Every fetch and query of one discovery, within its time budget."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + TOTAL_TIMEOUT
        self.per_lookup = _seconds("SUPPORT_DISCOVERY_TIMEOUT", LOOKUP_TIMEOUT)
        self.resolve = _resolve_map(os.environ.get("SUPPORT_DISCOVERY_RESOLVE", ""))
        self._client: Any = None

    def timeout(self, what: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Refused(_("{what}: not tried, discovery ran out of time").format(what=what))
        return min(self.per_lookup, left)

    def fetch(self, url: str) -> bytes:
        # Imported here: httpx (~60 ms) only when a domain has no preset.
        import httpx

        for _hop in range(MAX_REDIRECTS + 1):
            try:
                location, body = self._get(url)
            except httpx.TimeoutException:
                raise Refused(_("{url}: no answer in time").format(url=url)) from None
            except httpx.HTTPError as exc:
                raise Refused(f"{url}: {_why(exc)}") from None
            if location is None:
                return body
            url = _same_host_redirect(url, location)
        raise Refused(_("{url}: too many redirects").format(url=url))

    def _get(self, url: str) -> tuple[str | None, bytes]:
        """(where it redirects to, b"") or (None, the body)."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise Refused(_("{url}: refused, not an https:// URL").format(url=url))
        target, headers, extensions = url, {}, {}
        if parts.hostname in self.resolve:
            address = self.resolve[parts.hostname]
            target = parts._replace(netloc=address).geturl()
            headers["Host"] = parts.netloc
            extensions["sni_hostname"] = parts.hostname  # and the certificate's name
        timeout = self.timeout(url)
        with self.client().stream(
            "GET", target, headers=headers, extensions=extensions, timeout=timeout
        ) as response:
            if response.is_redirect:
                return response.headers.get("location", ""), b""
            if response.status_code != 200:
                raise Refused(f"{url}: HTTP {response.status_code}")
            return None, self._capped(response, url)

    def _capped(self, response: Any, url: str) -> bytes:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BYTES:
            raise Refused(
                _("{url}: refused, larger than {size} KB").format(url=url, size=MAX_BYTES // 1024)
            )
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise Refused(
                    _("{url}: refused, larger than {size} KB").format(
                        url=url, size=MAX_BYTES // 1024
                    )
                )
            if time.monotonic() > self.deadline:
                raise Refused(_("{url}: no answer in time").format(url=url))
        return body

    def client(self) -> Any:
        if self._client is None:
            # Imported here: httpx only when a domain has no preset.
            import httpx

            ca = os.environ.get("SUPPORT_DISCOVERY_CA_FILE") or None
            self._client = httpx.Client(
                verify=tls_context(ca, setting="SUPPORT_DISCOVERY_CA_FILE"),
                follow_redirects=False,  # each one is checked by _same_host_redirect
                trust_env=False,  # our CA and our rules, not SSL_CERT_FILE's or a proxy's
                # No reused connections: with --resolve-style routing two host names can
                # share an address, and a reused connection would keep the first's TLS name.
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    def resolver(self, what: str) -> Any:
        # Imported here: dnspython only when a domain has no preset (or doctor asks).
        import dns.resolver

        knob = os.environ.get("SUPPORT_DISCOVERY_DNS", "")
        try:
            resolver = dns.resolver.Resolver(configure=not knob)
        except dns.resolver.NoResolverConfiguration:
            raise Refused(_("{what}: no DNS server is configured").format(what=what)) from None
        if knob:
            host, _sep, port = knob.rpartition(":")
            resolver.nameservers = [host]
            resolver.port = int(port)
        resolver.lifetime = self.timeout(what)
        return resolver

    def query(self, name: str, kind: str) -> list[Any]:
        """The records, [] when the name has none; Refused when DNS did not answer."""
        # Imported here: dnspython only when a domain has no preset (or doctor asks).
        import dns.exception
        import dns.resolver

        what = f"{kind} {name}"
        try:
            return list(self.resolver(what).resolve(name, kind, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.Timeout:
            raise Refused(_("{what}: DNS did not answer in time").format(what=what)) from None
        except dns.exception.DNSException as exc:
            raise Refused(f"{what}: {exc}") from None

    def mx(self, domain: str) -> list[str]:
        records = sorted(self.query(domain, "MX"), key=lambda r: r.preference)
        hosts = [r.exchange.to_text(omit_final_dot=True).lower() for r in records]
        return [h for h in hosts if h and h != "."]  # "." is RFC 7505's "no mail here"

    def srv(self, name: str, security: str) -> Server | None:
        records = sorted(self.query(name, "SRV"), key=lambda r: (r.priority, -r.weight))
        for record in records:
            host = record.target.to_text(omit_final_dot=True).lower()
            if host and host != "." and _HOSTNAME.match(host) and record.port:
                return Server(host, int(record.port), security)
        return None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def mx_hosts(domain: str) -> list[str]:
    """The domain's MX hosts, best first; Refused when DNS could not say."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise Refused(_("{domain}: not a valid domain name").format(domain=domain)) from None
    return _Lookups().mx(ascii_domain)


def _same_host_redirect(url: str, location: str) -> str:
    """A redirect is followed only to https on the same host (and port)."""
    new = urljoin(url, location)
    old_parts, new_parts = urlsplit(url), urlsplit(new)
    if new_parts.scheme != "https":
        raise Refused(_("{url}: refused, redirects to a non-https URL").format(url=url))
    if new_parts.netloc.lower() != old_parts.netloc.lower():
        raise Refused(
            _("{url}: refused, redirects to another host ({host})").format(
                url=url, host=new_parts.hostname
            )
        )
    return new


def _resolve_map(raw: str) -> dict[str, str]:
    """`name=ip:port,...` -> {name: "ip:port"}."""
    mapping = {}
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        name, _sep, address = entry.partition("=")
        if not address or ":" not in address:
            raise BadInput(
                _("SUPPORT_DISCOVERY_RESOLVE: {entry!r} is not name=ip:port").format(entry=entry)
            )
        mapping[name.strip().lower()] = address.strip()
    return mapping


def _seconds(env: str, default: float) -> float:
    raw = os.environ.get(env, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise BadInput(
            _("{env} must be a number of seconds, not {raw!r}").format(env=env, raw=raw)
        ) from None
    if not 0 < value <= 60:
        raise BadInput(_("{env} must be between 0 and 60 seconds").format(env=env))
    return value


def _why(exc: Exception) -> str:
    """httpx's error without its nesting: the certificate problem or the refused connect."""
    cause: BaseException = exc
    while (inner := cause.__cause__ or cause.__context__) is not None:
        cause = inner
    text = getattr(cause, "verify_message", None) or str(cause) or type(cause).__name__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc) or getattr(cause, "verify_message", None):
        return _("refused, the certificate is not trusted ({reason})").format(reason=text)
    return text
