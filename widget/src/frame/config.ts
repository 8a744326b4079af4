// The frame's configuration: `<script id="ccgpt-config" type="application/json">` (section 2).
export interface WidgetSettings {
  title: string;
  greeting: string;
  suggested_questions: string[];
  logo_url: string | null;
  primary_color: string;
  text_color: string;
  position: "bottom-right" | "bottom-left";
  launcher_text: string;
  show_branding: boolean;
  verified_visitors: boolean;
}

export interface FrameConfig {
  api: string;
  token: string;
  parent_origin: string;
  lang: string;
  settings: WidgetSettings;
  version: number;
}

const DEFAULTS: WidgetSettings = {
  title: "",
  greeting: "",
  suggested_questions: [],
  logo_url: null,
  primary_color: "#2563eb",
  text_color: "#ffffff",
  position: "bottom-right",
  launcher_text: "",
  show_branding: true,
  verified_visitors: false,
};

export function readConfig(doc: Document): FrameConfig {
  const el = doc.getElementById("ccgpt-config");
  if (!el?.textContent) throw new Error("ccgpt-config is missing");
  const raw = JSON.parse(el.textContent) as Partial<FrameConfig>;
  if (typeof raw.api !== "string" || typeof raw.token !== "string") {
    throw new Error("ccgpt-config: api and token are required");
  }
  if (typeof raw.parent_origin !== "string") throw new Error("ccgpt-config: parent_origin");
  const settings = { ...DEFAULTS, ...(raw.settings ?? {}) };
  if (!Array.isArray(settings.suggested_questions)) settings.suggested_questions = [];
  return {
    api: raw.api.replace(/\/+$/, ""),
    token: raw.token,
    parent_origin: raw.parent_origin,
    lang: typeof raw.lang === "string" ? raw.lang : "en",
    settings,
    version: typeof raw.version === "number" ? raw.version : 1,
  };
}
