// The frame's shell: header, banner, message log, handoff form, composer, branding.
import type { WidgetSettings } from "./config";
import { button, h } from "./dom";
import type { Translate } from "./i18n";
import { safeUrl } from "./markdown";

export interface View {
  root: HTMLElement;
  log: HTMLElement;
  welcome: HTMLElement;
  chips: HTMLButtonElement[];
  banner: HTMLElement;
  bannerText: HTMLElement;
  bannerRetry: HTMLButtonElement;
  typing: HTMLElement;
  form: HTMLFormElement;
  input: HTMLTextAreaElement;
  send: HTMLButtonElement;
  closeButton: HTMLButtonElement;
  newButton: HTMLButtonElement;
  humanButton: HTMLButtonElement;
  handoffForm: HTMLFormElement;
  emailInput: HTMLInputElement;
  handoffCancel: HTMLButtonElement;
  announcer: HTMLElement;
}

const COLOR = /^#[0-9a-f]{6}$/i;

export function applyColors(settings: WidgetSettings, target: HTMLElement): void {
  if (COLOR.test(settings.primary_color)) {
    target.style.setProperty("--ccgpt-primary", settings.primary_color);
  }
  if (COLOR.test(settings.text_color))
    target.style.setProperty("--ccgpt-on-primary", settings.text_color);
}

export function buildView(settings: WidgetSettings, t: Translate): View {
  const title = settings.title || t("chat");
  const logoUrl = safeUrl(settings.logo_url);
  const closeButton = button("×", { class: "icon close", "aria-label": t("close") });
  const newButton = button(t("newConversation"), { class: "link" });
  const humanButton = button(t("talkToHuman"), {
    class: "link",
    "aria-controls": "ccgpt-handoff",
  });
  const header = h(
    "header",
    { class: "head" },
    logoUrl && h("img", { class: "logo", src: logoUrl, alt: "" }),
    h("h1", { id: "ccgpt-title", text: title }),
    closeButton,
  );
  const tools = h("div", { class: "tools" }, newButton, humanButton);

  const chips = settings.suggested_questions
    .filter((q) => typeof q === "string" && q.trim())
    .slice(0, 6)
    .map((q) => button(q, { class: "chip" }));
  const welcome = h(
    "div",
    { class: "welcome" },
    settings.greeting && h("p", { class: "greeting", text: settings.greeting }),
    chips.length > 0 &&
      h("div", { class: "chips", role: "group", "aria-label": t("suggestions") }, ...chips),
  );
  const log = h(
    "div",
    {
      class: "log",
      role: "log",
      "aria-live": "off",
      "aria-labelledby": "ccgpt-title",
      tabindex: "0",
    },
    welcome,
  );

  const bannerText = h("span");
  const bannerRetry = button(t("retry"), { class: "link", hidden: true });
  const banner = h(
    "div",
    { class: "banner", role: "alert", hidden: true },
    bannerText,
    bannerRetry,
  );
  const typing = h("div", { class: "typing", hidden: true });

  const emailInput = h("input", {
    id: "ccgpt-email",
    type: "email",
    autocomplete: "email",
    maxlength: "254",
  });
  const handoffCancel = button(t("cancel"));
  const handoffForm = h(
    "form",
    { class: "handoff", id: "ccgpt-handoff", hidden: true },
    h("label", { for: "ccgpt-email", text: t("emailLabel") }),
    emailInput,
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", text: t("connect") }),
      handoffCancel,
    ),
  );

  const input = h("textarea", {
    id: "ccgpt-input",
    rows: "1",
    maxlength: "4000",
    placeholder: t("placeholder"),
    "aria-label": t("messageLabel"),
  });
  const send = h("button", {
    type: "submit",
    class: "send",
    "aria-label": t("send"),
    disabled: true,
  });
  send.append(h("span", { "aria-hidden": "true", text: "➤" }));
  const form = h("form", { class: "composer" }, input, send);

  const announcer = h("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });
  const root = h(
    "div",
    { class: "ccgpt", role: "dialog", "aria-labelledby": "ccgpt-title" },
    header,
    tools,
    banner,
    log,
    typing,
    handoffForm,
    form,
    settings.show_branding && h("p", { class: "brand", text: t("poweredBy") }),
    announcer,
  );
  applyColors(settings, root);
  return {
    root,
    log,
    welcome,
    chips,
    banner,
    bannerText,
    bannerRetry,
    typing,
    form,
    input,
    send,
    closeButton,
    newButton,
    humanButton,
    handoffForm,
    emailInput,
    handoffCancel,
    announcer,
  };
}
