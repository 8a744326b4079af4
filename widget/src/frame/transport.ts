// How the frame talks to the server (sections 5 and 6): the WebSocket first (hello, then
// message and typing frames; chat and live events back), and when the socket cannot open,
// POST /chat (SSE over fetch) plus GET /events (live events, SSE over fetch).
import { ApiError, type Api } from "./api";
import { readSse } from "./sse";

export type ServerEvent = { type: string } & Record<string, unknown>;
export type EventHandler = (event: ServerEvent) => void;

const CHAT_EVENTS = new Set(["conversation", "token", "replace", "citations", "decision", "done"]);
const MAX_SOCKET_RETRIES = 3;

interface Turn {
  onEvent: EventHandler;
  started: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface TransportOptions {
  api: Api;
  token: string;
  onLive: EventHandler;
  WebSocketImpl?: typeof WebSocket;
  openTimeoutMs?: number;
  retryDelayMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class Transport {
  mode: "idle" | "ws" | "sse" = "idle";
  private socket: WebSocket | null = null;
  private turn: Turn | null = null;
  private conversationId: string | null = null;
  private liveAbort: AbortController | null = null;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: TransportOptions) {}

  /** Opens the socket (or settles on the SSE fallback); resolves either way. */
  connect(conversationId: string | null): Promise<void> {
    this.conversationId = conversationId;
    const Impl = this.options.WebSocketImpl ?? window.WebSocket;
    if (this.mode === "sse" || typeof Impl !== "function") {
      this.fallback();
      return Promise.resolve();
    }
    const url = this.options.api.base.replace(/^http/, "ws") + "/api/v1/widget/ws";
    return new Promise<void>((resolve) => {
      let opened = false;
      let socket: WebSocket;
      try {
        socket = new Impl(url, ["ccgpt.bearer", this.options.token]);
      } catch {
        this.fallback();
        resolve();
        return;
      }
      this.socket = socket;
      const timer = setTimeout(() => {
        if (!opened) socket.close();
      }, this.options.openTimeoutMs ?? 5000);
      socket.onopen = () => {
        opened = true;
        clearTimeout(timer);
        this.mode = "ws";
        this.failures = 0;
        socket.send(
          JSON.stringify({
            type: "hello",
            visitor_token: this.options.api.visitorToken,
            conversation_id: this.conversationId,
          }),
        );
        resolve();
      };
      socket.onmessage = (message: MessageEvent) => {
        if (typeof message.data !== "string") return;
        const data = parse(message.data);
        if (data && typeof data.type === "string") this.dispatch(data as ServerEvent);
      };
      socket.onclose = () => {
        clearTimeout(timer);
        if (this.socket !== socket) return;
        this.socket = null;
        this.failTurn();
        if (!opened) {
          // A socket that cannot open (a proxy blocking WebSockets): the SSE fallback.
          this.fallback();
          resolve();
        } else if (!this.closed) {
          this.failures += 1;
          if (this.failures > MAX_SOCKET_RETRIES) {
            this.fallback();
          } else {
            void sleep((this.options.retryDelayMs ?? 1000) * this.failures).then(() => {
              if (!this.closed && !this.socket) void this.connect(this.conversationId);
            });
          }
        }
      };
    });
  }

  private fallback(): void {
    this.mode = "sse";
    this.socket = null;
    this.watch(this.conversationId, true);
  }

  private dispatch(event: ServerEvent): void {
    const turn = this.turn;
    if (turn && (CHAT_EVENTS.has(event.type) || event.type === "error")) {
      turn.started = true;
      if (event.type === "conversation" && typeof event.conversation_id === "string") {
        this.conversationId = event.conversation_id;
      }
      turn.onEvent(event);
      if (event.type === "done" || event.type === "error") {
        this.turn = null;
        turn.resolve();
      }
    } else if (!CHAT_EVENTS.has(event.type)) {
      this.options.onLive(event);
    }
  }

  private failTurn(): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = null;
    if (turn.started) {
      turn.onEvent({ type: "error", error: { code: "connection_lost", message: "" } });
      turn.resolve();
    } else {
      turn.reject(new ApiError(0, "connection_lost", "the connection was lost"));
    }
  }

  /** Sends one visitor message; resolves at `done`/`error`, rejects when nothing arrived. */
  async send(message: string, conversationId: string | null, onEvent: EventHandler): Promise<void> {
    if (this.turn) throw new ApiError(409, "busy", "a reply is still streaming");
    if (this.mode === "ws" && this.socket?.readyState === 1) {
      const socket = this.socket;
      return new Promise<void>((resolve, reject) => {
        this.turn = { onEvent, started: false, resolve, reject };
        socket.send(JSON.stringify({ type: "message", message, conversation_id: conversationId }));
      });
    }
    if (this.mode === "ws") throw new ApiError(0, "connection_lost", "reconnecting");
    const response = await this.options.api.call("POST", "/api/v1/widget/chat", {
      message,
      conversation_id: conversationId,
    });
    let started = false;
    let finished = false;
    try {
      if (!response.body) throw new ApiError(0, "no_body", "empty response");
      for await (const item of readSse(response.body)) {
        const data = parse(item.data) ?? {};
        started = true;
        const event = { ...data, type: item.event };
        if (event.type === "conversation" && typeof data.conversation_id === "string") {
          // A new conversation: follow its live events (agent messages) from now on.
          this.watch(data.conversation_id);
        }
        onEvent(event);
        if (item.event === "done" || item.event === "error") finished = true;
      }
    } catch (error) {
      if (!started) throw error instanceof ApiError ? error : new ApiError(0, "offline", "");
    }
    if (!finished) {
      if (!started) throw new ApiError(0, "connection_lost", "the reply was cut");
      onEvent({ type: "error", error: { code: "connection_lost", message: "" } });
    }
  }

  /** Tells the agent the visitor is typing (callers throttle). */
  typing(conversationId: string): void {
    if (this.mode === "ws" && this.socket?.readyState === 1) {
      this.socket.send(JSON.stringify({ type: "typing", conversation_id: conversationId }));
    } else if (this.mode === "sse") {
      this.options.api
        .call("POST", "/api/v1/widget/typing", { conversation_id: conversationId })
        .catch(() => undefined);
    }
  }

  /** Follows the live events of a conversation (a new conversation, a restored one). */
  watch(conversationId: string | null, force = false): void {
    if (conversationId === this.conversationId && !force) return;
    this.conversationId = conversationId;
    if (this.mode === "ws") {
      // The hello names the conversation: say it again on a fresh socket.
      if (!this.turn && this.socket) {
        const old = this.socket;
        this.socket = null;
        old.onclose = null;
        old.close();
        void this.connect(conversationId);
      }
      return;
    }
    this.liveAbort?.abort();
    this.liveAbort = null;
    if (this.mode !== "sse" || !conversationId || this.closed) return;
    const abort = new AbortController();
    this.liveAbort = abort;
    void this.follow(conversationId, abort.signal);
  }

  private async follow(conversationId: string, signal: AbortSignal): Promise<void> {
    const path = `/api/v1/widget/events?conversation_id=${encodeURIComponent(conversationId)}`;
    while (!signal.aborted) {
      try {
        const response = await this.options.api.call("GET", path, undefined, signal);
        if (response.body) {
          for await (const item of readSse(response.body)) {
            const data = parse(item.data);
            if (data) this.options.onLive({ ...data, type: item.event });
          }
        }
      } catch {
        /* retried below */
      }
      await sleep(this.options.retryDelayMs ?? 3000, signal);
    }
  }

  close(): void {
    this.closed = true;
    this.liveAbort?.abort();
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}
