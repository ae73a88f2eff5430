"""Mail settings bundled for the providers our customers use, so `support setup` works
offline for them, with the steps each provider asks for before a mail program may log in.

The steps name each provider's own settings pages as the provider labels them; where a
label has changed over the years, the wording stays general rather than guess a menu.
`login` is how the provider spells the login name: the whole address or its local part
(the part before @), as Thunderbird's autoconfig says with %EMAILADDRESS% and
%EMAILLOCALPART%."""

from __future__ import annotations

from dataclasses import dataclass

from supportcli.i18n import N_

ADDRESS = "%EMAILADDRESS%"
LOCALPART = "%EMAILLOCALPART%"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # ssl | starttls | none, as the smtp.security and imap.security settings
    login: str = ADDRESS

    def user_for(self, address: str) -> str:
        local, _, domain = address.rpartition("@")
        user = self.login.replace(ADDRESS, address).replace(LOCALPART, local)
        return user.replace("%EMAILDOMAIN%", domain)


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    domains: tuple[str, ...]
    smtp: Server
    imap: Server
    steps_ko: tuple[str, ...]
    steps_en: tuple[str, ...]
    # Shown when the login is refused: the usual cause at this provider. Marked N_ below:
    # shown as `_(provider.login_hint)`, in the language of that moment.
    login_hint: str
    # MX hosts ending in one of these: a custom domain hosted here (Workspace, 365).
    mx_suffixes: tuple[str, ...] = ()
    oauth2_only: bool = False  # basic-auth SMTP retired: XOAUTH2 with a token command


NAVER_HINT = N_(
    "네이버 메일 → 환경설정 → POP3/IMAP 설정에서 'IMAP/SMTP 사용'을 '사용함'으로 저장하고, "
    '2단계 인증을 쓰면 애플리케이션 비밀번호로 로그인하세요 (Naver: turn on "IMAP/SMTP 사용" '
    "in mail settings, and log in with an application password if two-step verification is on)"
)
KAKAO_HINT = N_(
    "메일 환경설정에서 IMAP/SMTP 사용을 켜고, 2단계 인증을 쓰면 앱 비밀번호로 로그인하세요 "
    "(turn on IMAP/SMTP in the mail settings; with two-step verification, use an app password)"
)
MICROSOFT_NOTE = N_(
    "Microsoft는 SMTP 기본 인증(아이디와 비밀번호)을 종료했습니다: OAuth 2.0(XOAUTH2) 토큰이 "
    "필요합니다 — smtp.oauth2_token_command에 액세스 토큰을 출력하는 명령을 설정하세요. "
    "(Microsoft has retired basic authentication for SMTP: OAuth 2.0 (XOAUTH2) is needed; set "
    "smtp.oauth2_token_command to a command that prints an access token.)"
)

_NAVER = Provider(
    key="naver",
    name="네이버 메일 (Naver Mail)",
    domains=("naver.com",),
    smtp=Server("smtp.naver.com", 465, "ssl", LOCALPART),
    imap=Server("imap.naver.com", 993, "ssl", LOCALPART),
    steps_ko=(
        "네이버 메일에 로그인 → 왼쪽 아래 '환경설정' → 'POP3/IMAP 설정' 탭",
        "'IMAP/SMTP 설정'에서 'IMAP/SMTP 사용'을 '사용함'으로 바꾸고 '저장'",
        "2단계 인증을 쓰면: 네이버 '내정보' → '보안설정' → '2단계 인증' → "
        "'애플리케이션 비밀번호 관리'에서 새 비밀번호를 만들고, 네이버 비밀번호 대신 씁니다",
        "로그인 아이디는 @naver.com 앞부분(네이버 아이디)입니다",
    ),
    steps_en=(
        "Log in to Naver Mail → 'Settings' (환경설정, bottom left) → the 'POP3/IMAP' tab",
        "Under IMAP/SMTP, set 'IMAP/SMTP 사용' to 'Use' (사용함) and Save (저장)",
        "With two-step verification: Naver 'My info' (내정보) → 'Security' (보안설정) → "
        "'Two-step verification' → 'Application passwords' (애플리케이션 비밀번호 관리): create "
        "one and use it instead of your Naver password",
        "The login name is your Naver ID, the part before @naver.com",
    ),
    login_hint=NAVER_HINT,
)

