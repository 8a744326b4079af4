import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findScript, keepVisitor, readVisitor, start } from "../src/loader/loader";

const BASE = "https://api.example";

let shadow: ShadowRoot | null;
let fetchMock: ReturnType<typeof vi.fn>;

function addScript(): HTMLScriptElement {
  const script = document.createElement("script");
  script.src = `${BASE}/widget.js`;
  script.dataset.key = "ccgpt_pk_test";
  document.head.append(script);
  return script;
}

function settingsResponse(status = 200, body: unknown = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

function frame(): HTMLIFrameElement | null {
  return shadow?.querySelector("iframe") ?? null;
}

function fromFrame(data: unknown, origin = BASE, source?: MessageEventSource | null): void {
  window.dispatchEvent(
    new MessageEvent("message", {
      data,
      origin,
      source: source === undefined ? (frame()?.contentWindow ?? null) : source,
    }),
  );
}

beforeEach(() => {
  shadow = null;
  const original = HTMLElement.prototype.attachShadow;
  vi.spyOn(HTMLElement.prototype, "attachShadow").mockImplementation(function (
    this: HTMLElement,
    init: ShadowRootInit,
  ) {
    shadow = original.call(this, init);
    return shadow;
  });
  fetchMock = vi.fn(() =>
    Promise.resolve(
      settingsResponse(200, {
        title: "Lumen help",
        launcher_text: "Ask us",
        primary_color: "#112233",
        text_color: "#ffffff",
        position: "bottom-left",
      }),
    ),
  );
  vi.stubGlobal("fetch", fetchMock);
  delete window.CustomerCare;
  location.hash = "";
});

afterEach(() => {
  window.CustomerCare?.("shutdown");
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  document.head.replaceChildren();
  document.body.replaceChildren();
});

describe("loader", () => {
  it("finds its script by data-key and src ending in /widget.js", () => {
    const other = document.createElement("script");
    other.src = "https://cdn.example/other.js";
    other.dataset.key = "x";
    document.head.append(other);
    const script = addScript();
    expect(findScript(document)).toBe(script);
  });

  it("fetches the settings with the key and draws the launcher in a closed shadow root", async () => {
    start(addScript());
    await settle();
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`${BASE}/api/v1/widget/settings`);
    expect(init.headers).toEqual({ Authorization: "Bearer ccgpt_pk_test" });
    const host = document.querySelector("[data-ccgpt]") as HTMLElement;
    expect(host.shadowRoot).toBeNull(); // closed
    expect(HTMLElement.prototype.attachShadow).toHaveBeenCalledWith({ mode: "closed" });
    const launcher = shadow?.querySelector(".launcher");
    expect(launcher?.textContent).toContain("Ask us");
    expect(host.style.getPropertyValue("--ccgpt-primary")).toBe("#112233");
    expect(host.classList.contains("left")).toBe(true);
    expect(frame()).toBeNull(); // lazy
  });

  it("draws nothing and warns once on a 403", async () => {
    fetchMock.mockResolvedValueOnce(
      settingsResponse(403, { error: { code: "origin_not_allowed" } }),
    );
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    start(addScript());
    window.CustomerCare?.("open");
    await settle();
    expect(document.querySelector("[data-ccgpt]")).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("runs queued commands in order and creates the sandboxed frame on open", async () => {
    const stub = Object.assign(() => undefined, {
      q: [["identify", { user_id: "42", user_hash: "ab" }], ["open"]] as unknown[][],
    });
    window.CustomerCare = stub;
    start(addScript());
    await settle();
    const iframe = frame();
    expect(iframe).not.toBeNull();
    const src = new URL(iframe?.src ?? "");
    expect(src.origin + src.pathname).toBe(`${BASE}/widget/frame`);
    expect(src.searchParams.get("key")).toBe("ccgpt_pk_test");
    expect(src.searchParams.get("origin")).toBe("https://shop.example");
    expect(iframe?.getAttribute("sandbox")).toBe(
      "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox",
    );
    expect(iframe?.title).toBe("Lumen help");
    expect(iframe?.getAttribute("allow")).toBe("clipboard-write");
  });

  it("answers ready with identify and page, only to the API origin and only from the frame", async () => {
    start(addScript());
    await settle();
    window.CustomerCare?.("identify", { user_id: "42", user_hash: "ab", email: "a@b.example" });
    window.CustomerCare?.("open");
    // Frame pages are not loaded in unit tests: give the iframe a window of its own.
    const post = vi.fn();
    Object.defineProperty(frame(), "contentWindow", { value: { postMessage: post } });

    fromFrame({ ccgpt: 1, type: "ready" }, "https://evil.example");
    fromFrame({ ccgpt: 1, type: "ready" }, BASE, window);
    fromFrame({ type: "ready" });
    expect(post).not.toHaveBeenCalled();

    fromFrame({ ccgpt: 1, type: "ready" });
    const sent = post.mock.calls.map(([message, target]) => {
      expect(target).toBe(BASE);
      return message as { type: string };
    });
    expect(sent.map((m) => m.type)).toEqual(["identify", "page", "open"]);
    expect(sent[0]).toMatchObject({ ccgpt: 1, user_id: "42", user_hash: "ab" });
    expect(sent[1]).toMatchObject({ url: location.href });
  });

  it("shows the unread badge and closes on the frame's close, focusing the launcher", async () => {
    start(addScript());
    await settle();
    window.CustomerCare?.("open");
    const panel = shadow?.querySelector(".panel") as HTMLElement;
    expect(panel.hidden).toBe(false);
    fromFrame({ ccgpt: 1, type: "unread", count: 3 });
    expect(shadow?.querySelector(".badge")?.textContent).toBe("3");
    fromFrame({ ccgpt: 1, type: "close" });
    expect(panel.hidden).toBe(true);
    expect(shadow?.activeElement).toBe(shadow?.querySelector(".launcher"));
  });

  it("opens itself on #ccgpt-open and shutdown removes everything", async () => {
    location.hash = "#ccgpt-open";
    start(addScript());
    await settle();
    expect(frame()).not.toBeNull();
    window.CustomerCare?.("shutdown");
    expect(document.querySelector("[data-ccgpt]")).toBeNull();
  });
});

describe("visitor token kept first-party", () => {
  it("keeps the token per widget key in the page's storage", () => {
    localStorage.clear();
    keepVisitor("ccgpt_pk_aaaa_secret", "v-1");
    expect(readVisitor("ccgpt_pk_aaaa_secret")).toBe("v-1");
    expect(readVisitor("ccgpt_pk_bbbb_other")).toBeNull();
  });
});
