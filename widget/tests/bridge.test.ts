import { describe, expect, it, vi } from "vitest";
import { Bridge } from "../src/frame/bridge";

function fakeWindow() {
  const listeners: ((event: MessageEvent) => void)[] = [];
  const parent = { postMessage: vi.fn() };
  const win = {
    parent,
    addEventListener: (_: string, fn: (event: MessageEvent) => void) => listeners.push(fn),
    removeEventListener: vi.fn(),
  };
  const deliver = (data: unknown, origin: string, source: unknown) => {
    for (const fn of listeners) fn({ data, origin, source } as MessageEvent);
  };
  return { win: win as unknown as Window, parent, deliver };
}

describe("frame bridge", () => {
  it("accepts only protocol messages from window.parent at parent_origin", () => {
    const { win, parent, deliver } = fakeWindow();
    const seen = vi.fn();
    new Bridge("https://shop.example", seen, win);
    deliver({ ccgpt: 1, type: "open" }, "https://evil.example", parent);
    deliver({ ccgpt: 1, type: "open" }, "https://shop.example", {});
    deliver({ type: "open" }, "https://shop.example", parent);
    deliver("open", "https://shop.example", parent);
    expect(seen).not.toHaveBeenCalled();
    deliver({ ccgpt: 1, type: "open" }, "https://shop.example", parent);
    expect(seen).toHaveBeenCalledWith({ ccgpt: 1, type: "open" });
  });

  it("posts to parent_origin, never '*'", () => {
    const { win, parent } = fakeWindow();
    new Bridge("https://shop.example", vi.fn(), win).post({ ccgpt: 1, type: "ready" });
    expect(parent.postMessage).toHaveBeenCalledWith(
      { ccgpt: 1, type: "ready" },
      "https://shop.example",
    );
  });
});
