// Server-Sent Events read from a fetch body (the fallback when the WebSocket cannot open):
// `event:` and `data:` lines, a blank line ends an event, `:` lines are comments.
export interface SseEvent {
  event: string;
  data: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (done && buffer) buffer += "\n"; // a last line without its end
      let index: number;
      while ((index = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, index);
        const sep = buffer.startsWith("\r\n", index) ? 2 : 1;
        // A lone "\r" at the end may be the first half of "\r\n": wait for more.
        if (!done && sep === 1 && buffer[index] === "\r" && index === buffer.length - 1) break;
        buffer = buffer.slice(index + sep);
        if (line === "") {
          if (data.length) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
      }
      if (done) break;
    }
    if (data.length) yield { event: event || "message", data: data.join("\n") };
  } finally {
    reader.releaseLock();
  }
}
