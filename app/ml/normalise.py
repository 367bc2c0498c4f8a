"""Text normalisation before vectorising: what support e-mails carry that says nothing about the ticket."""

from __future__ import annotations

import re
import unicodedata

from app.ml.lexicon import cues, gloss

# Reply and forward prefixes of a subject line, English and Italian ("R:", "I:" from Outlook in Italian).
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|r|i|rif|inoltro)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Lines that only introduce quoted or forwarded text.
_REPLY_HEADER = re.compile(
    r"^\s*(?:>\s*)*(?:"
    r"on\b.{0,120}\bwrote:?"
    r"|il giorno\b.{0,120}\bha scritto:?"
    r"|-{2,}\s*(?:forwarded message|original message|messaggio (?:inoltrato|originale))\s*-*"
    r"|begin forwarded message:?"
    r"|(?:from|sent|to|cc|date|subject|da|inviato|a|oggetto|data):\s.*"
    r")\s*$",
    re.IGNORECASE,
)
_QUOTE_MARK = re.compile(r"^\s*(?:>\s?)+", re.MULTILINE)
_DEVICE_FOOTER = re.compile(r"^\s*(?:sent from my|inviato da(?:l mio)?)\b.*$", re.IGNORECASE | re.MULTILINE)
_SIGN_OFF = re.compile(
    r"(?<=[\n.!?])\s*(?:kind regards|best regards|warm regards|regards|best wishes|best|cheers|"
    r"many thanks|thanks in advance|thanks|thank you|thx|"
    r"cordiali saluti|distinti saluti|un saluto|saluti|grazie mille|grazie|buona giornata)"
    r"\s*(?:[,.!]+[^\n.?!]{0,40}[.]?)?(?:\n.{0,80}){0,4}\s*$",
    re.IGNORECASE,
)
SIGNATURE_CHARS = 400
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening|day)|greetings|"
    r"buongiorno|buonasera|salve|ciao|gentile|egregi[oa]|spettabile)\b[^\n,.!:]{0,40}[,.!:]?\s*",
    re.IGNORECASE,
)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Long digit runs are order, invoice and phone numbers; short ones (404, 2fa, 3 times) can carry meaning.
_LONG_NUMBER = re.compile(r"\d{4,}")


def split_reply(text: str) -> tuple[str, str]:
    """The writer's own words, and the quoted or forwarded text under them without headers or markers."""
    if ">" not in text and ":" not in text and "--" not in text:
        return text, ""  # no quote marker, header or forward line can be there
    own: list[str] = []
    quoted: list[str] = []
    for line in text.splitlines():
        if _REPLY_HEADER.match(line):
            quoted.append("")  # everything after a reply or forward header is someone else's text
            continue
        (quoted if quoted or _QUOTE_MARK.match(line) else own).append(_QUOTE_MARK.sub("", line))
    return "\n".join(own), "\n".join(quoted).strip()


def strip_courtesy(text: str) -> str:
    """Drop an opening greeting, a closing sign-off with the signature under it, and device footers."""
    text = _DEVICE_FOOTER.sub("", text).strip()
    # A sign-off and its signature sit at the end: search the tail only (most of the cost otherwise).
    sign_off = _SIGN_OFF.search(text, max(0, len(text) - SIGNATURE_CHARS))
    if sign_off:
        text = text[: sign_off.start()].strip()
    return _GREETING.sub("", text, count=1)


def fold(text: str) -> str:
    """Lowercase, strip accents, and mask URLs, e-mail addresses and numbers (their values are noise)."""
    text = text.lower()
    if "@" in text:
        text = _EMAIL.sub(" emailaddress ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" webaddress ", text)
    if not text.isascii():  # most tickets are: skip the per-character pass
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _LONG_NUMBER.sub("0000", text)


def normalise_ticket(text: str) -> str:
    """The ticket text as the vectorisers read it: subject prefixes, replies and courtesy removed, folded."""
    title, _, body = text.partition("\n")
    own, quoted = split_reply(body)
    return fold(f"{_SUBJECT_PREFIX.sub('', title)}\n{strip_courtesy(own)}\n{quoted}".strip())


def enrich_ticket(text: str) -> str:
    """normalise_ticket, then the English words of its Italian and the cues of its phrases on a last line.

    A separate function, not a change of normalise_ticket: a saved model names its preprocessor, so versions
    trained before the lexicon keep reading text exactly as they were trained to.
    """
    text = normalise_ticket(text)
    extra = f"{gloss(text)} {cues(text)}".strip()
    return f"{text}\n{extra}" if extra else text
