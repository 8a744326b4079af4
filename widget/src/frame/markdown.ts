// Safe Markdown: the `marked` lexer only tokenizes; this module builds DOM nodes from the
// tokens with createElement and textContent. No HTML from content is ever parsed: raw HTML
// shows as text, links keep only http:, https: and mailto:, images become their alt text.
import { Lexer, type Token, type Tokens } from "marked";

export interface Citation {
  number: number;
  title: string;
  section?: string | null;
  url?: string | null;
  document_id?: string;
  snippet?: string;
}

export interface RenderOptions {
  citations?: Citation[];
  /** Label for a citation marker, e.g. "Source 1: Refunds". */
  citeLabel?: (citation: Citation) => string;
  /** Where a marker of a citation without a safe URL points (the sources list). */
  onCite?: (citation: Citation) => void;
}

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
const CITATION = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** The URL when it is absolute and http:, https: or mailto:, else null. */
export function safeUrl(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href.trim());
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** marked keeps entities as written (a browser would decode them): decode for textContent. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, name: string) => {
    if (name.startsWith("#")) {
      const code =
        name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : +name.slice(1);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return ENTITIES[name.toLowerCase()] ?? match;
  });
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function externalLink(href: string, text: string): HTMLAnchorElement {
  const a = el("a", text);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  return a;
}

class Renderer {
  private readonly byNumber = new Map<number, Citation>();

  constructor(private readonly options: RenderOptions) {
    for (const c of options.citations ?? []) this.byNumber.set(c.number, c);
  }

  blocks(tokens: Token[], parent: Node): void {
    for (const token of tokens) {
      const node = this.block(token);
      if (node) parent.appendChild(node);
    }
  }

  private block(token: Token): Node | null {
    switch (token.type) {
      case "paragraph": {
        const p = el("p");
        this.inline((token as Tokens.Paragraph).tokens, p);
        return p;
      }
      case "heading": {
        const h = token as Tokens.Heading;
        const node = el(h.depth <= 2 ? "h3" : "h4");
        this.inline(h.tokens, node);
        return node;
      }
      case "code": {
        const pre = el("pre");
        pre.appendChild(el("code", (token as Tokens.Code).text));
        return pre;
      }
      case "blockquote": {
        const q = el("blockquote");
        this.blocks((token as Tokens.Blockquote).tokens, q);
        return q;
      }
      case "list": {
        const list = token as Tokens.List;
        const node = el(list.ordered ? "ol" : "ul");
        if (list.ordered && typeof list.start === "number" && list.start !== 1) {
          node.setAttribute("start", String(list.start));
        }
        for (const item of list.items) {
          const li = el("li");
          if (item.task) {
            li.appendChild(document.createTextNode(item.checked ? "☑ " : "☐ "));
          }
          // Tight lists hold "text" tokens with inline children; loose ones paragraphs.
          this.blocks(item.tokens, li);
          node.appendChild(li);
        }
        return node;
      }
      case "table":
        return this.table(token as Tokens.Table);
      case "hr":
        return el("hr");
      case "space":
      case "def":
        return null;
      case "text": {
        const t = token as Tokens.Text;
        const span = document.createDocumentFragment();
        if (t.tokens) this.inline(t.tokens, span);
        else this.text(t.text, span);
        return span;
      }
      default:
        // html blocks and anything unknown: shown as the text it is.
        return document.createTextNode("raw" in token ? token.raw : "");
    }
  }

