import { parentPort } from 'node:worker_threads';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { scanPacketRecords } from '../../src/core/scan';

/**
 * Runs the whole engine (both passes) on bytes sent by a test, in a worker thread, so that a
 * hang is caught by a timeout and the test can name the input that caused it.
 */
export interface ScanRequest {
  id: number;
  bytes: Uint8Array;
}
export interface ScanReply {
  id: number;
  outcome: 'ok' | 'format-error' | 'crash';
  frames: number;
  segments: number;
  conversations: number;
  problems: Array<{ severity: string; offset: number; frame?: number; message: string }>;
  error?: string;
}

parentPort?.on('message', (req: ScanRequest) => {
  let segments = 0;
  try {
    const summary = scanPacketRecords(
      () => new MemorySource(req.bytes),
      () => {
        segments++;
      },
    );
    const reply: ScanReply = {
      id: req.id,
      outcome: 'ok',
      frames: summary.frames,
      segments,
      conversations: summary.analyzer.conversations.length,
      problems: summary.problems.map((p) => ({ ...p })),
    };
    parentPort!.postMessage(reply);
  } catch (e) {
    const reply: ScanReply = {
      id: req.id,
      outcome: e instanceof CaptureFormatError ? 'format-error' : 'crash',
      frames: 0,
      segments,
      conversations: 0,
      problems: [],
      error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e),
    };
    parentPort!.postMessage(reply);
  }
});
