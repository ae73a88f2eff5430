"""The translation catalogs, kept with Babel (a development tool: never imported by the
program, which reads the compiled .mo with the standard library's gettext).

    python supportcli/locale/catalog.py           extract, update every <lang>.po, compile
    python supportcli/locale/catalog.py --check   change nothing; list what is out of date

Extract reads every marked string in supportcli/ (_, N_, NP_, ngettext, pgettext, tr, ntr);
update merges them into supportcli/locale/<lang>/LC_MESSAGES/support.po (new ones come
in untranslated, gone ones leave; no fuzzy guesses), written sorted by msgid, without
source locations and with fixed header dates, so that two branches' catalogs merge line
by line; compile writes support.mo beside it, which the package ships. tests/test_i18n.py
fails while --check has anything to say. See docs/i18n.md."""

from __future__ import annotations

import io
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent
PACKAGE = LOCALE_DIR.parent
DOMAIN = "support"
LANGUAGES = ("ko",)
KEYWORDS = {**DEFAULT_KEYWORDS, "tr": None, "ntr": (1, 2), "NP_": ((1, "c"), 2)}
# Fixed, so that regenerating an unchanged catalog changes no byte of it.
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def template() -> Catalog:
    """Every marked string in the package, as Babel extracts it."""
    pot = Catalog(project="support", creation_date=STAMP, fuzzy=False)
    method_map = [("locale/**.py", "ignore"), ("**.py", "python")]
    for path, line, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map, keywords=KEYWORDS
    ):
        pot.add(message, None, [(path, line)], auto_comments=comments, context=context)
    return pot


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, creation_date=STAMP, fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


HEADER = """\
# The support CLI's interface in {language}. Generated and compiled by
# supportcli/locale/catalog.py; write translations here (docs/i18n.md), then run it."""


def po_bytes(catalog: Catalog) -> bytes:
    catalog.creation_date = catalog.revision_date = STAMP
    catalog.fuzzy = False
    catalog.project, catalog.version = "support", "1"
    catalog.msgid_bugs_address = catalog.last_translator = ""
    catalog.language_team = f"{catalog.locale}"
    catalog.header_comment = HEADER.format(language=catalog.locale_identifier)
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, no_location=True, ignore_obsolete=True, width=100)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def marshal_bytes(mo: bytes) -> bytes:
    """The .mo as the program loads it: the dict gettext would build from it, marshalled,
    with the plural expression. Parsing a 700-message .mo costs gettext 2.5-4 ms at every
    start in Korean; unmarshalling the same dict a fraction of that (i18n.translation)."""
    # Here, not at the top: the tool's other commands need neither
    import gettext
    import marshal

    parsed = gettext.GNUTranslations(io.BytesIO(mo))
    plural = parsed._info.get("plural-forms", "nplurals=1; plural=0;")  # type: ignore[attr-defined]
    expr = plural.split(";")[1].split("plural=")[1] if "plural=" in plural else "0"
    catalog = parsed._catalog  # type: ignore[attr-defined]
    return marshal.dumps({"plural": expr.strip(), "catalog": catalog}, 4)


def _loads(data: bytes) -> object:
    import marshal  # as in marshal_bytes

    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


def updated(lang: str, pot: Catalog) -> Catalog:
    catalog = read(lang)
    catalog.update(pot, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    return catalog


def problems(lang: str, pot: Catalog | None = None) -> list[str]:
    """What is out of date for `lang`: the .po against the code, each translation, the .mo."""
    pot = pot or template()
    found = []
    current = read(lang)
    if po_bytes(updated(lang, pot)) != po_bytes(read(lang)):
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in pot if m.id}
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in current if m.id}
        for missing in sorted(wanted - have):
            found.append(f"{lang}: not in the catalog: {missing!r}")
        for gone in sorted(have - wanted):
            found.append(f"{lang}: no longer in the code: {gone!r}")
        if not found:
            found.append(f"{lang}: the .po is not as the tool writes it (order, header)")
    for message in current:
        if not message.id:
            continue
        found.extend(_translation_problems(lang, message))
    mo = po_path(lang).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != mo_bytes(current):
        found.append(f"{lang}: {mo.name} is stale: compile the catalog")
    fast = po_path(lang).with_suffix(".marshal")
    # compared as loaded: marshal's bytes may differ with how objects were shared
    if not fast.exists() or _loads(fast.read_bytes()) != _loads(marshal_bytes(mo_bytes(current))):
        found.append(f"{lang}: {fast.name} is stale: compile the catalog")
    return found


def _translation_problems(lang: str, message) -> list[str]:  # type: ignore[no-untyped-def]
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strs = [message.string] if isinstance(message.string, str) else list(message.string)
    if message.fuzzy or not all(strs):
        return [f"{lang}: no translation for {ids[0]!r}"]
    wanted = _fields(ids[-1]) | _fields(ids[0])
    if any(_fields(text) - wanted for text in strs):
        return [f"{lang}: {ids[0]!r}: the translation has a {{placeholder}} the msgid lacks"]
    return []


def _fields(text: str) -> set[str]:
    """The {named} placeholders of a str.format template; none for a text that is not one."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def main(argv: list[str]) -> int:
    pot = template()
    if "--check" in argv:
        found = [line for lang in LANGUAGES for line in problems(lang, pot)]
        print("\n".join(found) or "The catalogs are up to date.")
        return 1 if found else 0
    for lang in LANGUAGES:
        catalog = updated(lang, pot)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(po_bytes(catalog))
        catalog = read(lang)  # as written: the .mo is compiled from the file
        path.with_suffix(".mo").write_bytes(mo_bytes(catalog))
        path.with_suffix(".marshal").write_bytes(marshal_bytes(mo_bytes(catalog)))
        untranslated = sum(1 for m in catalog if m.id and not all(_strings(m)))
        print(f"{path}: {len(catalog) - 1} messages, {untranslated} untranslated")
    return 0


def _strings(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [message.string] if isinstance(message.string, str) else list(message.string)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
