"""One turn of a conversation: store the question, retrieve, decide, generate, cite, store the
answer. ``start_turn`` does everything that can fail with a 4xx before a stream begins;
``reply`` yields the events and always leaves the conversation consistent.
Over 400 lines: one turn's steps (store, retrieve, decide, generate, cite) read best together."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from customercare.answers import guardrails, messages
from customercare.answers.abstention import AbstentionWatch
from customercare.answers.citations import citations_for, drop_unknown_markers
from customercare.answers.events import ChatEvent
from customercare.answers.evidence import Evidence, EvidenceModel, assess
from customercare.answers.intent import accepts_offer, asks_for_human, is_follow_up
from customercare.answers.prompt import SYSTEM_PROMPT
from customercare.answers.providers import (
    AnswerProvider,
    GenerationRequest,
    Passage,
    ProviderError,
    Turn,
)
from customercare.answers.providers.offline import compose, word_deltas
from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.errors import DatabaseUnavailable
from customercare.ids import new_id, utcnow
from customercare.limits import service as limits
from customercare.live.service import EventBus
from customercare.observability import metrics
from customercare.search import service as search
from customercare.tenancy import service as tenancy

ANSWERED, NO_ANSWER, HANDOFF = "answered", "no_answer", "handoff"
# The second query must beat the first by this much: the first is the likelier reading.
FOLLOW_UP_MARGIN = 0.05
# Storing the answer outlives a database restart of a few seconds (then the repair sweep).
STORE_RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)


class AnswerContext(search.SearchContext, Protocol):
    """What a chat turn uses besides search (the runtime provides it). A turn commits in
    steps (the question before any generation, the answer when the stream ends), so it
    takes the session factory."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def answer_provider(self) -> AnswerProvider: ...
    @property
    def live(self) -> EventBus: ...


@dataclass(frozen=True, slots=True)
class TurnContext:
    workspace_id: str
    workspace_name: str
    conversation_id: str
    user_message_id: str
    question: str
    history: list[Turn]
    threshold: float
    contact_email: str | None = None
    # People answer this conversation (handed off or assigned): the bot stays silent.
    silent: bool = False
    # The customer said yes to the human the bot offered on its last answer.
    accepted_offer: bool = False
    started: float = field(default_factory=time.perf_counter)


def start_turn(
    runtime: AnswerContext,
    *,
    workspace_id: str,
    message: str,
    conversation_id: str | None = None,
    channel: str = "api",
    visitor_id: str | None = None,
    contact_email: str | None = None,
    history: list[Turn] | None = None,
) -> TurnContext:
    """Store the customer's message (committed before any generation) and gather the context.
    ``history`` replaces the stored turns when the caller keeps its own (the OpenAI facade)."""
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        if settings.quotas_enabled:  # count and store as one step: the workspace is locked
            plan = tenancy.lock_workspace(session, workspace_id=workspace_id)
            _check_message_quota(session, runtime, workspace_id=workspace_id, plan=plan)
        workspace = tenancy.get_workspace_or_raise(session, workspace_id=workspace_id)
        if conversation_id:
            conversation = conversations.get_conversation_or_raise(
                session, workspace_id=workspace_id, conversation_id=conversation_id
            )
        else:
            conversation = conversations.start_conversation(
                session, workspace_id=workspace_id, channel=channel, visitor_id=visitor_id
            )
        history = (
            history
            if history is not None
            else [
                Turn(role="user" if row.role == "user" else "assistant", content=row.content)
                for row in conversations.recent_turns(
                    session,
                    workspace_id=workspace_id,
                    conversation_id=conversation.id,
                    limit=settings.answer_history_turns,
                )
            ]
        )
        if conversation.status == conversations.RESOLVED:
            conversations.reopen_for_bot(session, live=runtime.live, conversation=conversation)
        silent = conversation.status in conversations.HUMAN_STATES
        accepted = conversation.handoff_offered and not silent and accepts_offer(message)
        conversation.handoff_offered = False  # any reply answers the offer, yes or no
        stored = conversations.add_user_message(
            session, conversation=conversation, content=message, awaiting_answer=not silent
        )
        if silent:
            conversations.publish_visitor_message(
                session, live=runtime.live, conversation=conversation, message=stored
            )
        threshold = workspace.answer_threshold
        return TurnContext(
            workspace_id=workspace_id,
            workspace_name=workspace.name,
            conversation_id=conversation.id,
            user_message_id=stored.id,
            question=message,
            history=history,
            threshold=settings.answer_threshold if threshold is None else threshold,
            contact_email=contact_email,
            silent=silent,
            accepted_offer=accepted,
        )


