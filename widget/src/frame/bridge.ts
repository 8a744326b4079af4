// The frame's side of the postMessage protocol (section 3): posts only to parent_origin,
// accepts only messages from window.parent whose origin is parent_origin.
import { isProtocolMessage, type FrameToPage, type ProtocolMessage } from "../shared/protocol";

export class Bridge {
  private readonly listener: (event: MessageEvent) => void;

  constructor(
    private readonly parentOrigin: string,
    onMessage: (message: ProtocolMessage) => void,
    private readonly win: Window = window,
  ) {
    this.listener = (event: MessageEvent) => {
      if (event.origin !== this.parentOrigin || event.source !== this.win.parent) return;
      const data: unknown = event.data;
      if (isProtocolMessage(data)) onMessage(data);
    };
    win.addEventListener("message", this.listener);
  }

  post(message: FrameToPage): void {
    if (this.win.parent === this.win) return; // not framed (a test page): nobody to tell
    this.win.parent.postMessage(message, this.parentOrigin);
  }

  stop(): void {
    this.win.removeEventListener("message", this.listener);
  }
}
