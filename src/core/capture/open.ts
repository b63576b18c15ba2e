import { u32 } from './bytes';
import { PcapReader, isPcapMagic } from './pcap';
import { PCAPNG_SHB, PcapngReader, PcapngSection } from './pcapng';
import { ByteSource, PagedReader } from './source';
import { CaptureFormatError, RecordReader } from './types';

/**
 * Opens a capture by its content (never by its file name): classic pcap or pcapng.
 * Throws CaptureFormatError when the bytes are neither.
 */
export function openCapture(source: ByteSource, pageSize?: number): RecordReader {
  const pages = new PagedReader(source, pageSize);
  const head = pages.view(0, 4);
  if (!head) {
    throw new CaptureFormatError(`file is ${source.size} bytes: too short to be a capture`, 0);
  }
  const magic = u32(head, 0, false);
  if (isPcapMagic(magic)) return new PcapReader(pages, source.frameNumbers);
  if (magic === PCAPNG_SHB) return new PcapngReader(pages);
  throw new CaptureFormatError(
    `not a pcap or pcapng capture: unknown magic number 0x${magic.toString(16).padStart(8, '0')}`,
    0,
  );
}

/**
 * What a reader has learned that another reader of the same bytes needs to seek anywhere it
 * has been (pcapng sections and their interfaces; classic pcap needs nothing): plain data, so a
 * reader in one thread can pass it to a reader in another.
 */
export type ReaderKnowledge = { pcapngSections: readonly PcapngSection[] } | null;

export function readerKnowledge(reader: RecordReader): ReaderKnowledge {
  return reader instanceof PcapngReader ? { pcapngSections: reader.sectionsKnown } : null;
}

/** A reader of `source` that seeks to records another reader (whose `knowledge` this is) has passed. */
export function openKnowing(source: ByteSource, knowledge: ReaderKnowledge, pageSize?: number): RecordReader {
  const reader = openCapture(source, pageSize);
  if (knowledge && reader instanceof PcapngReader) reader.knowSections(knowledge.pcapngSections);
  return reader;
}