def _check_message_quota(
    session: Session, runtime: AnswerContext, *, workspace_id: str, plan: str | None
) -> None:
    enforced = limits.enforced_plan(runtime.settings, plan)
    if enforced is None or enforced.messages_per_month is None:
        return
    start, resets_at = limits.month_bounds(utcnow())
    used = conversations.count_customer_messages(
        session, workspace_id=workspace_id, since=start, until=resets_at
    )
    limits.check_messages(enforced, used=used, resets_at=resets_at)


@dataclass
class _Draft:
    text: str = ""
    decision: str = NO_ANSWER
    provider: str = "offline"
    evidence: Evidence | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)
    # The model itself said the passages do not hold the answer.
    abstained: bool = False
    first_token_at: float | None = None


class ReplyStream:
    """The events of one reply. Closing it at any point, even before the first event, stores
    the turn as cancelled; an unexpected error stores it as failed. Either way the question
    keeps an answer record, so the conversation stays consistent."""

    def __init__(self, runtime: AnswerContext, turn: TurnContext, provider: AnswerProvider) -> None:
        self._runtime, self._turn = runtime, turn
        self._events = _reply(runtime, turn, provider)
        self._started = False

    def __iter__(self) -> ReplyStream:
        return self

    def __next__(self) -> ChatEvent:
        self._started = True
        return next(self._events)

    def collect(self) -> dict[str, dict[str, Any]]:
        """Run the reply to its end; each event's data by type (one per type but ``token``)."""
        return {event.type: event.data for event in self}

    def close(self) -> None:
        if not self._started and not self._turn.silent:
            self._started = True
            _store(self._runtime, self._turn, _Draft(), status="cancelled")
        self._events.close()


def reply(
    runtime: AnswerContext, turn: TurnContext, *, provider: AnswerProvider | None = None
) -> ReplyStream:
    return ReplyStream(runtime, turn, provider or runtime.answer_provider)


def _reply(
    runtime: AnswerContext, turn: TurnContext, provider: AnswerProvider
) -> Generator[ChatEvent, None, None]:
    draft = _Draft()
    status: conversations.MessageStatus = "cancelled"
    yield ChatEvent(
        "conversation",
        {"conversation_id": turn.conversation_id, "user_message_id": turn.user_message_id},
    )
    if turn.silent:
        metrics.chat_turns.labels(decision="agent", status="complete").inc()
        yield from _silent(turn)
        return
    try:
        if turn.accepted_offer or asks_for_human(turn.question):
            yield from _handoff(runtime, turn, draft)
        else:
            yield from _answer(runtime, turn, draft, provider)
    except GeneratorExit:
        raise
    except Exception:
        status = "failed"
        raise
    else:
        status = "complete"
    finally:
        # Cancelled (the client went away) or failed: keep what was said, marked as such.
        message_id = _store(runtime, turn, draft, status=status)
    evidence = draft.evidence
    yield ChatEvent("citations", {"citations": draft.citations})
    yield ChatEvent(
        "decision",
        {
            "decision": draft.decision,
            "confidence": evidence.confidence if evidence else None,
            "threshold": turn.threshold,
            "evidence": {"dense": evidence.dense, "gap": evidence.gap} if evidence else None,
            "handoff_offered": draft.decision == NO_ANSWER,
        },
    )
    yield ChatEvent(
        "done",
        {
            "conversation_id": turn.conversation_id,
            "message_id": message_id,
            "answer": draft.text,
            "provider": draft.provider,
            "timings_ms": draft.timings,
        },
    )


def _silent(turn: TurnContext) -> Iterator[ChatEvent]:
    """People answer this conversation: nothing from the bot, no answer stored. The visitor's
    message already went to the agents (``start_turn``)."""
    yield ChatEvent("citations", {"citations": []})
    yield ChatEvent(
        "decision",
        {
            "decision": HANDOFF,
            "confidence": None,
            "threshold": turn.threshold,
            "evidence": None,
            "handoff_offered": False,
        },
    )
    yield ChatEvent(
        "done",
        {
            "conversation_id": turn.conversation_id,
            "message_id": None,
            "answer": "",
            "provider": "none",
            "timings_ms": {"total": _since(turn.started)},
        },
    )


