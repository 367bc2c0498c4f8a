"""Realistic ticket titles and descriptions whose category is learnable but not keyword-given."""

from __future__ import annotations

import random
import re

from app.demo.phrases import DETAILS, ISSUES, Issue
from app.demo.vocab import SLOTS

AMBIGUOUS_RATE = 0.16  # share of texts drawn from a pool shared with another category
CROSSOVER_RATE = 0.04  # share written like a neighbouring category: people file tickets loosely
TYPO_RATE = 0.12
TITLE_MIN, TITLE_MAX = 20, 120
MAX_BODY_SENTENCES = 4
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")

# Issues that read the same whichever of the two categories a human filed them under.
AMBIGUOUS: dict[tuple[str, str], tuple[Issue, ...]] = {
    ("billing", "bug"): (
        (
            "Invoices page shows {error} | Can't open the invoices page",
            "When I open the invoices page to pay, it shows {error}.",
        ),
        (
            "Payment form will not submit | Checkout spins forever",
            "The payment form spins forever after I enter my {card} details.",
        ),
        (
            "Charged but the upgrade did not go through | Paid for {plan} but nothing changed",
            "I clicked upgrade to {plan}, the card was charged {money} but the app still shows the old plan.",
        ),
        (
            "Download invoice button does nothing | Invoice PDF link broken",
            "The 'download PDF' link for invoice {invoice} returns {error}.",
        ),
    ),
    ("account", "bug"): (
        (
            "Login page shows {error} | Error after entering my password",
            "The sign-in page returns {error} after I enter my password.",
        ),
        (
            "Keeps logging me out | Logged out every few minutes",
            "I get logged out every few minutes and have to sign in again.",
        ),
        (
            "Profile settings won't save | Can't update my email",
            "Changing my email in the profile settings does nothing when I click save.",
        ),
        (
            "Sign-in button greyed out | Can't click sign in on {browser}",
            "The sign-in button is greyed out on {browser}, so I cannot get in.",
        ),
    ),
    ("billing", "account"): (
        (
            "Change the owner of our subscription | Admin left, move the subscription",
            "Our admin left; the subscription and invoices must be moved to my profile.",
        ),
        (
            "Cancel subscription and close workspace | Closing our workspace",
            "We want to cancel the subscription and close the workspace at the end of {month}.",
        ),
        (
            "Who can see invoices in our workspace? | Access to invoices",
            "Only {name} can see the invoices; can you give me access as well?",
        ),
        (
            "Move seats to another workspace | Transfer paid seats",
            "Can we move {n} paid seats from one workspace to the other?",
        ),
    ),
    ("feature", "bug"): (
        (
            "{format} export misses custom fields | Export leaves out columns",
            "The {format} export leaves out custom fields; is that intended or could it be added?",
        ),
        (
            "Search does not find partial words | Search only matches whole words",
            "Search only matches whole words, which makes it hard to find anything.",
        ),
        (
            "Too many notifications | Notification for every tiny change",
            "Notifications are sent for every tiny change; there should be a way to limit them.",
        ),
        (
            "No way to undo a deleted comment | Undo for deleted comments",
            "I deleted a comment by accident and there is no way to undo it.",
        ),
    ),
    ("other", "account"): (
        (
            "Question about my profile | Help needed with my access",
            "I have a question about my profile and access, who can help?",
        ),
        (
            "Who is the admin of our workspace? | Who manages our workspace?",
            "I don't know who manages our workspace, can you tell me?",
        ),
    ),
    ("other", "bug"): (
        (
            "Something is not right | It doesn't work | Problem with {product}",
            "Something is not working right for me {since}, can someone look?",
        ),
        (
            "Weird behaviour in {product} | Strange issue",
            "{product} behaves strangely, hard to describe, maybe we can have a quick call.",
        ),
    ),
    ("other", "feature"): (
        (
            "Feedback on the new design | A few thoughts on {product}",
            "I have some feedback about the new design: overall good, but a few things confuse me.",
        ),
        (
            "Ideas after one month of use | Suggestions and feedback",
            "After a month with {product}: mostly positive, I have a few ideas and questions.",
        ),
    ),
    ("other", "billing"): (
        (
            "Question about pricing | What would more users cost?",
            "What would it cost if we grew to {n} users next year?",
        ),
        (
            "Quote for {n} more users | Formal quote needed",
            "Our procurement needs a formal quote for {n} more users before {month}.",
        ),
    ),
}
_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    category: tuple(pair for pair in AMBIGUOUS if category in pair) for category in ISSUES
}

