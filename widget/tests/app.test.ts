import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App, VISITOR_KEY } from "../src/frame/app";
import type { FrameConfig } from "../src/frame/config";

const API = "https://api.example";
const PARENT = "https://shop.example";

type Route = (init: RequestInit, url: URL) => Response | Promise<Response>;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

const sse = (events: [string, unknown][]): Response =>
  new Response(events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(""), {
    headers: { "Content-Type": "text/event-stream" },
  });

/** A WebSocket that never opens (a proxy blocking it): the frame falls back to SSE. */
class BlockedSocket {
  static instances: BlockedSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readyState = 0;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    BlockedSocket.instances.push(this);
    setTimeout(() => this.onclose?.(), 0);
  }
  send(): void {
    throw new Error("not open");
  }
  close(): void {
    this.readyState = 3;
  }
}

/** A WebSocket that opens; tests push server frames with `receive`. */
class OpenSocket {
  static last: OpenSocket | null = null;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readyState = 0;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    OpenSocket.last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.();
    }, 0);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }
  close(): void {
    this.readyState = 3;
  }
}

function config(lang = "en"): FrameConfig {
  return {
    api: API,
    token: "frame-token",
    parent_origin: PARENT,
    lang,
    version: 1,
    settings: {
      title: "Lumen help",
      greeting: "Hi! How can we help?",
      suggested_questions: ["Refunds?", "Shipping?"],
      logo_url: null,
      primary_color: "#112233",
      text_color: "#ffffff",
      position: "bottom-right",
      launcher_text: "Chat",
      show_branding: true,
      verified_visitors: false,
    },
  };
}

let routes: Map<string, Route>;
let calls: { method: string; path: string; init: RequestInit }[];
let apps: App[];

function fetchFn(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(String(input));
  const method = init.method ?? "GET";
  calls.push({ method, path: url.pathname, init });
  const route = routes.get(`${method} ${url.pathname}`);
  if (!route) return Promise.resolve(json({ error: { code: "not_found" } }, 404));
  return Promise.resolve(route(init, url));
}

function body(path: string, method = "POST"): Record<string, unknown> {
  const call = calls.filter((c) => c.path === path && c.method === method).at(-1);
  return JSON.parse(String(call?.init.body)) as Record<string, unknown>;
}

async function flush(ms = 0): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, ms));
}

async function makeApp(
  WebSocketImpl: unknown = BlockedSocket,
  lang = "en",
  parentMessages: Record<string, unknown>[] = [],
): Promise<App> {
  const app = new App(config(lang), {
    fetchFn: fetchFn,
    WebSocketImpl: WebSocketImpl as typeof WebSocket,
    storage: localStorage,
    pageWaitMs: 5,
  });
  apps.push(app);
  document.body.append(app.view.root);
  for (const message of parentMessages) app.onParent({ ccgpt: 1, type: "", ...message });
  await app.ready;
  await flush();
  return app;
}

beforeEach(() => {
  localStorage.clear();
  calls = [];
  apps = [];
  BlockedSocket.instances = [];
  routes = new Map<string, Route>([
    [
      "POST /api/v1/widget/visitors",
      () => json({ visitor_token: "v-1", verified: false, conversation_id: null }, 201),
    ],
    ["GET /api/v1/widget/conversation", () => json({ conversation: null, messages: [] })],
    ["GET /api/v1/widget/events", () => new Response("", { status: 200 })],
  ]);
});

