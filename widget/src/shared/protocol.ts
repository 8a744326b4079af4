// postMessage protocol, version 1 (docs/widget.md section 3). Every message is
// `{ccgpt: 1, type, ...}`; anything else is ignored by both sides.

export interface Identity {
  user_id: string;
  user_hash: string;
  email?: string;
  name?: string;
}

export type PageToFrame =
  | ({ ccgpt: 1; type: "identify" } & Identity)
  // visitor_token: the one the loader keeps in the page's own storage (see FrameToPage).
  | { ccgpt: 1; type: "page"; url: string; visitor_token?: string }
  | { ccgpt: 1; type: "open" }
  | { ccgpt: 1; type: "close" }
  | { ccgpt: 1; type: "new_conversation" };

export type FrameToPage =
  | { ccgpt: 1; type: "ready" }
  | { ccgpt: 1; type: "close" }
  | { ccgpt: 1; type: "unread"; count: number }
  // The visitor token to keep: browsers that block third-party storage deny the frame its
  // own localStorage, so the loader keeps the token first-party for the next page load.
  | { ccgpt: 1; type: "visitor"; token: string };

export type ProtocolMessage = { ccgpt: 1; type: string } & Record<string, unknown>;

export function isProtocolMessage(data: unknown): data is ProtocolMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { ccgpt?: unknown }).ccgpt === 1 &&
    typeof (data as { type?: unknown }).type === "string"
  );
}
