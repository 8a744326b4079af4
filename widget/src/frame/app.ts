// The frame app: visitor registration, the restored conversation, sending and streaming,
// live agent events, handoff, feedback, and the states (offline, 429, server errors).
import type { Identity, ProtocolMessage } from "../shared/protocol";
import { Api, ApiError, type FetchFn } from "./api";
import { Bridge } from "./bridge";
import type { FrameConfig } from "./config";
import { translator, type Translate } from "./i18n";
import type { Citation } from "./markdown";
import { AssistantBubble, agentBubble, statusLine, userBubble, type Rating } from "./messages";
import { Transport, type ServerEvent } from "./transport";
import { buildView, type View } from "./view";

export const VISITOR_KEY = "ccgpt.visitor";

interface StoredMessage {
  id: string;
  role: "user" | "assistant" | "agent" | "system";
  content: string;
  citations?: Citation[];
  feedback?: { rating: Rating; comment?: string | null } | null;
  author_name?: string | null;
}

interface ConversationReply {
  conversation: { id: string; status: string } | null;
  messages: StoredMessage[];
}

export interface AppOptions {
  fetchFn?: FetchFn;
  WebSocketImpl?: typeof WebSocket;
  storage?: Storage | null;
  win?: Window;
  pageWaitMs?: number;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked (third-party cookies off): a visitor per load
  }
}

export class App {
  readonly view: View;
  readonly api: Api;
  readonly transport: Transport;
  private readonly t: Translate;
  private readonly bridge: Bridge;
  private readonly store: Storage | null;
  private conversationId: string | null = null;
  private status = "open";
  private identity: Identity | null = null;
  private pageUrl: string | null = null;
  private pageVisitorToken: string | null = null;
  private started = false;
  private busy = false;
  private visible = true;
  private unread = 0;
  private lastTyping = 0;
  private agentName: string | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private waitTimer: ReturnType<typeof setInterval> | undefined;
  private readonly seen = new Set<string>();
  private pageSeen: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(
    readonly config: FrameConfig,
    options: AppOptions = {},
  ) {
    this.t = translator(config.lang);
    this.store = options.storage === undefined ? storage() : options.storage;
    this.api = new Api(config.api, config.token, options.fetchFn);
    this.view = buildView(config.settings, this.t);
    const transportOptions = {
      api: this.api,
      token: config.token,
      onLive: (event: ServerEvent) => {
        this.onLive(event);
      },
      ...(options.WebSocketImpl ? { WebSocketImpl: options.WebSocketImpl } : {}),
    };
    this.transport = new Transport(transportOptions);
    this.bridge = new Bridge(
      config.parent_origin,
      (m) => {
        this.onParent(m);
      },
      options.win,
    );
    this.wire();
    const pageArrived = new Promise<void>((resolve) => {
      this.pageSeen = resolve;
      setTimeout(resolve, options.pageWaitMs ?? 800);
    });
    this.bridge.post({ ccgpt: 1, type: "ready" });
    // The loader answers `ready` with identify (if any) and page: wait briefly for them.
    this.ready = pageArrived.then(() => this.start());
  }