  private table(token: Tokens.Table): HTMLElement {
    const wrap = el("div");
    wrap.className = "ccgpt-table";
    const table = el("table");
    const head = el("thead");
    const headRow = el("tr");
    for (const cell of token.header) {
      const th = el("th");
      th.setAttribute("scope", "col");
      this.cellAlign(th, cell.align);
      this.inline(cell.tokens, th);
      headRow.appendChild(th);
    }
    head.appendChild(headRow);
    const body = el("tbody");
    for (const row of token.rows) {
      const tr = el("tr");
      for (const cell of row) {
        const td = el("td");
        this.cellAlign(td, cell.align);
        this.inline(cell.tokens, td);
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    table.append(head, body);
    wrap.appendChild(table);
    return wrap;
  }

  private cellAlign(cell: HTMLElement, align: string | null): void {
    if (align === "left" || align === "right" || align === "center") cell.dataset.align = align;
  }

  inline(tokens: Token[], parent: Node): void {
    let pending = "";
    const flush = (): void => {
      if (pending) this.text(pending, parent);
      pending = "";
    };
    for (const token of tokens) {
      // Adjacent text pieces are joined so "[1, 2]" split by the lexer is one marker again.
      if (
        (token.type === "text" && !("tokens" in token && token.tokens)) ||
        token.type === "escape"
      ) {
        pending += (token as Tokens.Text).text;
        continue;
      }
      if (token.type === "html") {
        pending += (token as Tokens.HTML).text;
        continue;
      }
      flush();
      parent.appendChild(this.inlineToken(token));
    }
    flush();
  }

  private inlineToken(token: Token): Node {
    switch (token.type) {
      case "strong":
      case "em":
      case "del": {
        const node = el(token.type === "strong" ? "strong" : token.type === "em" ? "em" : "del");
        this.inline((token as Tokens.Strong).tokens, node);
        return node;
      }
      case "codespan":
        return el("code", decodeEntities((token as Tokens.Codespan).text));
      case "br":
        return el("br");
      case "link": {
        const link = token as Tokens.Link;
        const href = safeUrl(link.href);
        if (!href) {
          const span = el("span");
          this.inline(link.tokens, span);
          return span;
        }
        const a = externalLink(href, "");
        this.inline(link.tokens, a);
        return a;
      }
      case "image":
        return document.createTextNode((token as Tokens.Image).text);
      case "text": {
        const frag = document.createDocumentFragment();
        const t = token as Tokens.Text;
        if (t.tokens) this.inline(t.tokens, frag);
        else this.text(t.text, frag);
        return frag;
      }
      default:
        return document.createTextNode("raw" in token ? token.raw : "");
    }
  }

  /** Plain text, with citation markers ("[1]", "[1, 2]") made into links or buttons. */
  private text(raw: string, parent: Node): void {
    const text = decodeEntities(raw);
    let last = 0;
    for (const match of text.matchAll(CITATION)) {
      const numbers = (match[1] ?? "").split(",").map((n) => Number(n.trim()));
      const cited = numbers.map((n) => this.byNumber.get(n));
      if (!cited.every((c): c is Citation => c !== undefined)) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      const group = el("span");
      group.className = "ccgpt-cite";
      for (const citation of cited) group.appendChild(this.marker(citation));
      parent.appendChild(group);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  private marker(citation: Citation): HTMLElement {
    const label = this.options.citeLabel?.(citation) ?? `Source ${citation.number}`;
    const href = safeUrl(citation.url);
    let node: HTMLElement;
    if (href) {
      node = externalLink(href, `[${citation.number}]`);
    } else {
      const button = el("button", `[${citation.number}]`);
      button.type = "button";
      button.addEventListener("click", () => this.options.onCite?.(citation));
      node = button;
    }
    node.setAttribute("aria-label", label);
    node.title = label;
    return node;
  }
}

/** Renders an answer to a fragment of inert DOM nodes. */
export function renderMarkdown(text: string, options: RenderOptions = {}): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const tokens = Lexer.lex(text, { gfm: true, breaks: true });
  new Renderer(options).blocks(tokens, fragment);
  return fragment;
}

/** The sources list under an answer: "title — section", linked when the URL is safe. */
export function renderSources(citations: Citation[], heading: string): HTMLElement {
  const box = el("div");
  box.className = "ccgpt-sources";
  box.appendChild(el("p", heading)).className = "ccgpt-sources-title";
  const list = el("ol");
  for (const citation of citations) {
    const li = el("li");
    li.value = citation.number;
    li.dataset.number = String(citation.number);
    li.tabIndex = -1;
    const label = citation.section ? `${citation.title} — ${citation.section}` : citation.title;
    const href = safeUrl(citation.url);
    li.appendChild(href ? externalLink(href, label) : document.createTextNode(label));
    list.appendChild(li);
  }
  box.appendChild(list);
  return box;
}
