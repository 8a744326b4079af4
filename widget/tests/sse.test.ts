import { describe, expect, it } from "vitest";
import { readSse, type SseEvent } from "../src/frame/sse";

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(stream(chunks))) events.push(event);
  return events;
}

describe("readSse", () => {
  it("parses events split across chunks", async () => {
    const events = await collect([
      "event: tok",
      'en\ndata: {"text":"Hel',
      'lo"}\n',
      "\n: comment\nevent: done\r\n",
      "data: {}\r\n\r\n",
    ]);
    expect(events).toEqual([
      { event: "token", data: '{"text":"Hello"}' },
      { event: "done", data: "{}" },
    ]);
  });

  it("joins data lines and defaults the event name", async () => {
    expect(await collect(["data: a\ndata: b\n\n"])).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("delivers a last event without the blank line", async () => {
    expect(await collect(["event: done\ndata: {}"])).toEqual([{ event: "done", data: "{}" }]);
  });
});
