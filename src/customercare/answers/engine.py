"""One turn of a conversation: store the question, retrieve, decide, generate, cite, store the
answer. ``start_turn`` does everything that can fail with a 4xx before a stream begins;
``reply`` yields the events and always leaves the conversation consistent."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from customercare.answers import guardrails, messages
from customercare.answers.citations import citations_for, drop_unknown_markers
from customercare.answers.events import ChatEvent
from customercare.answers.evidence import Evidence, EvidenceModel, assess
from customercare.answers.intent import asks_for_human, is_follow_up
from customercare.answers.prompt import SYSTEM_PROMPT
from customercare.answers.providers import (
    AnswerProvider,
    GenerationRequest,
    Passage,
    ProviderError,
    Turn,
)
from customercare.answers.providers.offline import compose
from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.search import service as search
from customercare.search.keyword import index as keyword_index
from customercare.search.keyword.analyzer import analyze
from customercare.tenancy import service as tenancy

ANSWERED, NO_ANSWER, HANDOFF = "answered", "no_answer", "handoff"
# The second query must beat the first by this much: the first is the likelier reading.
FOLLOW_UP_MARGIN = 0.05


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
    started: float = field(default_factory=time.perf_counter)


def start_turn(
    runtime: Runtime,
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
        stored = conversations.add_user_message(session, conversation=conversation, content=message)
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
        )


@dataclass
class _Draft:
    text: str = ""
    decision: str = NO_ANSWER
    provider: str = "offline"
    evidence: Evidence | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)


def reply(
    runtime: Runtime, turn: TurnContext, *, provider: AnswerProvider | None = None
) -> Generator[ChatEvent, None, None]:
    draft = _Draft()
    stored = False
    yield ChatEvent(
        "conversation",
        {"conversation_id": turn.conversation_id, "user_message_id": turn.user_message_id},
    )
    try:
        if asks_for_human(turn.question):
            yield from _handoff(runtime, turn, draft)
        else:
            yield from _answer(runtime, turn, draft, provider or runtime.answer_provider)
        message_id = _store(runtime, turn, draft, status="complete")
        stored = True
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
    finally:
        if not stored:
            # Cancelled (the client went away) or failed: keep what was said, marked as such.
            _store(runtime, turn, draft, status="cancelled")


def _handoff(runtime: Runtime, turn: TurnContext, draft: _Draft) -> Iterator[ChatEvent]:
    with transaction(runtime.sessions) as session:
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=turn.workspace_id, conversation_id=turn.conversation_id
        )
        conversations.open_handoff(
            session,
            conversation=conversation,
            reason="customer_request",
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


def _retrieve(runtime: Runtime, turn: TurnContext) -> _Retrieval:
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
    best: _Retrieval | None = None
    with runtime.sessions() as session:
        for query in queries:
            result = search.search(
                runtime,
                session,
                workspace_id=turn.workspace_id,
                query=query,
                limit=settings.answer_passages,
            )
            weights = keyword_index.term_weights(
                session, workspace_id=turn.workspace_id, terms=set(analyze(query))
            )
            evidence = assess(result, model=model)
            if best is None or evidence.confidence > best.evidence.confidence + FOLLOW_UP_MARGIN:
                best = _Retrieval(query, result, weights, evidence)
    assert best is not None
    return best


def _answer(
    runtime: Runtime, turn: TurnContext, draft: _Draft, provider: AnswerProvider
) -> Iterator[ChatEvent]:
    started = time.perf_counter()
    retrieval = _retrieve(runtime, turn)
    draft.timings["retrieve"] = _since(started)
    draft.evidence = retrieval.evidence
    if draft.evidence.confidence < turn.threshold:
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
    yield from _generate(request, draft, provider)
    draft.timings["generate"] = _since(started)
    yield from _finish(request, draft)


def _generate(
    request: GenerationRequest, draft: _Draft, provider: AnswerProvider
) -> Iterator[ChatEvent]:
    draft.provider = provider.name
    try:
        for delta in provider.stream(request):
            draft.text += delta
            yield ChatEvent("token", {"text": delta})
    except ProviderError:
        # The customer still gets an answer: the offline one, which needs nothing external.
        fallback = compose(request)
        draft.provider = "offline_fallback"
        if draft.text:
            draft.text = fallback
            yield ChatEvent("replace", {"text": fallback})
        else:
            yield from _say(draft, fallback)


def _finish(request: GenerationRequest, draft: _Draft) -> Iterator[ChatEvent]:
    """Clean the generated text and cite it; announce a replacement when it changed."""
    passages = request.passages
    allowed = {
        url
        for passage in passages
        if not guardrails.is_instruction_like(passage.chunk.text)
        for url in guardrails.urls_in(passage.chunk.text) | {passage.chunk.source_url or ""}
        if url
    }
    cleaned = guardrails.clean_answer(draft.text, allowed_urls=allowed, system_prompt=SYSTEM_PROMPT)
    if cleaned is None or not cleaned.strip():
        cleaned = compose(request)
    cleaned = drop_unknown_markers(cleaned, known={p.number for p in passages})
    if not cleaned:
        draft.decision, draft.provider = NO_ANSWER, "policy"
        cleaned = messages.NO_ANSWER
    if cleaned != draft.text:
        draft.text = cleaned
        yield ChatEvent("replace", {"text": cleaned})
    draft.citations = citations_for(draft.text, passages)


def _say(draft: _Draft, text: str) -> Iterator[ChatEvent]:
    for index, word in enumerate(text.split(" ")):
        delta = word if index == 0 else " " + word
        draft.text += delta
        yield ChatEvent("token", {"text": delta})


def _store(
    runtime: Runtime, turn: TurnContext, draft: _Draft, *, status: conversations.MessageStatus
) -> str:
    draft.timings["total"] = _since(turn.started)
    reply = conversations.AssistantReply(
        content=draft.text,
        status=status,
        decision=draft.decision if status == "complete" else None,
        confidence=draft.evidence.confidence if draft.evidence else None,
        provider=draft.provider,
        citations=draft.citations,
        timings_ms=draft.timings,
        latency_ms=draft.timings["total"],
    )
    with transaction(runtime.sessions) as session:
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=turn.workspace_id, conversation_id=turn.conversation_id
        )
        return conversations.add_assistant_message(
            session, conversation=conversation, reply=reply
        ).id


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
