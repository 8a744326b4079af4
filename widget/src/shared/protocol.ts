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
  | { ccgpt: 1; type: "page"; url: string }
  | { ccgpt: 1; type: "open" }
  | { ccgpt: 1; type: "close" }
  | { ccgpt: 1; type: "new_conversation" };

export type FrameToPage =
  | { ccgpt: 1; type: "ready" }
  | { ccgpt: 1; type: "close" }
  | { ccgpt: 1; type: "unread"; count: number };

export type ProtocolMessage = { ccgpt: 1; type: string } & Record<string, unknown>;

export function isProtocolMessage(data: unknown): data is ProtocolMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { ccgpt?: unknown }).ccgpt === 1 &&
    typeof (data as { type?: unknown }).type === "string"
  );
}
