"""What the customer's words alone tell us: a request for a human, or a follow-up that needs
the previous question to be understood."""

from __future__ import annotations

import re

from customercare.search.service import analyze

_HUMAN = re.compile(
    r"\b(?:talk|speak|chat|connect|transfer|put)\w*\s+(?:me\s+)?(?:to|with|through to)\s+"
    r"(?:a|an|the|some|real|live|your)?\s*(?:real\s+|live\s+|actual\s+)?"
    r"(?:human|person|agent|rep|representative|someone|somebody|operator|staff|support team)\b"
    r"|\b(?:human|live|real)\s+(?:agent|person|being|support|help)\b"
    r"|\b(?:customer service|support)\s+(?:agent|rep|representative)\b"
    r"|^\s*(?:agent|human|representative|operator)\s*[.!?]*\s*$",
    re.IGNORECASE,
)
_NOT_A_REQUEST = re.compile(r"\b(?:not|don't|do not|no need to)\s+(?:\w+\s+){0,2}talk", re.I)

_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|or|but|also|so|then|what about|how about|what if|same"
    r"|ok(?:ay)?,?\s+(?:and|so|what|how))\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(r"\b(?:it|its|that|this|those|these|they|them|one|there)\b", re.IGNORECASE)
_SHORT_QUESTION_TERMS = 3


def asks_for_human(message: str) -> bool:
    return bool(_HUMAN.search(message)) and not _NOT_A_REQUEST.search(message)


def is_follow_up(message: str) -> bool:
    """A question that leans on the previous turn: it opens like a continuation, or it is short
    and points back at something ("does it work abroad?")."""
    if _FOLLOW_UP_START.search(message):
        return True
    terms = analyze(message)
    return len(terms) <= _SHORT_QUESTION_TERMS and bool(_ANAPHORA.search(message))


# Accepting the bot's offer of a human: a short reply made only of yes-words (English,
# German, a little French and Spanish) and a few words that go with them ("yes please connect
# me", "ja gerne"). Anything else, a new question above all, is not an acceptance.
_YES = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "yea",
        "ya",
        "sure",
        "ok",
        "okay",
        "okey",
        "alright",
        "please",
        "absolutely",
        "definitely",
        "certainly",
        "course",
        "connect",
        "go",
        "ja",
        "jawohl",
        "jo",
        "jep",
        "gern",
        "gerne",
        "bitte",
        "klar",
        "natürlich",
        "natuerlich",
        "einverstanden",
        "verbinden",
        "verbinde",
        "oui",
        "si",
        "sí",
        "vale",
    ]
)
_ALONG = frozenset(
    [
        "me",
        "do",
        "it",
        "ahead",
        "of",
        "the",
        "a",
        "an",
        "to",
        "with",
        "that",
        "would",
        "be",
        "great",
        "good",
        "fine",
        "sounds",
        "thanks",
        "thank",
        "you",
        "human",
        "person",
        "agent",
        "someone",
        "somebody",
        "i",
        "d",
        "like",
        "love",
        "all",
        "right",
        "now",
        "mich",
        "sie",
        "mit",
        "einem",
        "einer",
        "jemandem",
        "mensch",
        "menschen",
        "mitarbeiter",
        "mitarbeiterin",
        "das",
        "wäre",
        "waere",
        "gut",
        "toll",
        "super",
        "danke",
        "sehr",
        "mal",
    ]
)
_WORDS = re.compile(r"[^\W\d_]+")
_MAX_ACCEPT_WORDS = 8


def accepts_offer(message: str) -> bool:
    """True when ``message`` says yes to "Would you like me to connect you with ...?"."""
    if "?" in message:
        return False
    words = [word.lower() for word in _WORDS.findall(message)]
    if not words or len(words) > _MAX_ACCEPT_WORDS:
        return False
    return all(word in _YES or word in _ALONG for word in words) and any(
        word in _YES for word in words
    )
