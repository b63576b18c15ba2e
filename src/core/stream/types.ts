/**
 * What one direction of a connection delivers once its segments are put back in sequence order:
 * each byte once (retransmitted and overlapping bytes count once, as in Wireshark's Follow TCP
 * Stream), holes where bytes were never captured, and the copies that brought nothing new.
 * Reassembly (src/core/stream/reassembly.ts) calls a sink; follow, application messages and
 * views each bring their own.
 */

/** Which endpoint sent the bytes: the connection's client (it sent the first SYN) or server. */
export type Side = 'client' | 'server';

/**
 * How a hole came to be known:
 * - `unseen`: the peer acknowledged bytes the capture never saw. Wireshark's Follow shows
 *   these as "[N bytes missing in capture file]".
 * - `cut`: the segment was on the capture but the snapshot length kept only its head. Wireshark's
 *   Follow moves past these bytes without a word.
 * - `overflow`: too many bytes waited behind the hole (ReassemblyOptions.maxBuffered), so the
 *   hole was given up on. Wireshark has no such bound.
 * - `end`: the capture ended with bytes waiting behind the hole and nobody acknowledged them
 *   (only when the reassembler is asked to flush them; Wireshark's Follow drops them).
 */
export type MissingCause = 'unseen' | 'cut' | 'overflow' | 'end';

export interface StreamBytesSink {
  /**
   * New bytes in sequence order. `seq` is the relative sequence number of `bytes[0]` in this
   * direction; `frame` the frame that first carried them. `bytes` is valid only during the call.
   */
  data(frame: number, seq: number, bytes: Uint8Array): void;
  /**
   * Bytes [seq, seq + len) that no captured segment carried; `frame` is the one that showed the
   * hole (a peer's acknowledgment, or the segment after it). `cause` says how it was found; a
   * sink that does not care may leave the parameter out.
   */
  missing(frame: number, seq: number, len: number, cause?: MissingCause): void;
  /** A segment (or part of one) whose bytes [seq, seq + len) were already delivered. */
  repeated?(frame: number, seq: number, len: number): void;
}
