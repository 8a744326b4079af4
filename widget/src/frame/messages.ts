// The bubbles of the message log: visitor, assistant (streamed Markdown, sources, feedback,
// the offered handoff), agent (labelled with its author) and status lines.
import { button, h } from "./dom";
import type { Translate } from "./i18n";
import { renderMarkdown, renderSources, type Citation } from "./markdown";

export type Rating = "up" | "down";

export interface AssistantCallbacks {
  feedback: (messageId: string, rating: Rating, comment?: string) => Promise<void>;
  acceptHandoff: () => void;
}

export function userBubble(text: string, t: Translate): HTMLElement {
  return h(
    "div",
    { class: "msg user" },
    h("span", { class: "sr-only", text: t("you") + ": " }),
    h("div", { class: "body plain", text }),
  );
}

export function agentBubble(content: string, author: string | null, t: Translate): HTMLElement {
  const body = h("div", { class: "body" });
  body.append(renderMarkdown(content));
  return h(
    "div",
    { class: "msg agent" },
    h("div", { class: "author", text: author || t("agent") }),
    body,
  );
}

export function statusLine(text: string): HTMLElement {
  return h("div", { class: "status-line", text });
}

export class AssistantBubble {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private text = "";
  private citations: Citation[] = [];
  private scheduled = false;
  handoffOffered = false;

  constructor(
    private readonly t: Translate,
    private readonly callbacks: AssistantCallbacks,
  ) {
    this.body = h("div", { class: "body" }, h("span", { class: "dots", "aria-hidden": "true" }));
    this.element = h(
      "div",
      { class: "msg assistant", "aria-busy": "true" },
      h("span", { class: "sr-only", text: t("assistant") + ": " }),
      this.body,
    );
  }

  append(delta: string): void {
    this.text += delta;
    this.schedule();
  }

  replace(text: string): void {
    this.text = text;
    this.schedule();
  }

  setCitations(citations: Citation[]): void {
    this.citations = citations;
  }

  get content(): string {
    return this.text;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Re-render at most once a frame while tokens stream in.
    const run = (): void => {
      this.scheduled = false;
      this.render();
    };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  private render(): void {
    const sources = this.element.querySelector(".ccgpt-sources");
    this.body.replaceChildren(
      renderMarkdown(this.text, {
        citations: this.citations,
        citeLabel: (c) => `${this.t("source")} ${c.number}: ${c.title}`,
        onCite: (c) => {
          const item = this.element.querySelector<HTMLElement>(`li[data-number="${c.number}"]`);
          item?.focus();
        },
      }),
    );
    if (sources) this.body.after(sources);
  }

  /** The answer is complete: final text, sources, feedback, the offered handoff. */
  finish(text: string, messageId: string | null, rating: Rating | null = null): void {
    this.text = text;
    this.scheduled = false;
    this.element.removeAttribute("aria-busy");
    this.render();
    this.element.querySelector(".ccgpt-sources")?.remove();
    if (this.citations.length) {
      this.body.after(renderSources(this.citations, this.t("sources")));
    }
    if (messageId) this.element.append(this.feedbackRow(messageId, rating));
    if (this.handoffOffered) this.element.append(this.handoffRow());
  }

  fail(message: string, retry: () => void): void {
    this.element.removeAttribute("aria-busy");
    this.element.classList.add("failed");
    this.body.replaceChildren(
      h("p", { text: message }),
      button(this.t("retry"), { class: "link" }),
    );
    this.body.querySelector("button")?.addEventListener("click", retry);
  }

  private feedbackRow(messageId: string, initial: Rating | null): HTMLElement {
    // Icons drawn by CSS masks: emoji fonts are missing on many systems.
    const up = button("", { class: "icon thumb up", "aria-label": this.t("helpful") });
    const down = button("", { class: "icon thumb down", "aria-label": this.t("notHelpful") });
    const row = h("div", { class: "feedback" }, up, down);
    const mark = (rating: Rating | null): void => {
      up.setAttribute("aria-pressed", String(rating === "up"));
      down.setAttribute("aria-pressed", String(rating === "down"));
    };
    mark(initial);
    const choose = (rating: Rating): void => {
      mark(rating);
      void this.callbacks
        .feedback(messageId, rating)
        .then(() => {
          row.querySelector("form")?.remove();
          row.append(this.commentForm(messageId, rating));
        })
        .catch(() => {
          mark(initial);
        });
    };
    up.addEventListener("click", () => {
      choose("up");
    });
    down.addEventListener("click", () => {
      choose("down");
    });
    return row;
  }

  private commentForm(messageId: string, rating: Rating): HTMLElement {
    const id = `c-${messageId}`;
    const area = h("textarea", { id, rows: "2", maxlength: "2000" });
    const form = h(
      "form",
      { class: "comment" },
      h("label", { for: id, text: this.t("commentLabel") }),
      area,
      h("button", { type: "submit", text: this.t("sendFeedback") }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const comment = area.value.trim();
      const done = (): void => {
        form.replaceWith(h("p", { class: "thanks", role: "status", text: this.t("thanks") }));
      };
      if (!comment) {
        done();
        return;
      }
      void this.callbacks.feedback(messageId, rating, comment).then(done, () => undefined);
    });
    return form;
  }

  private handoffRow(): HTMLElement {
    const yes = button(this.t("yesConnect"), { class: "primary" });
    const no = button(this.t("noThanks"));
    const row = h("div", { class: "offer" }, h("p", { text: this.t("handoffOffer") }), yes, no);
    yes.addEventListener("click", () => {
      row.remove();
      this.callbacks.acceptHandoff();
    });
    no.addEventListener("click", () => {
      row.remove();
    });
    return row;
  }
}
