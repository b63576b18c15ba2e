import { CaptureRecord } from '../core/capture/types';
import { DecodedFrame } from '../core/decode/frame';
import { controlsEscaped } from '../core/escape';
import { ConnectionExplanation, narrateConnection } from '../core/explain/connection';
import { Lang } from '../core/explain/glossary';
import { describeStep } from '../core/explain/steps';
import { PacketRecord, secondsBetween, segmentInfo } from '../core/report';
import { SegmentAnalysis } from '../core/tcp/analysis';
import { Ladder, LadderRow } from '../core/tcp/ladder';
import { SideState } from '../core/tcp/states';

/**
 * The text shapes the CLI prints in more than one command: a `packets` line (also `live`'s)
 * and a connection's story (`explain --stream N`, and `live` when a connection ends).
 * Every string from a capture is escaped here.
 */

/** One `packets` line: frame, time since the capture's first frame, stream, addresses, Info. */
export function packetLine(rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, packet: PacketRecord, t0Sec: number, t0Nsec: number): string {
  const peer = seg.inFlow1 ? seg.conversation.flow2 : seg.conversation.flow1;
  const t = secondsBetween(t0Sec, t0Nsec, rec.tsSec, rec.tsNsec).toFixed(6);
  const info = segmentInfo(f, seg, packet, peer.baseSeq);
  return `${String(rec.frame).padStart(6)} ${t.padStart(11)} ${String(packet.stream).padStart(4)} ${packet.src} → ${packet.dst} ${info}`;
}

/** A line that ends with what its segment carried, when it carried something. */
export function withCarried(line: string, carried: string): string {
  return carried ? `${line} · ${controlsEscaped(carried)}` : line;
}

/** A state as the story prints it: "LISTEN?" when the capture cannot show it. */
export function stateText(s: SideState): string {
  return s.inferred ? `${s.state}?` : s.state;
}

/** The note under a step: each side's state after it, and what it does. */
export function stepNoteLine(row: LadderRow, ladder: Pick<Ladder, 'server'>, lang: Lang, indent = '      '): string {
  return `${indent}${stateText(row.client)} / ${stateText(row.server)}: ${controlsEscaped(describeStep(row, lang, ladder.server.port).short)}`;
}

/**
 * A connection's story, as `explain` prints it: the title, how it opened and closed, the
 * details, and with a ladder every step with its time, what it carried and its note.
 */
export function storyLines(explanation: ConnectionExplanation, ladder: Ladder | null, carried: Map<number, string>, lang: Lang): string[] {
  const out: string[] = [];
  const n = narrateConnection(explanation, lang);
  out.push(controlsEscaped(n.title));
  for (const sentence of n.summary) out.push(`  ${controlsEscaped(sentence)}`);
  for (const d of n.details) out.push(`  - ${controlsEscaped(d)}`);
  if (!ladder) return out;
  out.push('');
  for (const r of ladder.rows) {
    const arrow = r.toServer ? 'C → S' : 'C ← S';
    // When: since the connection's first segment, and since the one before it.
    const delta = `${r.delta < 0 ? '-' : '+'}${Math.abs(r.delta).toFixed(6)}`;
    out.push(`  ${String(r.n + 1).padStart(3)} ${r.time.toFixed(6).padStart(11)} ${delta.padStart(10)}  ${arrow}  ${controlsEscaped(r.label)}${r.analysis.length ? ` [${r.analysis.join(', ')}]` : ''}`);
    const what = carried.get(r.frame);
    if (what) out.push(`      ${controlsEscaped(what)}`);
    out.push(stepNoteLine(r, ladder, lang));
  }
  return out;
}
