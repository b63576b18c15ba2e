import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { FileSource } from '../node/fileSource';
import { ByteSource, MemorySource } from '../core/capture/source';
import { CaptureFormatError } from '../core/capture/types';
import { linkTypeName } from '../core/decode/linktypes';
import { Lang } from '../core/explain/glossary';
import { endingText, openingText, summarize } from '../core/explain/summary';
import { CaptureIndex, indexCapture } from '../core/index/captureIndex';
import { secondsBetween } from '../core/report';
import { StreamFacts, buildLadder, streamFacts } from '../core/tcp/ladder';
import type { CaptureOverview, ConnectionRow } from '../shared/protocol';

/**
 * Indexes a capture off the extension host's main thread and answers ladder requests from the
 * index it keeps. One worker per open capture; terminating it cancels and frees everything.
 */
export type WorkerRequest =
  | { type: 'index'; file?: string; bytes?: Uint8Array; name: string; lang: Lang }
  | { type: 'ladder'; id: number; stream: number; first: number; count: number; numbers: 'relative' | 'absolute' };

export type WorkerReply =
  | { type: 'progress'; fraction: number }
  | { type: 'indexed'; overview: CaptureOverview; connections: ConnectionRow[] }
  | { type: 'failed'; message: string }
  | { type: 'ladder'; id: number; ladder?: import('../core/tcp/ladder').Ladder; error?: string };

let index: CaptureIndex | null = null;
const facts = new Map<number, StreamFacts>();

function post(m: WorkerReply): void {
  parentPort!.postMessage(m);
}

function overviewOf(ix: CaptureIndex, name: string): CaptureOverview {
  const s = ix.summary;
  const notes: string[] = [];
  for (const [why, n] of s.skipped) notes.push(`skipped ${n} packet${n === 1 ? '' : 's'}: ${why}`);
  for (const [why, n] of s.damaged) notes.push(`damaged ${n} packet${n === 1 ? '' : 's'}: ${why}`);
  for (const p of s.problems) notes.push(`${p.severity} at offset ${p.offset}${p.frame ? ` (packet ${p.frame})` : ''}: ${p.message}`);
  return {
    fileName: name,
    format: `${s.info.format} ${s.info.version}`.trim(),
    linkTypes: [...s.linkTypes.keys()].filter((l) => l >= 0).map(linkTypeName),
    packets: s.frames,
    tcpPackets: s.tcpFrames,
    span: s.frames ? secondsBetween(s.firstSec, s.firstNsec, s.lastSec, s.lastNsec) : 0,
    notes,
  };
}

function rowsOf(ix: CaptureIndex, lang: Lang): ConnectionRow[] {
  return ix.summary.analyzer.conversations.map((c) => {
    const sum = summarize(c);
    const toServer = c.clientIsA ? c.flowAB : c.flowBA;
    const toClient = c.clientIsA ? c.flowBA : c.flowAB;
    const ep = (e: { address: string; port: number }): string => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);
    const interest = (sum.opening === 'handshake' ? 2 : 0) + (sum.ending === 'closed' ? 2 : sum.ending === 'reset' ? 1 : 0);
    return {
      stream: c.stream,
      client: ep(c.clientIsA ? c.a : c.b),
      server: ep(c.clientIsA ? c.b : c.a),
      opened: openingText(sum, lang),
      ended: endingText(sum, lang),
      packets: toServer.packets + toClient.packets,
      bytesToServer: toServer.bytes,
      bytesToClient: toClient.bytes,
      duration: secondsBetween(c.firstSec, c.firstNsec, c.lastSec, c.lastNsec),
      irtt: c.firstRttNs ? c.firstRttNs / 1e9 : null,
      retransmissions: toServer.retransmissions + toClient.retransmissions,
      resets: toServer.rstCount + toClient.rstCount,
      zeroWindows: toServer.zeroWindows + toClient.zeroWindows,
      interest,
    };
  });
}

parentPort?.on('message', (req: WorkerRequest) => {
  if (req.type === 'index') {
    const sources: FileSource[] = [];
    const open = (): ByteSource => {
      if (req.bytes) return new MemorySource(req.bytes);
      const s = FileSource.open(req.file!);
      sources.push(s);
      return s;
    };
    try {
      let last = 0;
      index = indexCapture(open, (fraction) => {
        if (fraction - last >= 0.01) {
          last = fraction;
          post({ type: 'progress', fraction });
        }
      });
      post({ type: 'indexed', overview: overviewOf(index, req.name || path.basename(req.file ?? '')), connections: rowsOf(index, req.lang) });
    } catch (e) {
      const where = e instanceof CaptureFormatError ? ` (offset ${e.offset})` : '';
      post({ type: 'failed', message: `${(e as Error).message}${where}` });
    } finally {
      for (const s of sources) s.close();
    }
    return;
  }
  if (req.type === 'ladder') {
    try {
      if (!index) throw new Error('the capture is not indexed yet');
      let f = facts.get(req.stream);
      if (!f) {
        f = streamFacts(index, req.stream);
        facts.set(req.stream, f);
      }
      const ladder = buildLadder(index, { stream: req.stream, first: req.first, count: req.count, numbers: req.numbers }, f);
      post({ type: 'ladder', id: req.id, ladder });
    } catch (e) {
      post({ type: 'ladder', id: req.id, error: (e as Error).message });
    }
  }
});