afterEach(() => {
  for (const app of apps) app.transport.close();
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("frame app: start-up", () => {
  it("registers the visitor with identity and page, stores and resends the token", async () => {
    localStorage.setItem(VISITOR_KEY, "v-old");
    await makeApp(BlockedSocket, "en", [
      { type: "identify", user_id: "42", user_hash: "ab", email: "a@b.example" },
      { type: "page", url: "https://shop.example/p" },
    ]);
    expect(body("/api/v1/widget/visitors")).toEqual({
      visitor_token: "v-old",
      user_id: "42",
      user_hash: "ab",
      email: "a@b.example",
      page_url: "https://shop.example/p",
    });
    expect(localStorage.getItem(VISITOR_KEY)).toBe("v-1");
    const headers = calls.find((c) => c.path === "/api/v1/widget/conversation")?.init
      .headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer frame-token");
    expect(headers["X-Visitor-Token"]).toBe("v-1");
  });

  it("without storage of its own, uses and hands back the token the page keeps", async () => {
    const posted: unknown[] = [];
    const parent = { postMessage: (message: unknown) => posted.push(message) };
    const win = {
      parent,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    } as unknown as Window;
    const app = new App(config("en"), {
      fetchFn,
      WebSocketImpl: BlockedSocket as unknown as typeof WebSocket,
      storage: null,
      win,
      pageWaitMs: 5,
    });
    apps.push(app);
    app.onParent({ ccgpt: 1, type: "page", url: "https://shop.example/", visitor_token: "v-kept" });
    await app.ready;
    await flush();
    expect(body("/api/v1/widget/visitors").visitor_token).toBe("v-kept");
    expect(posted).toContainEqual({ ccgpt: 1, type: "visitor", token: "v-1" });
  });

  it("restores the conversation: user, assistant with sources, agent with its name", async () => {
    routes.set("GET /api/v1/widget/conversation", () =>
      json({
        conversation: { id: "c-1", status: "assigned", created_at: "" },
        messages: [
          { id: "m1", role: "user", content: "<b>hi</b>", citations: [] },
          {
            id: "m2",
            role: "assistant",
            content: "Yes [1].",
            citations: [
              { number: 1, title: "Refunds", section: "Annual", url: "https://h.example/r" },
            ],
            feedback: { rating: "up", comment: null },
          },
          { id: "m3", role: "agent", content: "Hello, Ana here", author_name: "Ana" },
        ],
      }),
    );
    const app = await makeApp();
    const log = app.view.log;
    expect(log.querySelector(".msg.user")?.textContent).toContain("<b>hi</b>");
    expect(log.querySelector(".msg.user b")).toBeNull();
    expect(log.querySelector(".ccgpt-sources")?.textContent).toContain("Refunds — Annual");
    expect(log.querySelector(".feedback [aria-pressed=true]")?.getAttribute("aria-label")).toBe(
      "Helpful",
    );
    expect(log.querySelector(".msg.agent .author")?.textContent).toBe("Ana");
    expect(app.view.welcome.hidden).toBe(true);
  });

  it("uses German strings for de-AT and shows the greeting and chips", async () => {
    const app = await makeApp(BlockedSocket, "de-AT");
    expect(app.view.newButton.textContent).toBe("Neues Gespräch");
    expect(app.view.welcome.textContent).toContain("Hi! How can we help?");
    expect(app.view.chips.map((c) => c.textContent)).toEqual(["Refunds?", "Shipping?"]);
    expect(app.view.log.getAttribute("role")).toBe("log");
  });
});

describe("frame app: sending", () => {
  it("streams over the SSE fallback when the socket cannot open", async () => {
    routes.set("POST /api/v1/widget/chat", () =>
      sse([
        ["conversation", { conversation_id: "c-9", user_message_id: "u1" }],
        ["token", { text: "Refunds take " }],
        ["token", { text: "5 days [1]." }],
        [
          "citations",
          {
            citations: [{ number: 1, title: "Refunds", section: null, url: "https://h.example/r" }],
          },
        ],
        ["decision", { decision: "answered", handoff_offered: false }],
        ["done", { conversation_id: "c-9", message_id: "a1", answer: "Refunds take 5 days [1]." }],
      ]),
    );
    const app = await makeApp();
    expect(BlockedSocket.instances[0]?.protocols).toEqual(["ccgpt.bearer", "frame-token"]);
    expect(BlockedSocket.instances[0]?.url).toBe("wss://api.example/api/v1/widget/ws");
    app.view.input.value = "refund?";
    app.view.input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
    expect(body("/api/v1/widget/chat")).toEqual({ message: "refund?", conversation_id: null });
    const answer = app.view.log.querySelector(".msg.assistant");
    expect(answer?.textContent).toContain("Refunds take 5 days");
    expect(answer?.querySelector(".ccgpt-cite a")?.getAttribute("href")).toBe(
      "https://h.example/r",
    );
    expect(app.view.announcer.textContent).toContain("Refunds take 5 days");
    expect(app.view.input.value).toBe("");
    // Live events now follow the new conversation over SSE.
    await flush();
  });

  it("Shift+Enter does not send", async () => {
    const app = await makeApp();
    app.view.input.value = "line";
    app.view.input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true }));
    await flush();
    expect(calls.some((c) => c.path === "/api/v1/widget/chat")).toBe(false);
  });

  it("keeps the text and shows the wait on a 429", async () => {
    routes.set("POST /api/v1/widget/chat", () =>
      json({ error: { code: "rate_limited", message: "slow down" } }, 429, { "Retry-After": "12" }),
    );
    const app = await makeApp();
    await app.send("my long question");
    expect(app.view.input.value).toBe("my long question");
    expect(app.view.bannerText.textContent).toBe("Too many messages: please wait 12 s.");
    expect(app.view.send.disabled).toBe(true);
    expect(app.view.log.querySelector(".msg.user")).toBeNull();
  });

  it("restores the text and offers a retry on a server error or when offline", async () => {
    routes.set("POST /api/v1/widget/chat", () => json({ error: { code: "internal" } }, 503));
    const app = await makeApp();
    await app.send("hello");
    expect(app.view.input.value).toBe("hello");
    expect(app.view.bannerText.textContent).toBe("Something went wrong.");
    expect(app.view.bannerRetry.hidden).toBe(false);

    routes.set("POST /api/v1/widget/chat", () => Promise.reject(new TypeError("Failed to fetch")));
    app.view.input.value = "";
    await app.send("again");
    expect(app.view.input.value).toBe("again");
    expect(app.view.bannerText.textContent).toContain("offline");
  });

  it("shows no bot bubble for an empty answer (an agent holds the conversation)", async () => {
    routes.set("POST /api/v1/widget/chat", () =>
      sse([
        ["conversation", { conversation_id: "c-1" }],
        ["citations", { citations: [] }],
        ["decision", { decision: "answered", handoff_offered: false }],
        ["done", { conversation_id: "c-1", message_id: "a1", answer: "" }],
      ]),
    );
    const app = await makeApp();
    await app.send("are you there?");
    expect(app.view.log.querySelector(".msg.user")).not.toBeNull();
    expect(app.view.log.querySelector(".msg.assistant")).toBeNull();
  });

  it("offers a human when handoff_offered and the button calls /handoff", async () => {
    routes.set("POST /api/v1/widget/chat", () =>
      sse([
        ["conversation", { conversation_id: "c-5" }],
        ["token", { text: "I could not find that." }],
        ["citations", { citations: [] }],
        ["decision", { decision: "no_answer", handoff_offered: true }],
        ["done", { conversation_id: "c-5", message_id: "a5", answer: "I could not find that." }],
      ]),
    );
    routes.set("POST /api/v1/widget/handoff", () => json({ status: "handed_off" }, 201));
    const app = await makeApp();
    await app.send("odd question");
    const yes = [...app.view.log.querySelectorAll(".offer button")].find(
      (b) => b.textContent === "Yes, connect me",
    ) as HTMLButtonElement;
    yes.click();
    await flush();
    expect(body("/api/v1/widget/handoff")).toEqual({ conversation_id: "c-5" });
    expect(app.view.log.querySelector(".status-line")?.textContent).toContain("queue");
  });

  it("sends feedback with an optional comment", async () => {
    routes.set("GET /api/v1/widget/conversation", () =>
      json({
        conversation: { id: "c-1", status: "open" },
        messages: [
          { id: "m2", role: "assistant", content: "Answer", citations: [], feedback: null },
        ],
      }),
    );
    routes.set("POST /api/v1/widget/messages/m2/feedback", () => json(null, 204));
    const app = await makeApp();
    (app.view.log.querySelector("[aria-label='Not helpful']") as HTMLButtonElement).click();
    await flush();
    expect(body("/api/v1/widget/messages/m2/feedback")).toEqual({ rating: "down" });
    const form = app.view.log.querySelector("form.comment") as HTMLFormElement;
    (form.querySelector("textarea") as HTMLTextAreaElement).value = "too vague";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(body("/api/v1/widget/messages/m2/feedback")).toEqual({
      rating: "down",
      comment: "too vague",
    });
    expect(app.view.log.querySelector(".thanks")).not.toBeNull();
  });
});

