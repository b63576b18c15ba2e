import { parentPort, workerData } from 'node:worker_threads';
import { FileSource } from '../node/fileSource';
import { countQuickTable } from '../core/index/quickTable';

/**
 * The quick count of a big capture, in a thread of its own beside the index worker's analysis
 * (each on a core): the index worker lists every connection from it seconds before the
 * analysis has read them all. It posts the table once, its columns transferred, and ends; the
 * index worker stops it when it no longer needs it.
 */

export interface QuickTableWorkerData {
  file: string;
}

if (parentPort) {
  const port = parentPort;
  const { file } = workerData as QuickTableWorkerData;
  let source: FileSource | null = null;
  try {
    source = FileSource.open(file);
    const quick = countQuickTable(source);
    const { message, transfer } = quick.toMessage();
    port.postMessage({ quick: message }, transfer);
  } catch (e) {
    // The analysis reports what is wrong with the file; the count only stays silent.
    port.postMessage({ error: (e as Error).message });
  } finally {
    source?.close();
  }
}
