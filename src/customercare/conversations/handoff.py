"""The live human handoff: a conversation's states and who may move it between them, agent
messages, and the live events each change publishes.

``open`` (the bot answers) -> ``handed_off`` (in the workspace's queue) -> ``assigned`` (an
agent holds it; the bot is silent) -> ``resolved`` (a new visitor message gives it back to the
bot: ``open``). Every change publishes its events only once it is committed
(``db.engine.after_commit``): a visitor never sees a reply that a rollback took back. Events
go to the conversation's channel (what its visitor and agent see) or to the workspace's inbox
channel, so an event never reaches another workspace's watchers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.conversations.models import Conversation, HandoffTicket, Message
from customercare.conversations.timeline import append_message
from customercare.db.engine import after_commit
from customercare.errors import ConflictError
from customercare.ids import utcnow
from customercare.live.service import EventBus, LiveEvent, conversation_channel, inbox_channel
from customercare.mail import Mailer

__all__ = [
    "ASSIGNED",
    "HANDED_OFF",
    "HUMAN_STATES",
    "OPEN",
    "RESOLVED",
    "Agent",
    "add_agent_message",
    "claim",
    "mail_reply_if_away",
    "open_handoff",
    "publish_typing",
    "publish_visitor_message",
    "reopen_for_bot",
    "resolve",
    "set_page_url",
]

OPEN, HANDED_OFF, ASSIGNED, RESOLVED = "open", "handed_off", "assigned", "resolved"
# States in which people, not the bot, answer the visitor.
HUMAN_STATES = frozenset({HANDED_OFF, ASSIGNED})
# What the visitor sees as the author when the agent has no name (or an API key replies).
DEFAULT_AGENT_NAME = "Support"
OPEN_HASH = "ccgpt-open"


@dataclass(frozen=True, slots=True)
class Agent:
    """Who acts for the workspace: a member (``user_id``) or an API key (``user_id`` None)."""

    user_id: str | None
    name: str

    @property
    def display_name(self) -> str:
        return self.name.strip() or DEFAULT_AGENT_NAME


def _publish(session: Session, live: EventBus, channel: str, event: LiveEvent) -> None:
    after_commit(session, lambda: live.publish(channel, event))


def _event(conversation: Conversation, kind: str, data: dict[str, Any]) -> LiveEvent:
    return LiveEvent(kind, conversation.workspace_id, conversation.id, data)


def _message_body(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "author_name": message.author_name,
        "created_at": message.created_at.isoformat(),
    }


def _status(
    session: Session, live: EventBus, conversation: Conversation, agent_name: str | None = None
) -> None:
    data: dict[str, Any] = {"status": conversation.status}
    if agent_name is not None:
        data["agent_name"] = agent_name
    _publish(
        session, live, conversation_channel(conversation.id), _event(conversation, "status", data)
    )


def _inbox(
    session: Session, live: EventBus, conversation: Conversation, kind: str, **data: Any
) -> None:
    event = _event(conversation, kind, {"status": conversation.status, **data})
    _publish(session, live, inbox_channel(conversation.workspace_id), event)


def open_handoff(
    session: Session,
    *,
    live: EventBus,
    conversation: Conversation,
    reason: str,
    contact_email: str | None = None,
) -> HandoffTicket:
    """The conversation's open ticket, created on first handoff; a later email is added to it.
    An open or resolved conversation joins the queue (``handoff`` on the inbox, ``status`` on
    the conversation); one already handed off or assigned stays where it is."""
    ticket = _open_ticket(session, conversation)
    if ticket is None:
        ticket = HandoffTicket(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            reason=reason,
            contact_email=contact_email,
        )
        session.add(ticket)
    elif contact_email:
        ticket.contact_email = contact_email
    conversation.handoff_offered = False
    if conversation.status not in HUMAN_STATES:
        conversation.status = HANDED_OFF
        conversation.assigned_user_id = conversation.assigned_at = None
        conversation.resolved_at = None
        _inbox(session, live, conversation, "handoff", reason=reason, channel=conversation.channel)
        _status(session, live, conversation)
    session.flush()
    return ticket


def _open_ticket(session: Session, conversation: Conversation) -> HandoffTicket | None:
    return session.scalar(
        select(HandoffTicket).where(
            HandoffTicket.conversation_id == conversation.id, HandoffTicket.status == "open"
        )
    )


def publish_visitor_message(
    session: Session, *, live: EventBus, conversation: Conversation, message: Message
) -> None:
    """A visitor's message while people answer: to the inbox and to the agent holding it."""
    body = {"message": _message_body(message)}
    _inbox(session, live, conversation, "visitor_message", **body)
    _publish(
        session,
        live,
        conversation_channel(conversation.id),
        _event(conversation, "visitor_message", body),
    )


def reopen_for_bot(session: Session, *, live: EventBus, conversation: Conversation) -> None:
    """A visitor wrote again after the conversation was resolved: the bot answers again."""
    conversation.status = OPEN
    _status(session, live, conversation)
    session.flush()


def _lock(session: Session, conversation: Conversation) -> None:
    """Re-read the row under a lock (PostgreSQL): two agents claiming at once serialize."""
    session.refresh(conversation, with_for_update=True)


