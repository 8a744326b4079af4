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