_DAUM = Provider(
    key="daum",
    name="다음 메일 (Daum/Hanmail)",
    domains=("daum.net", "hanmail.net"),
    smtp=Server("smtp.daum.net", 465, "ssl", LOCALPART),
    imap=Server("imap.daum.net", 993, "ssl", LOCALPART),
    steps_ko=(
        "Daum 메일에 로그인 → '환경설정' → 'IMAP/POP3' 메뉴",
        "'IMAP / SMTP 사용'을 '사용함'으로 바꾸고 저장",
        "카카오계정으로 로그인하고 2단계 인증을 쓰면: 카카오계정 보안 설정에서 앱 비밀번호를 "
        "만들어 계정 비밀번호 대신 씁니다",
        "로그인 아이디는 @daum.net / @hanmail.net 앞부분입니다",
    ),
    steps_en=(
        "Log in to Daum Mail → 'Settings' (환경설정) → 'IMAP/POP3'",
        "Set 'IMAP / SMTP' to 'Use' (사용함) and save",
        "If you sign in with a Kakao Account with two-step verification: create an app "
        "password in the Kakao Account security settings and use it instead of your password",
        "The login name is the part before @daum.net / @hanmail.net",
    ),
    login_hint=KAKAO_HINT,
)

_KAKAO = Provider(
    key="kakao",
    name="카카오메일 (Kakao Mail)",
    domains=("kakao.com",),
    smtp=Server("smtp.kakao.com", 465, "ssl"),
    imap=Server("imap.kakao.com", 993, "ssl"),
    steps_ko=(
        "카카오메일(mail.kakao.com)에 로그인 → '환경설정' → 'IMAP/POP3'",
        "'IMAP/SMTP 사용'을 '사용함'으로 바꾸고 저장",
        "2단계 인증을 쓰면: 카카오계정 보안 설정에서 앱 비밀번호를 만들어 씁니다",
    ),
    steps_en=(
        "Log in to Kakao Mail (mail.kakao.com) → 'Settings' (환경설정) → 'IMAP/POP3'",
        "Set 'IMAP/SMTP' to 'Use' (사용함) and save",
        "With two-step verification: create an app password in your Kakao Account's "
        "security settings and use it",
    ),
    login_hint=KAKAO_HINT,
)

_NATE = Provider(
    key="nate",
    name="네이트 메일 (Nate Mail)",
    domains=("nate.com",),
    smtp=Server("smtp.mail.nate.com", 465, "ssl"),
    imap=Server("imap.nate.com", 993, "ssl"),
    steps_ko=(
        "네이트 메일에 로그인 → '환경설정'에서 POP3/SMTP·IMAP 설정을 찾아 사용함으로 저장",
        "로그인 아이디는 @nate.com까지 포함한 전체 주소입니다",
    ),
    steps_en=(
        "Log in to Nate Mail → in its settings (환경설정), turn on POP3/SMTP and IMAP access",
        "The login name is the whole address, @nate.com included",
    ),
    login_hint=N_(
        "네이트 메일 환경설정에서 IMAP/SMTP 사용을 켰는지 확인하세요 "
        "(check that IMAP/SMTP access is on in Nate Mail's settings)"
    ),
)

_GMAIL = Provider(
    key="gmail",
    name="Gmail / Google Workspace",
    domains=("gmail.com", "googlemail.com"),
    smtp=Server("smtp.gmail.com", 465, "ssl"),
    imap=Server("imap.gmail.com", 993, "ssl"),
    steps_ko=(
        "Google 계정(myaccount.google.com) → '보안' → '2단계 인증'을 켭니다",
        "'앱 비밀번호'(myaccount.google.com/apppasswords)에서 새 앱 비밀번호를 만들고, "
        "Google 비밀번호 대신 그 16자리를 씁니다",
        "Gmail 설정 → '모든 설정 보기' → '전달 및 POP/IMAP'에서 IMAP이 사용 중인지 확인합니다",
        "회사·학교 계정(Google Workspace)은 관리자가 앱 비밀번호를 막았을 수 있습니다: "
        "그때는 smtp.oauth2_token_command로 OAuth를 씁니다",
    ),
    steps_en=(
        "Google Account (myaccount.google.com) → 'Security' → turn on '2-Step Verification'",
        "Open 'App passwords' (myaccount.google.com/apppasswords), create one, and use its "
        "16 characters instead of your Google password",
        "Gmail → Settings → 'See all settings' → 'Forwarding and POP/IMAP': check that IMAP "
        "is enabled",
        "A work or school account (Google Workspace) may have app passwords turned off by "
        "its administrator: then use OAuth through smtp.oauth2_token_command",
    ),
    login_hint=N_(
        "Google은 계정 비밀번호 로그인을 받지 않습니다: 2단계 인증을 켜고 앱 비밀번호로 "
        "로그인하세요 (Google refuses your account password here: turn on 2-Step "
        "Verification and log in with an app password)"
    ),
    mx_suffixes=("google.com", "googlemail.com"),
)