describe("frame app: WebSocket and live events", () => {
  it("says hello, sends messages and shows agent messages, typing and status", async () => {
    routes.set("GET /api/v1/widget/conversation", () =>
      json({ conversation: { id: "c-1", status: "open" }, messages: [] }),
    );
    const app = await makeApp(OpenSocket);
    const socket = OpenSocket.last as OpenSocket;
    expect(socket.sent[0]).toEqual({ type: "hello", visitor_token: "v-1", conversation_id: "c-1" });

    const sending = app.send("hi");
    expect(socket.sent[1]).toEqual({ type: "message", message: "hi", conversation_id: "c-1" });
    socket.receive({ type: "conversation", conversation_id: "c-1" });
    socket.receive({ type: "token", text: "Hello!" });
    socket.receive({ type: "done", conversation_id: "c-1", message_id: "a1", answer: "Hello!" });
    await sending;
    expect(app.view.log.querySelector(".msg.assistant")?.textContent).toContain("Hello!");

    socket.receive({
      type: "status",
      conversation_id: "c-1",
      status: "assigned",
      agent_name: "Ana",
    });
    expect(app.view.log.querySelector(".status-line")?.textContent).toBe(
      "Ana joined the conversation.",
    );
    socket.receive({ type: "typing", conversation_id: "c-1", actor: "agent" });
    expect(app.view.typing.hidden).toBe(false);
    expect(app.view.typing.textContent).toBe("Ana is typing…");
    socket.receive({
      type: "agent_message",
      conversation_id: "c-1",
      message: {
        id: "g1",
        role: "agent",
        content: "<img src=x onerror=alert(1)>Hi",
        author_name: "Ana",
      },
    });
    const agent = app.view.log.querySelector(".msg.agent");
    expect(agent?.querySelector(".author")?.textContent).toBe("Ana");
    expect(agent?.querySelector("img")).toBeNull();
    expect(app.view.typing.hidden).toBe(true);
    // Another conversation's events are not shown.
    socket.receive({
      type: "agent_message",
      conversation_id: "c-other",
      message: { id: "g2", role: "agent", content: "not yours", author_name: "Bo" },
    });
    expect(app.view.log.textContent).not.toContain("not yours");
  });

  it("counts unread agent messages while closed and tells the parent", async () => {
    const post = vi.spyOn(window.parent, "postMessage");
    const app = await makeApp(OpenSocket);
    app.onParent({ ccgpt: 1, type: "close" });
    app.onLive({
      type: "agent_message",
      message: { id: "g1", content: "psst", author_name: null },
    });
    // In a test the frame is not framed (parent === window): nothing is posted, but the count is kept.
    expect(post).not.toHaveBeenCalledWith(expect.anything(), "*");
    app.onParent({ ccgpt: 1, type: "open" });
    expect(document.activeElement).toBe(app.view.input);
  });
});

