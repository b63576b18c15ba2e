import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ScanReply } from './scanWorker';

/** A worker that scans bytes with a deadline; it is replaced after a hang. */
export class ScanHarness {
  private worker: Worker | null = null;
  private nextId = 1;

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(path.join(__dirname, 'scanWorker.js'), {
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      this.worker.unref();
    }
    return this.worker;
  }

  /** Resolves with the reply, or with outcome 'hang' when the deadline passes first. */
  scan(bytes: Uint8Array, timeoutMs = 5000): Promise<ScanReply | { outcome: 'hang' }> {
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        w.removeListener('message', onMessage);
        void w.terminate();
        this.worker = null;
        resolve({ outcome: 'hang' });
      }, timeoutMs);
      const onMessage = (r: ScanReply): void => {
        if (r.id !== id) return;
        clearTimeout(timer);
        w.removeListener('message', onMessage);
        resolve(r);
      };
      w.on('message', onMessage);
      w.postMessage({ id, bytes });
    });
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.terminate();
    this.worker = null;
  }
}