_MICROSOFT_STEPS_KO = (
    "Microsoft는 SMTP 기본 인증을 종료했습니다: 비밀번호나 앱 비밀번호로는 보낼 수 없고 "
    "OAuth 2.0(XOAUTH2) 액세스 토큰이 필요합니다",
    "액세스 토큰을 출력하는 명령(예: OAuth 도우미 스크립트)을 "
    "`support config set smtp.oauth2_token_command '명령'`으로 설정합니다",
    "Outlook.com: 설정 → '메일' → '전달 및 IMAP'에서 IMAP/POP 사용을 허용합니다",
)
_MICROSOFT_STEPS_EN = (
    "Microsoft has retired basic authentication for SMTP: neither your password nor an "
    "app password can send; an OAuth 2.0 (XOAUTH2) access token is needed",
    "Set a command that prints an access token (an OAuth helper script, for example) with "
    "`support config set smtp.oauth2_token_command 'COMMAND'`",
    "Outlook.com: Settings → 'Mail' → 'Forwarding and IMAP': allow IMAP/POP access",
)

_OUTLOOK = Provider(
    key="outlook",
    name="Outlook.com (Microsoft)",
    domains=("outlook.com", "hotmail.com", "live.com"),
    smtp=Server("smtp-mail.outlook.com", 587, "starttls"),
    imap=Server("outlook.office365.com", 993, "ssl"),
    steps_ko=_MICROSOFT_STEPS_KO,
    steps_en=_MICROSOFT_STEPS_EN,
    login_hint=MICROSOFT_NOTE,
    oauth2_only=True,
)

# No domain of its own: a custom domain whose MX is Exchange Online.
_MICROSOFT_365 = Provider(
    key="microsoft365",
    name="Microsoft 365 (Exchange Online)",
    domains=(),
    smtp=Server("smtp.office365.com", 587, "starttls"),
    imap=Server("outlook.office365.com", 993, "ssl"),
    steps_ko=_MICROSOFT_STEPS_KO[:2]
    + ("관리자가 사서함의 'Authenticated SMTP'와 IMAP을 허용해야 합니다",),
    steps_en=_MICROSOFT_STEPS_EN[:2]
    + ("Your administrator must allow 'Authenticated SMTP' and IMAP for your mailbox",),
    login_hint=MICROSOFT_NOTE,
    mx_suffixes=("mail.protection.outlook.com",),
    oauth2_only=True,
)

_ICLOUD = Provider(
    key="icloud",
    name="iCloud Mail",
    domains=("icloud.com", "me.com", "mac.com"),
    smtp=Server("smtp.mail.me.com", 587, "starttls"),
    imap=Server("imap.mail.me.com", 993, "ssl", LOCALPART),
    steps_ko=(
        "Apple 계정(account.apple.com) → '로그인 및 보안' → '앱 암호'에서 새 앱 암호를 만듭니다 "
        "(2단계 인증이 켜져 있어야 합니다)",
        "Apple 계정 비밀번호 대신 그 앱 암호를 씁니다",
    ),
    steps_en=(
        "Apple Account (account.apple.com) → 'Sign-In and Security' → 'App-Specific "
        "Passwords': generate one (two-factor authentication must be on)",
        "Use that app-specific password instead of your Apple Account password",
    ),
    login_hint=N_(
        "iCloud는 앱 암호로만 로그인됩니다 (iCloud Mail needs an app-specific password "
        "from account.apple.com)"
    ),
)

_YAHOO = Provider(
    key="yahoo",
    name="Yahoo Mail",
    domains=("yahoo.com",),
    smtp=Server("smtp.mail.yahoo.com", 465, "ssl"),
    imap=Server("imap.mail.yahoo.com", 993, "ssl"),
    steps_ko=(
        "Yahoo 계정 정보 → '계정 보안'에서 '앱 비밀번호 생성'으로 새 비밀번호를 만듭니다",
        "Yahoo 비밀번호 대신 그 앱 비밀번호를 씁니다",
    ),
    steps_en=(
        "Yahoo Account Info → 'Account Security' → 'Generate app password'",
        "Use that app password instead of your Yahoo password",
    ),
    login_hint=N_(
        "Yahoo는 앱 비밀번호로 로그인해야 합니다 (Yahoo Mail needs an app password: "
        "Account Security → Generate app password)"
    ),
)

PROVIDERS: tuple[Provider, ...] = (
    _NAVER,
    _DAUM,
    _KAKAO,
    _NATE,
    _GMAIL,
    _OUTLOOK,
    _MICROSOFT_365,
    _ICLOUD,
    _YAHOO,
)
_BY_DOMAIN = {domain: p for p in PROVIDERS for domain in p.domains}


def for_domain(domain: str) -> Provider | None:
    return _BY_DOMAIN.get(domain.lower().rstrip("."))


def for_mx(mx_host: str) -> Provider | None:
    """The provider hosting a custom domain whose MX is `mx_host`."""
    host = mx_host.lower().rstrip(".")
    for provider in PROVIDERS:
        if any(host == s or host.endswith("." + s) for s in provider.mx_suffixes):
            return provider
    return None


def for_host(host: str) -> Provider | None:
    """The provider whose SMTP or IMAP server `host` is (doctor's hints, by setting)."""
    host = host.lower().rstrip(".")
    for provider in PROVIDERS:
        if host in (provider.smtp.host, provider.imap.host):
            return provider
    return None