def _handoff(runtime: AnswerContext, turn: TurnContext, draft: _Draft) -> Iterator[ChatEvent]:
    with transaction(runtime.sessions) as session:
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=turn.workspace_id, conversation_id=turn.conversation_id
        )
        conversations.open_handoff(
            session,
            live=runtime.live,
            conversation=conversation,
            # Accepting the bot's offer: it offered because it had no answer.
            reason="no_answer" if turn.accepted_offer else "customer_request",
            contact_email=turn.contact_email,
        )
    draft.decision, draft.provider = HANDOFF, "policy"
    yield from _say(draft, messages.HANDOFF)


@dataclass(frozen=True, slots=True)
class _Retrieval:
    query: str
    result: search.SearchResult
    weights: dict[str, float]
    evidence: Evidence
    # Time spent weighing the evidence (the "decide" stage), inside the retrieval's time.
    decide_ms: float = 0.0


def _retrieve(runtime: AnswerContext, turn: TurnContext) -> _Retrieval:
    """Search with the question alone and, in a conversation, joined to the previous question;
    keep whichever the evidence supports better. A follow-up ("and for annual plans?") wins
    with its context, a change of topic wins alone."""
    settings = runtime.settings
    model = EvidenceModel(
        bias=settings.evidence_bias,
        dense_weight=settings.evidence_dense_weight,
        gap_weight=settings.evidence_gap_weight,
    )
    previous = [t.content for t in turn.history if t.role == "user"]
    queries = [turn.question]
    if previous:
        queries.append(f"{previous[-1]} {turn.question}")
        if is_follow_up(turn.question):
            queries.reverse()
    candidates: list[_Retrieval] = []
    deciding = 0.0
    with runtime.sessions() as session:
        for query in queries:
            result = search.search(
                runtime,
                session,
                workspace_id=turn.workspace_id,
                query=query,
                limit=settings.answer_passages,
            )
            started = time.perf_counter()
            evidence = assess(result, model=model)
            deciding += time.perf_counter() - started
            candidates.append(_Retrieval(query, result, result.term_weights, evidence))
    started = time.perf_counter()
    best = candidates[0]
    for other in candidates[1:]:
        if other.evidence.confidence > best.evidence.confidence + FOLLOW_UP_MARGIN:
            best = other
    deciding += time.perf_counter() - started
    return replace(best, decide_ms=round(deciding * 1000, 3))


def _answer(
    runtime: AnswerContext, turn: TurnContext, draft: _Draft, provider: AnswerProvider
) -> Iterator[ChatEvent]:
    started = time.perf_counter()
    retrieval = _retrieve(runtime, turn)
    draft.timings["retrieve"] = round(_since(started) - retrieval.decide_ms, 3)
    draft.timings["decide"] = retrieval.decide_ms
    draft.evidence = retrieval.evidence
    if not retrieval.result.hits or draft.evidence.confidence < turn.threshold:
        draft.decision, draft.provider = NO_ANSWER, "policy"
        yield from _say(draft, messages.NO_ANSWER)
        return
    draft.decision = ANSWERED
    draft.passages = [
        Passage(number=rank, chunk=hit.chunk, score=hit.score)
        for rank, hit in enumerate(retrieval.result.hits, start=1)
    ]
    request = GenerationRequest(
        question=turn.question,
        passages=draft.passages,
        history=turn.history,
        assistant_name=turn.workspace_name,
        retrieval_query=retrieval.query,
        term_weights=retrieval.weights,
    )
    started = time.perf_counter()

    def fallback(request: GenerationRequest) -> str:
        return compose(request, embedder=runtime.embedder)

    yield from _generate(request, draft, provider, fallback)
    draft.timings["generate"] = _since(started)
    if draft.abstained:
        draft.decision = NO_ANSWER
        yield from _say(draft, messages.NO_ANSWER)
        return
    yield from _finish(request, draft, fallback)


def _generate(
    request: GenerationRequest,
    draft: _Draft,
    provider: AnswerProvider,
    fallback: Callable[[GenerationRequest], str],
) -> Iterator[ChatEvent]:
    """Stream the provider's text through the guardrails; on failure, or when the text turns
    out to echo the system prompt, the customer gets the offline answer instead. A model that
    answers ``NOT_IN_PASSAGES`` abstains: nothing of it is streamed, ``draft.abstained`` is set."""
    draft.provider = provider.name
    watch = AbstentionWatch()
    cleaner = guardrails.StreamCleaner(
        allowed_urls=_allowed_urls(request.passages), system_prompt=SYSTEM_PROMPT
    )
    try:
        for delta in provider.stream(request):
            yield from _emit(draft, cleaner.feed(watch.feed(delta)))
        yield from _emit(draft, cleaner.feed(watch.flush()))
        yield from _emit(draft, cleaner.flush())
    except ProviderError:
        draft.provider = "offline_fallback"
        yield from _replace(draft, fallback(request))
        return
    if watch.abstained:
        draft.abstained = True
        return
    if cleaner.leaked:
        draft.provider = "offline_fallback"
        yield from _replace(draft, fallback(request))


