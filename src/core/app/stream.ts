import { CaptureCatalog } from '../index/catalog';
import { ConnectionApp, FrameApp, frameAppText } from './attribution';
import { Lang } from '../explain/glossary';
import { ConnectionAppSummary } from './summary';
import { AppMessage } from './types';

/** One connection's application messages, for a view that reads it again. */
export interface StreamApp {
  stream: number;
  /** Each direction's messages in stream order. */
  fromClient: AppMessage[];
  fromServer: AppMessage[];
  /** What each frame of the connection carried (frames that carried nothing are absent). */
  frames: Map<number, FrameApp>;
  /** The connection in one line ("HTTP GET / → 200"), or null. */
  summary: string | null;
}

/**
 * Reads one stream of a catalogued capture again (as Follow does) and finds its messages: the
 * same reassembly and trackers as the whole-file `packets` pass, so both name the same frames.
 */
export function streamApp(catalog: CaptureCatalog, stream: number): StreamApp {
  const conv = catalog.conversation(stream);
  if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
  const clientIsA = conv.clientIsA;
  const summary = new ConnectionAppSummary();
  const app = new ConnectionApp({ keepMessages: true, onSettled: (m) => summary.add(m) });
  catalog.readStream(stream, (rec, f, seg) => {
    // Only segments whose header Wireshark reads take part, as in Follow.
    if (!f.headerValid) return;
    const payloadStart = f.tcpOffset + f.tcpHeaderLen;
    if (f.data.length < payloadStart) return;
    const payload = f.data.subarray(payloadStart, Math.min(f.data.length, payloadStart + f.payloadLen));
    app.segment(rec.frame, seg.fromA === clientIsA, f.flags, seg.relSeq, seg.relAck, f.ack, payload, f.payloadLen);
  });
  app.finish();
  const frames = new Map<number, FrameApp>();
  for (const f of [...app.client.allFrames(), ...app.server.allFrames()]) frames.set(f.frame, f);
  return { stream, fromClient: app.client.messages, fromServer: app.server.messages, frames, summary: summary.text() };
}

/** What each frame of the connection carried, in a line in `lang` (exports and the step list). */
export function carriedLines(app: StreamApp, lang: Lang = 'en'): Map<number, string> {
  const out = new Map<number, string>();
  for (const [frame, f] of app.frames) {
    const line = frameAppText(f, lang, 'summary');
    if (line) out.set(frame, line);
  }
  return out;
}