def claim(
    session: Session,
    *,
    live: EventBus,
    conversation: Conversation,
    agent: Agent,
    force: bool = False,
) -> Conversation:
    """Take a conversation from the queue. One held by another agent needs ``force``; one
    the caller already holds is returned as is (a retried claim is not an error)."""
    _lock(session, conversation)
    if conversation.status == ASSIGNED and conversation.assigned_user_id == agent.user_id:
        return conversation
    if conversation.status == ASSIGNED and not force:
        raise ConflictError(
            "another agent holds this conversation; claim it with force to take it over",
            details={"status": conversation.status},
        )
    if conversation.status not in HUMAN_STATES:
        raise ConflictError(
            f"a conversation that is {conversation.status} cannot be claimed",
            details={"status": conversation.status},
        )
    _assign(session, live, conversation, agent)
    return conversation


def _assign(session: Session, live: EventBus, conversation: Conversation, agent: Agent) -> None:
    conversation.status = ASSIGNED
    conversation.assigned_user_id = agent.user_id
    conversation.assigned_at = utcnow()
    _status(session, live, conversation, agent.display_name)
    _inbox(
        session,
        live,
        conversation,
        "claimed",
        agent_name=agent.display_name,
        assigned_user_id=agent.user_id,
    )
    session.flush()


def add_agent_message(
    session: Session, *, live: EventBus, conversation: Conversation, agent: Agent, content: str
) -> Message:
    """An agent's reply. A conversation still in the queue is claimed by it; one held by
    another agent, or not handed off at all, is a conflict."""
    _lock(session, conversation)
    if conversation.status == HANDED_OFF:
        _assign(session, live, conversation, agent)
    elif conversation.status != ASSIGNED:
        raise ConflictError(
            f"a conversation that is {conversation.status} takes no agent messages",
            details={"status": conversation.status},
        )
    elif conversation.assigned_user_id != agent.user_id:
        raise ConflictError(
            "another agent holds this conversation; claim it with force first",
            details={"status": conversation.status},
        )
    message = Message(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        role="agent",
        content=content,
        status="complete",
        author_user_id=agent.user_id,
        author_name=agent.display_name,
    )
    append_message(session, conversation, message)
    event = _event(conversation, "agent_message", {"message": _message_body(message)})
    _publish(session, live, conversation_channel(conversation.id), event)
    return message


def resolve(session: Session, *, live: EventBus, conversation: Conversation) -> Conversation:
    """Close a handed-off or assigned conversation and its ticket."""
    _lock(session, conversation)
    if conversation.status not in HUMAN_STATES:
        raise ConflictError(
            f"a conversation that is {conversation.status} cannot be resolved",
            details={"status": conversation.status},
        )
    conversation.status = RESOLVED
    conversation.resolved_at = utcnow()
    conversation.handoff_offered = False
    ticket = _open_ticket(session, conversation)
    if ticket is not None:
        ticket.status = "closed"
    _status(session, live, conversation)
    _inbox(session, live, conversation, "resolved")
    session.flush()
    return conversation


def publish_typing(
    live: EventBus, *, conversation: Conversation, actor: Literal["agent", "visitor"]
) -> None:
    """Typing changes nothing stored: published at once."""
    live.publish(
        conversation_channel(conversation.id),
        _event(conversation, "typing", {"actor": actor}),
    )


def set_page_url(conversation: Conversation, page_url: str | None) -> None:
    """The page the visitor is on (the widget API sets it). Only http(s) URLs are kept, so
    that the link mailed back can never be ``javascript:`` or ``data:``."""
    if page_url is None:
        return
    parts = urlsplit(page_url.strip())
    if parts.scheme in ("http", "https") and parts.netloc and len(page_url) <= 2048:
        conversation.page_url = urlunsplit(parts)


def _link_back(conversation: Conversation, public_url: str) -> str:
    if conversation.page_url:
        parts = urlsplit(conversation.page_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return urlunsplit(parts._replace(fragment=OPEN_HASH))
    return public_url


def _one_line(text: str, limit: int = 120) -> str:
    """Header-safe: no line breaks or control characters, bounded length."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(cleaned.split())[:limit]


def mail_reply_if_away(
    session: Session,
    *,
    live: EventBus,
    mailer: Mailer,
    conversation: Conversation,
    message: Message,
    workspace_name: str,
    public_url: str,
) -> bool:
    """Mail the agent's reply when nobody watches the conversation (the visitor left) and the
    handoff left an address. Plain text: the reply is quoted, never rendered. True if mailed."""
    if live.watchers(conversation_channel(conversation.id)) > 0:
        return False
    ticket = session.scalar(
        select(HandoffTicket)
        .where(
            HandoffTicket.conversation_id == conversation.id,
            HandoffTicket.workspace_id == conversation.workspace_id,
            HandoffTicket.contact_email.is_not(None),
        )
        .order_by(HandoffTicket.created_at.desc())
        .limit(1)
    )
    if ticket is None or not ticket.contact_email:
        return False
    author = _one_line(message.author_name or DEFAULT_AGENT_NAME, 80)
    team = _one_line(workspace_name, 80) or DEFAULT_AGENT_NAME
    quoted = "\n".join(f"> {line}" for line in message.content.splitlines() or [""])
    text = (
        f"Hello,\n\n{author} from {team} replied to your conversation:\n\n{quoted}\n\n"
        f"Continue the conversation here: {_link_back(conversation, public_url)}\n"
    )
    mailer.send(ticket.contact_email, f"{author} from {team} replied to you", text)
    return True
