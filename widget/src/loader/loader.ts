// The loader, /widget.js (docs/widget.md section 1): finds its <script>, reads the widget
// settings, draws the launcher in a closed shadow root and creates the frame when opened.
import { isProtocolMessage, type Identity, type PageToFrame } from "../shared/protocol";
import { launcherStyles } from "./styles";

interface LoaderSettings {
  title?: string;
  launcher_text?: string;
  primary_color?: string;
  text_color?: string;
  position?: string;
}

type Queued = ArrayLike<unknown>;
interface CustomerCareFn {
  (...args: unknown[]): void;
  q?: Queued[];
  loaded?: boolean;
}

declare global {
  interface Window {
    CustomerCare?: CustomerCareFn;
  }
}

const COLOR = /^#[0-9a-f]{6}$/i;
const SANDBOX =
  "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox";

export function findScript(doc: Document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.key) return current;
  for (const el of Array.from(doc.querySelectorAll<HTMLScriptElement>("script[data-key]"))) {
    try {
      if (new URL(el.src, doc.baseURI).pathname.endsWith("/widget.js")) return el;
    } catch {
      /* not a URL: not ours */
    }
  }
  return null;
}

// The visitor token in the page's own (first-party) storage, per widget key: a browser that
// blocks third-party storage still lets the conversation survive page loads.
const visitorKey = (key: string): string => `ccgpt.visitor.${key.slice(0, 24)}`;

export function readVisitor(key: string): string | null {
  try {
    return window.localStorage.getItem(visitorKey(key));
  } catch {
    return null;
  }
}

export function keepVisitor(key: string, token: string): void {
  try {
    window.localStorage.setItem(visitorKey(key), token);
  } catch {
    /* storage off: a visitor per page load */
  }
}

