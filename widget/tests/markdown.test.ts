import { describe, expect, it } from "vitest";
import { renderMarkdown, renderSources, safeUrl, type Citation } from "../src/frame/markdown";

function render(text: string, citations: Citation[] = []): HTMLElement {
  const box = document.createElement("div");
  box.append(renderMarkdown(text, { citations }));
  return box;
}

const cite = (number: number, extra: Partial<Citation> = {}): Citation => ({
  number,
  title: `Doc ${number}`,
  section: "Intro",
  url: `https://help.example/${number}`,
  ...extra,
});

describe("safe Markdown", () => {
  it("renders paragraphs, emphasis, code and lists", () => {
    const box = render("Hello **bold** and *it* with `x<y`\n\n- one\n- two\n\n1. a\n2. b");
    expect(box.querySelector("strong")?.textContent).toBe("bold");
    expect(box.querySelector("em")?.textContent).toBe("it");
    expect(box.querySelector("code")?.textContent).toBe("x<y");
    expect(box.querySelectorAll("ul li")).toHaveLength(2);
    expect(box.querySelectorAll("ol li")).toHaveLength(2);
  });

  it("renders tables as tables", () => {
    const box = render("| Plan | Price |\n|---|--:|\n| Basic | 5 |\n| Pro | 9 |");
    expect(box.querySelectorAll("table th")).toHaveLength(2);
    expect(box.querySelectorAll("table tbody tr")).toHaveLength(2);
    expect(box.querySelector("td[data-align=right]")?.textContent).toBe("5");
  });

  it("shows raw HTML as inert text", () => {
    const box = render('Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> <b>b</b>');
    expect(box.querySelector("img, script, b")).toBeNull();
    expect(box.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(box.textContent).toContain("<script>alert(2)</script>");
  });

  it("shows an HTML block as text", () => {
    const box = render('<div onclick="x()">\n<iframe src="https://evil.example"></iframe>\n</div>');
    expect(box.querySelector("div, iframe")).toBeNull();
    expect(box.textContent).toContain("<iframe");
  });

  it("keeps only http, https and mailto links, opened safely", () => {
    const box = render(
      "[a](https://ok.example/x) [b](javascript:alert(1)) [c](data:text/html,<script>1</script>) " +
        "[d](mailto:help@ok.example) [e](JaVaScRiPt:alert(1)) [f](/relative) <javascript:alert(3)>",
    );
    const links = [...box.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://ok.example/x",
      "mailto:help@ok.example",
    ]);
    for (const a of links) {
      expect(a.target).toBe("_blank");
      expect(a.rel).toBe("noopener noreferrer nofollow");
    }
    expect(box.textContent).toContain("b");
    expect(box.querySelector("a[href^=javascript], a[href^=data]")).toBeNull();
  });

  it("never makes images", () => {
    const box = render("![alt text](https://x.example/a.png) ![x](javascript:alert(1))");
    expect(box.querySelector("img")).toBeNull();
    expect(box.textContent).toContain("alt text");
  });

  it("turns citation markers into links to the citation", () => {
    const box = render("Refunds take 5 days [1]. Also [1, 2].", [cite(1), cite(2)]);
    const markers = [...box.querySelectorAll(".ccgpt-cite a")];
    expect(markers.map((a) => a.textContent)).toEqual(["[1]", "[1]", "[2]"]);
    expect(markers[2]?.getAttribute("href")).toBe("https://help.example/2");
  });

  it("leaves unknown markers as text and makes unsafe citation URLs buttons", () => {
    const box = render("See [1] and [7].", [cite(1, { url: "javascript:alert(1)" })]);
    expect(box.querySelector(".ccgpt-cite a")).toBeNull();
    expect(box.querySelector(".ccgpt-cite button")?.textContent).toBe("[1]");
    expect(box.textContent).toContain("[7]");
  });

  it("decodes entities for text only", () => {
    const box = render("Tom &amp; Jerry &lt;b&gt;");
    expect(box.textContent).toBe("Tom & Jerry <b>");
    expect(box.querySelector("b")).toBeNull();
  });
});

describe("sources list", () => {
  it("renders titles with HTML as text and drops unsafe URLs", () => {
    const box = renderSources(
      [
        cite(1, { title: '<img src=x onerror="alert(1)">', section: "<script>x</script>" }),
        cite(2, { url: "data:text/html,hi" }),
      ],
      "Sources",
    );
    expect(box.querySelector("img, script")).toBeNull();
    expect(box.textContent).toContain('<img src=x onerror="alert(1)"> — <script>x</script>');
    const links = box.querySelectorAll("a");
    expect(links).toHaveLength(1);
    expect(links[0]?.getAttribute("href")).toBe("https://help.example/1");
  });

  it("citation markers carry a label with the title as text", () => {
    const box = document.createElement("div");
    box.append(
      renderMarkdown("x [1]", {
        citations: [cite(1, { title: "<b>T</b>" })],
        citeLabel: (c) => `Source ${c.number}: ${c.title}`,
      }),
    );
    expect(box.querySelector(".ccgpt-cite a")?.getAttribute("aria-label")).toBe(
      "Source 1: <b>T</b>",
    );
  });
});

describe("safeUrl", () => {
  it.each([
    ["https://a.example/", "https://a.example/"],
    ["http://a.example/x", "http://a.example/x"],
    ["mailto:a@b.example", "mailto:a@b.example"],
    ["javascript:alert(1)", null],
    [" javascript:alert(1)", null],
    ["data:text/html,x", null],
    ["vbscript:x", null],
    ["//evil.example", null],
    ["", null],
  ])("%s -> %s", (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });
});
