// Opens a capture the way the editor does: the extension's index worker (dist/indexWorker.js)
// indexes it and builds the connection table; exits when the table is ready. Timed from outside
// by bench/conversations.mjs (wall time, peak RSS).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/editor-open.mjs CAPTURE');
  process.exit(2);
}
const worker = new Worker(path.join(root, 'dist', 'indexWorker.js'));
worker.on('message', (m) => {
  if (m.type === 'indexed') {
    console.log(`${m.connections.length} connections in the table`);
    process.exit(0);
  }
  if (m.type === 'failed') {
    console.error(m.message);
    process.exit(1);
  }
});
worker.postMessage({ type: 'index', file: path.resolve(file), name: path.basename(file), lang: 'en' });