export function start(script: HTMLScriptElement): void {
  const w = window;
  const base = new URL(script.src, document.baseURI).origin;
  const key = script.dataset.key ?? "";
  const pending: Queued[] = [];
  let run: ((args: Queued) => void) | null = null;

  const existing = w.CustomerCare;
  if (existing?.loaded) return; // a second copy of the script
  const api: CustomerCareFn = (...args: unknown[]) => {
    if (run) run(args);
    else pending.push(args);
  };
  api.loaded = true;
  pending.push(...(existing?.q ?? []));
  w.CustomerCare = api;

  let identity: Identity | null = null;
  let frame: HTMLIFrameElement | null = null;
  let frameReady = false;
  let wantNew = false;
  let isOpen = false;
  let dead = false;

  const host = document.createElement("div");
  host.setAttribute("data-ccgpt", "");
  const root = host.attachShadow({ mode: "closed" });
  const style = document.createElement("style");
  style.textContent = launcherStyles;
  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-haspopup", "dialog");
  const label = document.createElement("span");
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  launcher.append(label, badge);
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "ccgpt-panel";
  panel.hidden = true;
  launcher.setAttribute("aria-controls", panel.id);
  root.append(style, panel, launcher);

  const post = (msg: PageToFrame): void => {
    if (frame?.contentWindow && frameReady) frame.contentWindow.postMessage(msg, base);
  };

  const setOpen = (open: boolean, focusLauncher = false): void => {
    if (dead || open === isOpen) return;
    isOpen = open;
    panel.hidden = !open;
    host.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!frame) createFrame();
      frame?.focus();
      post({ ccgpt: 1, type: "open" });
    } else {
      post({ ccgpt: 1, type: "close" });
      if (focusLauncher) launcher.focus();
    }
  };

  const createFrame = (): void => {
    const lang = document.documentElement.lang || navigator.language || "en";
    const src = new URL("/widget/frame", base);
    src.searchParams.set("key", key);
    src.searchParams.set("origin", location.origin);
    src.searchParams.set("lang", lang);
    frame = document.createElement("iframe");
    frame.src = src.href;
    frame.title = title;
    frame.setAttribute("sandbox", SANDBOX);
    frame.setAttribute("allow", "clipboard-write");
    panel.append(frame);
  };

  const onMessage = (event: MessageEvent): void => {
    if (!frame || event.origin !== base || event.source !== frame.contentWindow) return;
    const data: unknown = event.data;
    if (!isProtocolMessage(data)) return;
    if (data.type === "ready") {
      frameReady = true;
      if (identity) post({ ccgpt: 1, type: "identify", ...identity });
      const page: PageToFrame = { ccgpt: 1, type: "page", url: location.href };
      const kept = readVisitor(key);
      if (kept) page.visitor_token = kept;
      post(page);
      if (wantNew) post({ ccgpt: 1, type: "new_conversation" });
      wantNew = false;
      post({ ccgpt: 1, type: isOpen ? "open" : "close" });
    } else if (data.type === "close") {
      setOpen(false, true);
    } else if (data.type === "visitor") {
      if (typeof data.token === "string" && data.token.length <= 200) keepVisitor(key, data.token);
    } else if (data.type === "unread") {
      const count = typeof data.count === "number" ? data.count : 0;
      badge.hidden = count <= 0;
      badge.textContent = count > 9 ? "9+" : String(count);
    }
  };

  const onKey = (event: KeyboardEvent): void => {
    if (event.key === "Escape" && isOpen) setOpen(false, true);
  };
  const onHash = (): void => {
    if (location.hash === "#ccgpt-open") setOpen(true);
  };

  const shutdown = (): void => {
    dead = true;
    host.remove();
    w.removeEventListener("message", onMessage);
    w.removeEventListener("hashchange", onHash);
    document.removeEventListener("keydown", onKey);
    frame = null;
  };

  const execute = (args: Queued): void => {
    const command = args[0];
    if (dead) return;
    if (command === "identify") {
      const value = args[1] as Partial<Identity> | undefined;
      if (!value || typeof value.user_id !== "string" || typeof value.user_hash !== "string") {
        return;
      }
      identity = { ...value, user_id: value.user_id, user_hash: value.user_hash };
      post({ ccgpt: 1, type: "identify", ...identity });
    } else if (command === "open") setOpen(true);
    else if (command === "close") setOpen(false);
    else if (command === "shutdown") shutdown();
    else if (command === "new_conversation") {
      if (frameReady) post({ ccgpt: 1, type: "new_conversation" });
      else wantNew = true;
    }
  };

  let title = "Chat";
  const draw = (settings: LoaderSettings): void => {
    title = settings.title || title;
    const text = settings.launcher_text || title;
    label.textContent = text;
    launcher.setAttribute("aria-label", text);
    // Inline and !important: a page rule such as `* { all: unset !important }` cannot move
    // the launcher or push it under the page (a style attribute wins over any selector).
    const side = settings.position === "bottom-left" ? "left" : "right";
    host.style.cssText =
      "all:initial!important;display:block!important;position:fixed!important;" +
      `z-index:2147483647!important;bottom:20px!important;${side}:20px!important`;
    if (settings.primary_color && COLOR.test(settings.primary_color)) {
      host.style.setProperty("--ccgpt-primary", settings.primary_color);
    }
    if (settings.text_color && COLOR.test(settings.text_color)) {
      host.style.setProperty("--ccgpt-text", settings.text_color);
    }
    if (settings.position === "bottom-left") host.classList.add("left");
    launcher.addEventListener("click", () => {
      setOpen(!isOpen, isOpen);
    });
    w.addEventListener("message", onMessage);
    w.addEventListener("hashchange", onHash);
    document.addEventListener("keydown", onKey);
    document.body.append(host);
    run = execute;
    for (const args of pending.splice(0)) execute(args);
    onHash();
  };

  fetch(new URL("/api/v1/widget/settings", base).href, {
    headers: { Authorization: `Bearer ${key}` },
    credentials: "omit",
  })
    .then(async (response) => {
      if (!response.ok) throw new Error(`settings: HTTP ${response.status}`);
      const body = (await response.json()) as { settings?: LoaderSettings } & LoaderSettings;
      draw(body.settings ?? body);
    })
    .catch((error: unknown) => {
      dead = true;
      console.warn("CustomerCareGPT widget disabled:", error);
    });
}
