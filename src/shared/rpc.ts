/**
 * Requests and answers over a message channel (a worker thread's port, a webview's
 * postMessage), after microsoft/vscode-hexeditor's MessageHandler: `sendRequest` returns a
 * promise of the answer, `registerHandler` answers a method. Plain TypeScript (no DOM, no
 * Node), so both ends of every channel use the same code.
 */

export interface RpcRequest {
  rpc: 'request';
  id: number;
  method: string;
  params: unknown;
}

export interface RpcResponse {
  rpc: 'response';
  id: number;
  result?: unknown;
  error?: string;
}

/** A message that wants no answer (progress, events). */
export interface RpcNotification {
  rpc: 'notify';
  method: string;
  params: unknown;
}

export type RpcMessage = RpcRequest | RpcResponse | RpcNotification;

export function isRpcMessage(m: unknown): m is RpcMessage {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as { rpc?: unknown; id?: unknown; method?: unknown };
  if (r.rpc === 'notify') return typeof r.method === 'string';
  if (!Number.isSafeInteger(r.id)) return false;
  return (r.rpc === 'request' && typeof r.method === 'string') || r.rpc === 'response';
}

type Handler = (params: unknown) => unknown;

export class MessageHandler {
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  /** `post` sends one message to the other end (with what it may transfer instead of copy). */
  constructor(private readonly post: (message: RpcMessage, transfer?: ArrayBuffer[]) => void) {}

  registerHandler(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  /** Tells the other end something; nothing comes back. */
  notify(method: string, params: unknown): void {
    this.post({ rpc: 'notify', method, params });
  }

  sendRequest<T>(method: string, params: unknown, transfer?: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ rpc: 'request', id, method, params }, transfer);
    });
  }

  /** Feeds one incoming message; false when it is not an RPC message (the caller handles it). */
  handleMessage(message: unknown): boolean {
    if (!isRpcMessage(message)) return false;
    if (message.rpc === 'notify') {
      try {
        void this.handlers.get(message.method)?.(message.params);
      } catch {
        // A notification has no one to answer to; its handler reports its own trouble.
      }
      return true;
    }
    if (message.rpc === 'response') {
      const p = this.pending.get(message.id);
      if (p) {
        this.pending.delete(message.id);
        if (message.error !== undefined) p.reject(new Error(message.error));
        else p.resolve(message.result);
      }
      return true;
    }
    const handler = this.handlers.get(message.method);
    const answer = (result: unknown, error?: string): void =>
      this.post(error === undefined ? { rpc: 'response', id: message.id, result } : { rpc: 'response', id: message.id, error });
    if (!handler) {
      answer(undefined, `no handler for ${message.method}`);
      return true;
    }
    try {
      Promise.resolve(handler(message.params)).then(
        (r) => answer(r),
        (e: unknown) => answer(undefined, e instanceof Error ? e.message : String(e)),
      );
    } catch (e) {
      answer(undefined, e instanceof Error ? e.message : String(e));
    }
    return true;
  }

  /** Fails every request still waiting (the other end went away). */
  rejectAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
