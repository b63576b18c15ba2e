import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { FileSource } from '../node/fileSource';
import { ByteSource, MemorySource } from '../core/capture/source';
import { CaptureFormatError } from '../core/capture/types';
import { endpointText } from '../core/decode/address';
import { linkTypeName } from '../core/decode/linktypes';
import { Lang } from '../core/explain/glossary';
import { ConnectionExplanation, explainConnection } from '../core/explain/connection';
import { explanationMarkdown, ladderMermaid, ladderSvg } from '../core/explain/export';
import { classify, scenarioShort } from '../core/explain/scenario';
import { isPlaceholderSkip } from '../core/text/hover';
import { RebuiltText, rebuildCapture } from '../core/text/rebuild';
import { renderTcpdump } from '../core/text/render';
import { CaptureIndex, indexCapture } from '../core/index/captureIndex';
import { secondsBetween } from '../core/report';
import { Ladder, StreamFacts, buildLadder, streamFacts } from '../core/tcp/ladder';
import type { CaptureOverview, ConnectionRow } from '../shared/protocol';

/**
 * Indexes a capture off the extension host's main thread and answers ladder requests from the
 * index it keeps. One worker per open capture; terminating it cancels and frees everything.
 */
export type WorkerRequest =
  /** A capture file (read page by page), its bytes, or capture text to rebuild into one. */
  | { type: 'index'; file?: string; bytes?: Uint8Array; text?: string; name: string; lang: Lang }
  | { type: 'ladder'; id: number; stream: number; first: number; count: number; numbers: 'relative' | 'absolute' }
  | { type: 'export'; id: number; stream: number; format: ExportFormat; lang: Lang; numbers: 'relative' | 'absolute' };

/** tcpdump: the capture as tcpdump -nn text (stream -1: every connection). */
export type ExportFormat = 'markdown' | 'mermaid' | 'svg' | 'tcpdump';

export type WorkerReply =
  | { type: 'progress'; fraction: number }
  | { type: 'indexed'; overview: CaptureOverview; connections: ConnectionRow[] }
  | { type: 'failed'; message: string }
  | { type: 'ladder'; id: number; ladder?: Ladder; explanation?: ConnectionExplanation; error?: string }
  | { type: 'export'; id: number; text?: string; error?: string };

let index: CaptureIndex | null = null;
const facts = new Map<number, StreamFacts>();

function post(m: WorkerReply): void {
  parentPort!.postMessage(m);
}

function overviewOf(ix: CaptureIndex, name: string, text: RebuiltText | null): CaptureOverview {
  const s = ix.summary;
  const notes: string[] = [];
  if (text) notes.push(`read from ${text.format} text: ${text.parsed.packets.length} packet lines`, ...text.notes);
  for (const [why, n] of s.skipped) {
    if (text && isPlaceholderSkip(why)) continue;
    notes.push(`skipped ${n} packet${n === 1 ? '' : 's'}: ${why}`);
  }
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

function factsOf(ix: CaptureIndex, stream: number): StreamFacts {
  let f = facts.get(stream);
  if (!f) {
    f = streamFacts(ix, stream);
    facts.set(stream, f);
  }
  return f;
}

function rowsOf(ix: CaptureIndex, lang: Lang): ConnectionRow[] {
  return ix.summary.analyzer.conversations.map((c) => {
    // Not cached: a capture of 100k connections would keep every trace for nothing.
    // Only the scenario: the table needs nothing else of the explanation, and opening a big
    // capture classifies every connection.
    const x = classify(ix, c.stream);
    const words = scenarioShort(x, lang);
    const toServer = c.clientIsA ? c.flowAB : c.flowBA;
    const toClient = c.clientIsA ? c.flowBA : c.flowAB;
    const opened = x.opening === 'three-way-handshake' || x.opening === 'syn-retransmitted' || x.opening === 'simultaneous-open' || x.opening === 'tcp-fast-open';
    const closed = x.closing !== 'open-at-end' && x.closing !== 'reset' && x.closing !== 'rst-after-fin';
    const interest = (opened ? 2 : 0) + (closed ? 2 : x.closing === 'open-at-end' ? 0 : 1);
    return {
      stream: c.stream,
      client: endpointText(c.clientIsA ? c.a : c.b),
      server: endpointText(c.clientIsA ? c.b : c.a),
      opening: x.opening,
      closing: x.closing,
      activeCloser: x.activeCloser,
      synRetransmissions: x.synRetransmissions,
      opened: words.opened,
      ended: words.ended,
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
    const text = req.text !== undefined ? rebuildCapture(req.text) : null;
    const open = (): ByteSource => {
      if (text) return new MemorySource(text.pcap);
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
      if (text) index.rawNumbersKnown = !text.tcp.some((t) => t.synthetic);
      post({ type: 'indexed', overview: overviewOf(index, req.name || path.basename(req.file ?? ''), text), connections: rowsOf(index, req.lang) });
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
      const f = factsOf(index, req.stream);
      const ladder = buildLadder(index, { stream: req.stream, first: req.first, count: req.count, numbers: req.numbers }, f);
      // The first page brings the connection's explanation, for the summary above the ladder.
      const explanation = req.first === 0 ? explainConnection(index, req.stream, f) : undefined;
      post({ type: 'ladder', id: req.id, ladder, explanation });
    } catch (e) {
      post({ type: 'ladder', id: req.id, error: (e as Error).message });
    }
    return;
  }
  if (req.type === 'export') {
    try {
      if (!index) throw new Error('the capture is not indexed yet');
      if (req.format === 'tcpdump') {
        post({ type: 'export', id: req.id, text: renderTcpdump(index, req.stream >= 0 ? { stream: req.stream } : {}) });
        return;
      }
      const f = factsOf(index, req.stream);
      const ladder = buildLadder(index, { stream: req.stream, numbers: req.numbers }, f);
      const text =
        req.format === 'markdown'
          ? explanationMarkdown(explainConnection(index, req.stream, f), ladder, req.lang)
          : req.format === 'mermaid'
            ? ladderMermaid(ladder, req.lang)
            : ladderSvg(ladder, req.lang);
      post({ type: 'export', id: req.id, text });
    } catch (e) {
      post({ type: 'export', id: req.id, error: (e as Error).message });
    }
  }
});