describe("frame app: conversation controls", () => {
  it("follows live events of a conversation created by the first message (SSE fallback)", async () => {
    routes.set("POST /api/v1/widget/chat", () =>
      sse([
        ["conversation", { conversation_id: "c-new" }],
        ["done", { conversation_id: "c-new", message_id: "a1", answer: "ok" }],
      ]),
    );
    const app = await makeApp();
    await app.send("first");
    await flush();
    const events = calls.filter((c) => c.path === "/api/v1/widget/events");
    expect(events.length).toBeGreaterThan(0);
  });

  it("starts a new conversation from the button and from the parent", async () => {
    let n = 0;
    routes.set("POST /api/v1/widget/conversations", () =>
      json({ conversation_id: `c-${++n}` }, 201),
    );
    routes.set("GET /api/v1/widget/conversation", () =>
      json({
        conversation: { id: "c-0", status: "open" },
        messages: [{ id: "m", role: "user", content: "old" }],
      }),
    );
    const app = await makeApp();
    expect(app.view.log.textContent).toContain("old");
    app.view.newButton.click();
    await flush();
    expect(app.view.log.textContent).not.toContain("old");
    expect(app.view.welcome.hidden).toBe(false);
    app.onParent({ ccgpt: 1, type: "new_conversation" });
    await flush();
    expect(n).toBe(2);
  });

  it("talk to a human: optional email, then /handoff", async () => {
    routes.set("POST /api/v1/widget/conversations", () => json({ conversation_id: "c-h" }, 201));
    routes.set("POST /api/v1/widget/handoff", () => json({ status: "handed_off" }, 201));
    const app = await makeApp();
    app.view.humanButton.click();
    expect(app.view.handoffForm.hidden).toBe(false);
    app.view.emailInput.value = "me@example.com";
    app.view.handoffForm.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(body("/api/v1/widget/handoff")).toEqual({
      conversation_id: "c-h",
      email: "me@example.com",
    });
    expect(app.view.handoffForm.hidden).toBe(true);
  });

  it("Escape closes the handoff form first", async () => {
    const app = await makeApp();
    app.view.humanButton.click();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(app.view.handoffForm.hidden).toBe(true);
  });

  it("identify after start registers the visitor again with the identity", async () => {
    const app = await makeApp();
    app.onParent({ ccgpt: 1, type: "identify", user_id: "7", user_hash: "ff" });
    await flush();
    expect(body("/api/v1/widget/visitors")).toEqual({
      visitor_token: "v-1",
      user_id: "7",
      user_hash: "ff",
    });
  });

  it("a verified-visitors workspace without identity: says so and disables sending", async () => {
    routes.set("POST /api/v1/widget/visitors", () =>
      json({ error: { code: "identity_required", message: "x" } }, 403),
    );
    const app = await makeApp();
    expect(app.view.bannerText.textContent).toContain("sign in");
    expect(app.view.send.disabled).toBe(true);
  });

  it("hides branding when show_branding is false", () => {
    const cfg = config();
    cfg.settings.show_branding = false;
    const app = new App(cfg, {
      fetchFn: fetchFn,
      WebSocketImpl: BlockedSocket as unknown as typeof WebSocket,
      storage: null,
      pageWaitMs: 1,
    });
    apps.push(app);
    expect(app.view.root.querySelector(".brand")).toBeNull();
    expect(app.view.root.style.getPropertyValue("--ccgpt-primary")).toBe("#112233");
  });
});
