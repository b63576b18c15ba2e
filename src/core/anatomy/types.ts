/**
 * A frame's anatomy: its layers, each a tree of fields named as Wireshark names them, with
 * where each field's bytes are in the frame. Built by frameAnatomy() (anatomy.ts); an
 * application layer (HTTP, TLS) built elsewhere is appended to `layers` by the caller.
 */

/** The layers this room builds. An appended application layer brings its own name. */
export type LayerName =
  | 'eth'
  | 'vlan'
  | 'ieee8021ad'
  | 'sll'
  | 'sll2'
  | 'null'
  | 'raw'
  | 'ip'
  | 'ipv6'
  | 'ipv6.hopopts'
  | 'ipv6.routing'
  | 'ipv6.fraghdr'
  | 'ipv6.dstopts'
  | 'ipv6.ext'
  | 'ah'
  | 'tcp';

export interface AnatomyField {
  /**
   * Wireshark's field name (`ip.ttl`, `tcp.options.mss_val`), or '' for a line Wireshark shows
   * without a field of its own (the IPv4 options block, a malformed option): `label` says what.
   */
  name: string;
  /** A short title in the chosen language ("Time to Live", "生存时间 (TTL)"). */
  label: string;
  /** Where its bytes are in the frame. A bit-field has the byte(s) holding it, as Wireshark. */
  offset: number;
  length: number;
  /** The value as `tshark -T pdml` shows it ("64", "0x0002", "10.0.0.1", "02:04:05:b4"). */
  value: string;
  /** Its bytes in hex (long runs end in "…"). */
  raw: string;
  /** What the field is for, in plain words. */
  meaning: string;
  /** What this particular value means ("TCP", "Set", "SYN, ACK"), when there is something to say. */
  note?: string;
  /** For a bit-field: its bits within `length` bytes (big-endian), as Wireshark's ".1.. ...." shows. */
  mask?: number;
  children?: AnatomyField[];
}

export interface AnatomyLayer {
  /** Wireshark's protocol name (eth, ip, tcp...), or the name an appended layer brings. */
  name: string;
  /** Wireshark's title of the protocol ("Internet Protocol Version 4"). */
  title: string;
  offset: number;
  length: number;
  /** One or two sentences: what this layer adds and why. */
  about: string;
  fields: AnatomyField[];
}

export interface FrameAnatomy {
  frame: number;
  linkType: number;
  capLen: number;
  origLen: number;
  layers: AnatomyLayer[];
  /** Where the captured bytes stop when the snapshot length cut the packet; null when whole. */
  cutAt: number | null;
  /** True when the engine decodes the frame as a TCP segment. */
  isTcp: boolean;
  /** Why decoding stopped before TCP (not TCP, a fragment, damage), in the chosen language. */
  problem: string | null;
  /** The captured bytes (a copy: the record's own view is reused by the reader). */
  bytes: Uint8Array;
}

/** What frameAnatomy needs of a capture record (CaptureRecord has all of it). */
export interface AnatomyRecord {
  frame: number;
  linkType: number;
  data: Uint8Array;
  origLen: number;
}

/**
 * What one frame cannot say about itself, from the pass over its connection: with it the
 * anatomy shows relative numbers and the scaled window as Wireshark does (tcp.seq, tcp.seq_raw,
 * tcp.window_size); without it, sequence numbers are the raw ones.
 */
export interface TcpContext {
  relSeq: number;
  /** Null when the segment has no ACK flag. */
  relAck: number | null;
  /** tcp.window_size: the window after scaling. */
  window: number;
  /** tcp.window_size_scalefactor: the multiplier; -1 unknown, -2 no scaling; null on SYNs. */
  scaleFactor: number | null;
}
