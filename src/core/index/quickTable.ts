import { ReaderKnowledge, openCapture, readerKnowledge } from '../capture/open';
import { ByteSource } from '../capture/source';
import { CaptureProblem, RecordReader } from '../capture/types';
import { DecodedFrame, FrameKind, decodeFrame } from '../decode/frame';
import { ScanSummary, Scanner } from '../scan';
import { ConversationTable, TableColumns, columnBuffers } from '../tcp/conversationTable';

/**
 * Every connection of a capture listed by the quick count (the pass `tcp-explainer
 * conversations` makes, several times faster than the sequence analysis), with where each
 * connection's first and last segment are in the file. A big capture's editor lists every
 * connection from it while the analysis of every segment is still on its way, and reads a
 * connection the analysis has not finished from its segments between those two places.
 */
export class QuickTable {
  constructor(
    readonly table: ConversationTable,
    /** Per connection: file offset and ordinal of its first segment, file offset of its last. */
    readonly firstOffset: Float64Array<ArrayBuffer>,
    readonly firstOrdinal: Float64Array<ArrayBuffer>,
    readonly lastOffset: Float64Array<ArrayBuffer>,
    /** What the count's pass found of the whole capture (frames, times, what it skipped). */
    readonly summary: CountedSummary,
    /** What the count's reader learned of the file (pcapng sections): a reader of spans needs it. */
    readonly knowledge: ReaderKnowledge,
  ) {}

  /** The capture's first frame's time: connections' start times count from it. */
  get firstSec(): number {
    return this.summary.firstSec;
  }
  get firstNsec(): number {
    return this.summary.firstNsec;
  }

  get count(): number {
    return this.table.count;
  }

  /** The table as a message to another thread, and the buffers to transfer with it (this one is gone then). */
  toMessage(): { message: QuickTableMessage; transfer: ArrayBuffer[] } {
    const columns = this.table.readColumns();
    const n = columns.count;
    const message: QuickTableMessage = {
      columns,
      firstOffset: this.firstOffset.subarray(0, n),
      firstOrdinal: this.firstOrdinal.subarray(0, n),
      lastOffset: this.lastOffset.subarray(0, n),
      summary: {
        ...this.summary,
        linkTypes: [...this.summary.linkTypes],
        skipped: [...this.summary.skipped],
        damaged: [...this.summary.damaged],
      },
      knowledge: this.knowledge,
    };
    return { message, transfer: [...columnBuffers(columns), message.firstOffset.buffer, message.firstOrdinal.buffer, message.lastOffset.buffer] };
  }

  static fromMessage(m: QuickTableMessage): QuickTable {
    return new QuickTable(ConversationTable.ofColumns(m.columns), m.firstOffset, m.firstOrdinal, m.lastOffset, { ...m.summary, linkTypes: new Map(m.summary.linkTypes), skipped: new Map(m.summary.skipped), damaged: new Map(m.summary.damaged) }, m.knowledge);
  }

  /**
   * Where connection `stream`'s segments are (offsets and ordinals, file order), read with a
   * reader made by openKnowing(…, this.knowledge): the TCP
   * segments of its 4-tuple between its first and last segment. No other connection on that
   * 4-tuple has a segment there: a connection that reuses the ports takes every later segment
   * of the 4-tuple, so an earlier one's last segment comes before it, a later one's first after.
   */
  locate(reader: RecordReader, stream: number): { offsets: number[]; frames: number[] } {
    const offsets: number[] = [];
    const frames: number[] = [];
    if (!Number.isSafeInteger(stream) || stream < 0 || stream >= this.count) return { offsets, frames };
    const last = this.lastOffset[stream]!;
    const decoded = new DecodedFrame();
    reader.seek(this.firstOffset[stream]!, this.firstOrdinal[stream]!);
    for (;;) {
      const rec = reader.next();
      if (!rec || rec.fileOffset > last) break;
      if (decodeFrame(rec.linkType, rec.data, rec.origLen, decoded) === FrameKind.Tcp && this.table.sameEnds(stream, decoded)) {
        offsets.push(rec.fileOffset);
        frames.push(rec.ordinal);
      }
    }
    return { offsets, frames };
  }
}

/** A QuickTable in a message between threads (typed arrays, transferred). */
export interface QuickTableMessage {
  columns: TableColumns;
  firstOffset: Float64Array<ArrayBuffer>;
  firstOrdinal: Float64Array<ArrayBuffer>;
  lastOffset: Float64Array<ArrayBuffer>;
  summary: Omit<CountedSummary, 'linkTypes' | 'skipped' | 'damaged'> & {
    linkTypes: [number, number][];
    skipped: [string, number][];
    damaged: [string, number][];
  };
  knowledge: ReaderKnowledge;
}

/** What a pass finds of a whole capture, before any analysis: a ScanSummary's counts. */
export type CountedSummary = Pick<ScanSummary, 'frames' | 'tcpFrames' | 'firstSec' | 'firstNsec' | 'lastSec' | 'lastNsec' | 'linkTypes' | 'skipped' | 'damaged'> & {
  problems: CaptureProblem[];
};

/** Counts a capture into a QuickTable, in one pass. */
export function countQuickTable(source: ByteSource): QuickTable {
  let firstOffset = new Float64Array(4096);
  let firstOrdinal = new Float64Array(4096);
  let lastOffset = new Float64Array(4096);
  const table = new ConversationTable();
  const reader = openCapture(source);
  const scanner = new Scanner(reader, source.size, {
    table,
    onCounted(rec, stream) {
      if (stream >= lastOffset.length) {
        const n = Math.max(2 * lastOffset.length, stream + 1);
        firstOffset = grown(firstOffset, n);
        firstOrdinal = grown(firstOrdinal, n);
        lastOffset = grown(lastOffset, n);
      }
      // Streams are numbered as they begin: a stream's first segment is the first counted in it.
      if (stream === table.count - 1 && table.firstFrame[stream] === rec.frame) {
        firstOffset[stream] = rec.fileOffset;
        firstOrdinal[stream] = rec.ordinal;
      }
      lastOffset[stream] = rec.fileOffset;
    },
  });
  while (scanner.step(Infinity));
  const s = scanner.finish();
  const summary: CountedSummary = {
    frames: s.frames,
    tcpFrames: s.tcpFrames,
    firstSec: s.firstSec,
    firstNsec: s.firstNsec,
    lastSec: s.lastSec,
    lastNsec: s.lastNsec,
    linkTypes: s.linkTypes,
    skipped: s.skipped,
    damaged: s.damaged,
    problems: s.problems.slice(),
  };
  return new QuickTable(table, firstOffset, firstOrdinal, lastOffset, summary, readerKnowledge(reader));
}

function grown(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
