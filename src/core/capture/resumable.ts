import { ByteSource } from './source';
import { CaptureInfo, CaptureProblem, CaptureRecord, RecordReader } from './types';

/** A file reader that knows how many records it has counted (PcapReader, PcapngReader). */
interface CountingReader extends RecordReader {
  readonly framesRead: number;
}

function counts(r: RecordReader): r is CountingReader {
  return typeof (r as Partial<CountingReader>).framesRead === 'number';
}

/**
 * A file's reader that can be asked again after the file grew: a capture another program is
 * still writing (a running `tcpdump -w`, the editor's own live capture). The file's reader
 * parses as usual over a ByteSource whose size is raised as the file grows; this wrapper only
 * decides what its end means.
 *
 * A writer appends whole records, but a reader can look between two of its writes and see a
 * record's first bytes only. The file's reader calls that "cut short at the end of the file"
 * (a warning) and stops. While `patient`, that warning is taken back: the record is not
 * damaged, it is not all here yet, and `resume()` reads it again once more bytes came. When
 * not patient (the file is complete, or no longer watched) the warning stays, as for any file.
 * Damage (an error) ends reading for good either way.
 *
 * Reading never goes back: it goes on from the record where it stopped.
 */
export class ResumableReader implements RecordReader {
  /** A record cut short at the end is waited for instead of reported. */
  patient = false;
  /**
   * Where reading stands: 'reading' until the file's reader stops; then 'end' (it read every
   * byte there was), 'cut' (a record is cut short at the end: reported as a problem, or, while
   * patient, taken back and waited for) or 'damaged' (final).
   */
  state: 'reading' | 'end' | 'cut' | 'damaged' = 'reading';
  /** The cut-short warning of the record at the end, while it is in `problems`. */
  private cutProblem: CaptureProblem | null = null;

  constructor(private readonly inner: RecordReader) {}

  get info(): CaptureInfo {
    return this.inner.info;
  }

  /** The file reader's own list: a warning taken back is removed from it. */
  get problems(): CaptureProblem[] {
    return this.inner.problems;
  }

  get position(): number {
    return this.inner.position;
  }

  next(): CaptureRecord | null {
    if (this.state !== 'reading') return null;
    const before = this.inner.problems.length;
    const rec = this.inner.next();
    if (rec) return rec;
    const problems = this.inner.problems;
    const last = problems.length > before ? problems[problems.length - 1]! : null;
    if (!last) {
      this.state = 'end';
    } else if (last.severity === 'warning' && last.offset === this.inner.position && counts(this.inner)) {
      // The file's readers stop at the first byte of the record they could not read whole.
      this.state = 'cut';
      this.cutProblem = last;
      if (this.patient) this.takeBackCut();
    } else {
      this.state = 'damaged';
    }
    return null;
  }

  /**
   * The file may have grown (or patience changed): reading goes on from the record it stopped
   * at. Returns false when it cannot (damage, or a reader that cannot go back to a record).
   */
  resume(): boolean {
    if (this.state === 'reading') return true;
    if (this.state === 'damaged' || !counts(this.inner)) return false;
    // The record is read again: if it is still cut short, it is reported again (unless patient).
    this.takeBackCut();
    this.inner.seek(this.inner.position, this.inner.framesRead + 1);
    this.state = 'reading';
    return true;
  }

  seek(fileOffset: number, ordinal: number): void {
    this.inner.seek(fileOffset, ordinal);
    this.state = 'reading';
  }

  fork(source: ByteSource, pageSize?: number): RecordReader {
    return this.inner.fork(source, pageSize);
  }

  private takeBackCut(): void {
    const p = this.cutProblem;
    if (!p) return;
    this.cutProblem = null;
    const at = this.inner.problems.lastIndexOf(p);
    if (at >= 0) this.inner.problems.splice(at, 1);
  }
}