OPENERS = (
    "Hi,",
    "Hello,",
    "Hi team,",
    "Hello support,",
    "Good morning,",
    "Hi there,",
    "Dear support team,",
    "Hey,",
    "Hi, {me} here.",
    "Hello again,",
)
CONTEXT = (
    "We are on the {plan} plan.",
    "I'm using {browser} on {os}.",
    "This affects our whole {team} team.",
    "Our workspace is {company}.",
    "I've attached a screenshot.",
    "This is the second time I'm writing.",
    "It's not urgent.",
    "This is fairly urgent for us.",
    "I'm writing on behalf of {name}.",
    "We have been customers for years.",
    "Our account owner is {name}.",
    "I checked the help center first but found nothing.",
    "We first noticed this in {month}.",
)
CLOSERS = (
    "Thanks!",
    "Thanks in advance.",
    "Best regards,\n{me}",
    "Cheers,\n{me}",
    "Thank you.",
    "Let me know if you need more details.",
    "Kind regards,\n{me} ({company})",
    "Thx",
    "Looking forward to your reply.",
    "Many thanks,\n{me}",
)
TITLE_PADDING = (" (urgent)", " - please help", " in {product}", " {since}", " again", " - follow-up")


class _Slots(dict):
    """Draws a slot value the first time a template asks for it, so one text stays consistent."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self._rng = rng

    def __missing__(self, key: str) -> str:
        value = self[key] = self._rng.choice(SLOTS[key])
        return value


def _typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters in one longer word, as people do when typing fast."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word, j = words[i], rng.randrange(1, len(words[i]) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit_title(title: str, rng: random.Random, slots: _Slots) -> str:
    """Keep titles between TITLE_MIN and TITLE_MAX characters."""
    while len(title) < TITLE_MIN:
        title += rng.choice(TITLE_PADDING).format_map(slots)
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX].rsplit(" ", 1)[0]
    return title


def _issue(category: str, rng: random.Random) -> tuple[Issue, str]:
    """An issue (mostly the category's own, sometimes shared or a neighbour's) and whose details fit it.

    Shared issues come with no category-specific details ("") so they stay genuinely ambiguous.
    """
    draw = rng.random()
    if draw < AMBIGUOUS_RATE:
        return rng.choice(AMBIGUOUS[rng.choice(_PAIRS[category])]), ""
    if draw < AMBIGUOUS_RATE + CROSSOVER_RATE:
        a, b = rng.choice(_PAIRS[category])
        category = b if a == category else a
    return rng.choice(ISSUES[category]), category


def sample_ticket_text(category: str, rng: random.Random) -> tuple[str, str]:
    """A (title, description) pair a customer might write for a ticket of this category."""
    if category not in ISSUES:
        raise ValueError(f"Unknown category {category!r}.")
    slots = _Slots(rng)
    (titles, core), written_as = _issue(category, rng)
    title = _capitalised(_fit_title(rng.choice(titles.split(" | ")).format_map(slots), rng, slots))
    details = DETAILS.get(written_as, ())
    extras = rng.sample(details, k=min(len(details), rng.choice((0, 0, 1, 1, 1, 2))))
    if rng.random() < 0.45:
        extras.insert(rng.randint(0, len(extras)), rng.choice(CONTEXT))
    # At most six sentences: opener and closer may take one each.
    body = [core, *extras[: MAX_BODY_SENTENCES - len(_SENTENCE_END.findall(core))]]
    parts = [" ".join(_capitalised(s.format_map(slots)) for s in body)]
    if rng.random() < 0.6:
        parts.insert(0, rng.choice(OPENERS).format_map(slots))
    if rng.random() < 0.6:
        parts.append(rng.choice(CLOSERS).format_map(slots))
    description = "\n\n".join(parts)
    if rng.random() < TYPO_RATE:
        description = _typo(description, rng)
    if rng.random() < 0.08:
        title = title[0].lower() + title[1:]
    return title, description
