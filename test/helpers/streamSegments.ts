import { CaptureCatalog } from '../../src/core/index/catalog';

/**
 * One connection's segments as a catalog reads them again: where each is, and every analysis
 * fact a view shows. Two catalogs that agree here show the same ladder.
 */
export function streamSegments(catalog: CaptureCatalog, stream: number): unknown[] {
  const out: unknown[] = [];
  catalog.readStream(stream, (rec, f, seg) => {
    out.push([rec.frame, rec.fileOffset, f.flags, seg.fromA, seg.relSeq, seg.relAck, seg.nextRelSeq, seg.analysed, seg.flags, seg.dupAckNum, seg.dupAckFrame, seg.ackedFrame, seg.ackRttSec, seg.ackRttNsec, seg.bytesInFlight]);
  });
  return out;
}