  private wire(): void {
    const v = this.view;
    v.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send(v.input.value);
    });
    v.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send(v.input.value);
      }
    });
    v.input.addEventListener("input", () => {
      this.visitorTyping();
    });
    v.closeButton.addEventListener("click", () => {
      this.closeByVisitor();
    });
    v.newButton.addEventListener("click", () => {
      void this.newConversation();
    });
    v.humanButton.addEventListener("click", () => {
      v.handoffForm.hidden = !v.handoffForm.hidden;
      if (!v.handoffForm.hidden) v.emailInput.focus();
    });
    v.handoffCancel.addEventListener("click", () => {
      v.handoffForm.hidden = true;
      v.humanButton.focus();
    });
    v.handoffForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.handoff(v.emailInput.value.trim() || undefined);
    });
    // Escape closes (wherever the focus is in the frame) and tells the parent.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      if (!v.handoffForm.hidden) {
        v.handoffForm.hidden = true;
        v.humanButton.focus();
      } else {
        this.closeByVisitor();
      }
    });
    for (const chip of v.chips) {
      chip.addEventListener("click", () => {
        void this.send(chip.textContent);
      });
    }
    window.addEventListener("offline", () => {
      this.showBanner(this.t("offline"));
    });
    window.addEventListener("online", () => {
      this.hideBanner();
    });
    if (!navigator.onLine) {
      this.showBanner(this.t("offline"));
    }
  }

  // ----------------------------------------------------------------- start-up

  private async start(): Promise<void> {
    try {
      await this.register();
      const reply = await this.api.json<ConversationReply>("GET", "/api/v1/widget/conversation");
      if (reply.conversation) {
        this.conversationId = reply.conversation.id;
        this.status = reply.conversation.status;
      }
      this.restore(reply.messages);
      await this.transport.connect(this.conversationId);
      this.view.input.disabled = false;
      this.view.send.disabled = false;
      this.started = true;
    } catch (error) {
      this.showError(error, () => void this.start());
    }
  }

  private async register(): Promise<void> {
    const body: Record<string, string> = {};
    // The frame's own storage when the browser allows it, else the copy the page keeps.
    const saved = this.store?.getItem(VISITOR_KEY) ?? this.pageVisitorToken;
    if (saved) body.visitor_token = saved;
    if (this.identity) Object.assign(body, this.identity);
    if (this.pageUrl) body.page_url = this.pageUrl;
    const reply = await this.api.json<{ visitor_token: string; conversation_id: string | null }>(
      "POST",
      "/api/v1/widget/visitors",
      body,
    );
    this.api.visitorToken = reply.visitor_token;
    this.store?.setItem(VISITOR_KEY, reply.visitor_token);
    this.bridge.post({ ccgpt: 1, type: "visitor", token: reply.visitor_token });
    if (reply.conversation_id && !this.conversationId) this.conversationId = reply.conversation_id;
  }

  private restore(messages: StoredMessage[]): void {
    const log = this.view.log;
    if (messages.length) this.view.welcome.hidden = true;
    for (const m of messages) {
      if (this.seen.has(m.id)) continue;
      this.seen.add(m.id);
      if (m.role === "user") log.append(userBubble(m.content, this.t));
      else if (m.role === "agent")
        log.append(agentBubble(m.content, m.author_name ?? null, this.t));
      else if (m.role === "system") log.append(statusLine(m.content));
      else if (m.content) {
        const bubble = this.assistantBubble();
        bubble.setCitations(m.citations ?? []);
        bubble.finish(m.content, m.id, m.feedback?.rating ?? null);
        log.append(bubble.element);
      }
    }
    this.scroll();
  }

  // ------------------------------------------------------------------ sending

  async send(raw: string): Promise<void> {
    const text = raw.trim();
    const v = this.view;
    // A visitor quicker than the start-up (registering, the socket): the message waits for
    // it instead of being dropped.
    if (text && !this.started) await this.ready;
    if (!text || this.busy || v.send.disabled) return;
    this.busy = true;
    v.form.setAttribute("aria-busy", "true");
    if (v.input.value.trim() === text) v.input.value = "";
    v.welcome.hidden = true;
    const mine = userBubble(text, this.t);
    const bubble = this.assistantBubble();
    v.log.append(mine, bubble.element);
    this.scroll();
    try {
      await this.transport.send(text, this.conversationId, (event) => {
        this.onChatEvent(event, bubble, text);
      });
      this.hideBanner();
    } catch (error) {
      mine.remove();
      bubble.element.remove();
      // The text typed is never lost: back into the composer (unless something new is there).
      if (!v.input.value.trim()) v.input.value = text;
      this.showError(error, () => void this.send(v.input.value));
    } finally {
      this.busy = false;
      v.form.removeAttribute("aria-busy");
      this.scroll();
    }
  }

  private assistantBubble(): AssistantBubble {
    return new AssistantBubble(this.t, {
      feedback: async (id, rating, comment) => {
        const body = comment ? { rating, comment } : { rating };
        await this.api.json(
          "POST",
          `/api/v1/widget/messages/${encodeURIComponent(id)}/feedback`,
          body,
        );
      },
      acceptHandoff: () => void this.handoff(undefined),
    });
  }

  private onChatEvent(event: ServerEvent, bubble: AssistantBubble, text: string): void {
    switch (event.type) {
      case "conversation":
        if (typeof event.conversation_id === "string") {
          this.conversationId = event.conversation_id;
        }
        break;
      case "token":
        if (typeof event.text === "string") bubble.append(event.text);
        this.scroll();
        break;
      case "replace":
        if (typeof event.text === "string") bubble.replace(event.text);
        break;
      case "citations":
        if (Array.isArray(event.citations)) bubble.setCitations(event.citations as Citation[]);
        break;
      case "decision":
        bubble.handoffOffered = event.handoff_offered === true;
        if (event.decision === "handoff") this.setStatus("handed_off", null);
        break;
      case "done": {
        const answer = typeof event.answer === "string" ? event.answer : bubble.content;
        const id = typeof event.message_id === "string" ? event.message_id : null;
        if (id) this.seen.add(id);
        if (!answer) {
          // The bot is silent while an agent holds the conversation: no bot bubble.
          bubble.element.remove();
        } else {
          bubble.finish(answer, id);
          this.announce(`${this.t("newAnswer")} ${answer}`);
        }
        this.scroll();
        break;
      }
      case "error":
        bubble.fail(this.t("replyFailed"), () => {
          bubble.element.remove();
          void this.send(text);
        });
        break;
    }
  }

  private visitorTyping(): void {
    const now = Date.now();
    if (!this.conversationId || this.status === "open" || this.status === "resolved") return;
    if (now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.transport.typing(this.conversationId);
  }

  // ------------------------------------------------------------- conversation

  async newConversation(): Promise<void> {
    if (this.busy) return;
    try {
      const reply = await this.api.json<{ conversation_id: string }>(
        "POST",
        "/api/v1/widget/conversations",
      );
      this.conversationId = reply.conversation_id;
      this.status = "open";
      this.view.log.replaceChildren(this.view.welcome);
      this.view.welcome.hidden = false;
      this.transport.watch(this.conversationId);
      this.hideBanner();
      this.view.input.focus();
    } catch (error) {
      this.showError(error, () => void this.newConversation());
    }
  }

  async handoff(email: string | undefined): Promise<void> {
    try {
      if (!this.conversationId) {
        const created = await this.api.json<{ conversation_id: string }>(
          "POST",
          "/api/v1/widget/conversations",
        );
        this.conversationId = created.conversation_id;
        this.transport.watch(this.conversationId);
      }
      const body: Record<string, string> = { conversation_id: this.conversationId };
      if (email) body.email = email;
      await this.api.json("POST", "/api/v1/widget/handoff", body);
      this.view.handoffForm.hidden = true;
      this.setStatus("handed_off", null);
      this.view.input.focus();
    } catch (error) {
      this.showError(error, () => void this.handoff(email));
    }
  }

  private setStatus(status: string, agentName: string | null): void {
    const previous = this.status;
    this.status = status;
    if (agentName) this.agentName = agentName;
    let line: string | null = null;
    if (status === "handed_off" && previous !== "handed_off") line = this.t("handedOff");
    else if (status === "assigned" && previous !== "assigned") {
      line = agentName ? this.t("agentJoinedNamed", { name: agentName }) : this.t("agentJoined");
    } else if (status === "resolved" && previous !== "resolved") line = this.t("resolved");
    if (line) {
      this.view.welcome.hidden = true;
      this.view.log.append(statusLine(line));
      this.announce(line);
      this.scroll();
    }
  }

  // -------------------------------------------------------------- live events

  onLive(event: ServerEvent): void {
    if (
      typeof event.conversation_id === "string" &&
      this.conversationId &&
      event.conversation_id !== this.conversationId
    ) {
      return;
    }
    if (event.type === "agent_message") {
      const message = event.message as Partial<StoredMessage> | undefined;
      if (!message || typeof message.content !== "string") return;
      if (message.id) {
        if (this.seen.has(message.id)) return;
        this.seen.add(message.id);
      }
      this.showTyping(false);
      this.view.welcome.hidden = true;
      this.view.log.append(agentBubble(message.content, message.author_name ?? null, this.t));
      this.announce(`${message.author_name ?? this.t("agent")}: ${message.content}`);
      this.scroll();
      if (!this.visible) {
        this.unread += 1;
        this.bridge.post({ ccgpt: 1, type: "unread", count: this.unread });
      }
    } else if (event.type === "typing" && event.actor === "agent") {
      this.showTyping(true);
    } else if (event.type === "status" && typeof event.status === "string") {
      this.setStatus(event.status, typeof event.agent_name === "string" ? event.agent_name : null);
    }
  }

  private showTyping(on: boolean): void {
    const el = this.view.typing;
    clearTimeout(this.typingTimer);
    el.textContent = this.agentName
      ? this.t("typingNamed", { name: this.agentName })
      : this.t("typing");
    el.hidden = !on;
    if (on) {
      this.typingTimer = setTimeout(() => {
        el.hidden = true;
      }, 6000);
    }
  }

  // ------------------------------------------------------------------- parent

  onParent(message: ProtocolMessage): void {
    switch (message.type) {
      case "open":
        this.visible = true;
        if (this.unread) {
          this.unread = 0;
          this.bridge.post({ ccgpt: 1, type: "unread", count: 0 });
        }
        this.view.input.focus();
        break;
      case "close":
        this.visible = false;
        break;
      case "page":
        if (typeof message.url === "string") this.pageUrl = message.url;
        if (typeof message.visitor_token === "string" && message.visitor_token.length <= 200)
          this.pageVisitorToken = message.visitor_token;
        this.pageSeen();
        break;
      case "identify": {
        const { user_id, user_hash, email, name } = message;
        if (typeof user_id !== "string" || typeof user_hash !== "string") return;
        const known = this.api.visitorToken !== null;
        this.identity = { user_id, user_hash };
        if (typeof email === "string") this.identity.email = email;
        if (typeof name === "string") this.identity.name = name;
        // Identified after the start: tell the server who this visitor is.
        if (known)
          this.register().catch((error: unknown) => {
            this.showError(error, null);
          });
        break;
      }
      case "new_conversation":
        void this.ready.then(() => this.newConversation());
        break;
    }
  }

  private closeByVisitor(): void {
    this.visible = false;
    this.bridge.post({ ccgpt: 1, type: "close" });
  }

  // ------------------------------------------------------------------- states

  private showError(error: unknown, retry: (() => void) | null): void {
    const t = this.t;
    if (!(error instanceof ApiError)) {
      this.showBanner(t("serverError"), retry);
      return;
    }
    if (error.offline) {
      this.showBanner(t("offline"), retry);
    } else if (error.status === 429) {
      this.rateLimited(error.retryAfter ?? 5);
    } else if (error.code === "identity_required" || error.code === "identity_invalid") {
      this.showBanner(t("identityRequired"));
      this.view.input.disabled = true;
      this.view.send.disabled = true;
    } else {
      this.showBanner(t("serverError"), retry);
    }
  }

  private rateLimited(seconds: number): void {
    clearInterval(this.waitTimer);
    let left = Math.max(1, Math.ceil(seconds));
    const send = this.view.send;
    send.disabled = true;
    const tick = (): void => {
      if (left <= 0) {
        clearInterval(this.waitTimer);
        send.disabled = false;
        this.hideBanner();
        return;
      }
      this.showBanner(this.t("rateLimited", { n: left }));
      left -= 1;
    };
    tick();
    this.waitTimer = setInterval(tick, 1000);
  }

  private showBanner(text: string, retry: (() => void) | null = null): void {
    const { banner, bannerText, bannerRetry } = this.view;
    bannerText.textContent = text;
    bannerRetry.hidden = !retry;
    bannerRetry.onclick = retry
      ? () => {
          this.hideBanner();
          retry();
        }
      : null;
    banner.hidden = false;
  }

  private hideBanner(): void {
    this.view.banner.hidden = true;
  }

  private announce(text: string): void {
    this.view.announcer.textContent = text;
  }

  private scroll(): void {
    const log = this.view.log;
    log.scrollTop = log.scrollHeight;
  }
}

export function startApp(config: FrameConfig, options?: AppOptions): App {
  const app = new App(config, options);
  document.body.append(app.view.root);
  return app;
}