def _finish(
    request: GenerationRequest, draft: _Draft, fallback: Callable[[GenerationRequest], str]
) -> Iterator[ChatEvent]:
    """Keep only markers that point at a passage and cite them. An answer that still echoes
    the system prompt, or that cites nothing, is not grounded: the offline answer replaces it,
    and when there is none the bot says it does not know."""
    known = {p.number for p in request.passages}
    text = drop_unknown_markers(draft.text, known=known)
    grounded = bool(citations_for(text, request.passages))
    if guardrails.echoes(text, SYSTEM_PROMPT) or not grounded:
        text = drop_unknown_markers(fallback(request), known=known)
        draft.provider = "offline_fallback" if draft.provider != "offline" else "offline"
    if not text:
        draft.decision, draft.provider = NO_ANSWER, "policy"
        text = messages.NO_ANSWER
    if text != draft.text:
        yield from _replace(draft, text)
    draft.citations = citations_for(draft.text, request.passages)


def _allowed_urls(passages: list[Passage]) -> set[str]:
    """Links an answer may repeat: those of passages that do not try to instruct the bot."""
    return {
        url
        for passage in passages
        if not guardrails.is_instruction_like(passage.chunk.text)
        for url in guardrails.urls_in(passage.chunk.text) | {passage.chunk.source_url or ""}
        if url
    }


def _emit(draft: _Draft, text: str) -> Iterator[ChatEvent]:
    if text:
        if draft.first_token_at is None:
            draft.first_token_at = time.perf_counter()
        draft.text += text
        yield ChatEvent("token", {"text": text})


def _replace(draft: _Draft, text: str) -> Iterator[ChatEvent]:
    """Swap the whole answer: a replace event if text was already sent, else plain tokens."""
    if draft.text:
        draft.text = text
        yield ChatEvent("replace", {"text": text})
    else:
        yield from _say(draft, text)


def _say(draft: _Draft, text: str) -> Iterator[ChatEvent]:
    for delta in word_deltas(text):
        yield from _emit(draft, delta)


def _store(
    runtime: AnswerContext, turn: TurnContext, draft: _Draft, *, status: conversations.MessageStatus
) -> str:
    draft.timings["total"] = _since(turn.started)
    if draft.first_token_at is not None:
        draft.timings["first_token"] = round((draft.first_token_at - turn.started) * 1000, 3)
    _observe(draft, status)
    reply = conversations.AssistantReply(
        content=draft.text,
        status=status,
        decision=draft.decision if status == "complete" else None,
        confidence=draft.evidence.confidence if draft.evidence else None,
        provider=draft.provider,
        citations=draft.citations,
        timings_ms=draft.timings,
        latency_ms=draft.timings["total"],
        handoff_offered=draft.decision == NO_ANSWER,
    )
    message_id = new_id()  # one id for every attempt: a retry never stores the answer twice
    for delay in (*STORE_RETRY_DELAYS, None):
        try:
            with transaction(runtime.sessions) as session:
                conversation = conversations.get_conversation_or_raise(
                    session, workspace_id=turn.workspace_id, conversation_id=turn.conversation_id
                )
                return conversations.add_assistant_message(
                    session,
                    conversation=conversation,
                    reply=reply,
                    question_id=turn.user_message_id,
                    message_id=message_id,
                ).id
        except DatabaseUnavailable:
            if delay is None:
                # The question stays pending: conversations.repair_unanswered records the
                # failure once the database is back (the API process sweeps periodically).
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def _observe(draft: _Draft, status: str) -> None:
    decision = draft.decision if status == "complete" else "none"
    metrics.chat_turns.labels(decision=decision, status=status).inc()
    for stage in ("retrieve", "decide", "generate", "first_token", "total"):
        if stage in draft.timings:
            metrics.answer_stage_seconds.labels(stage=stage).observe(draft.timings[stage] / 1000)
    if draft.provider == "offline_fallback":
        metrics.llm_calls.labels(provider="offline", outcome="fallback").inc()


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
