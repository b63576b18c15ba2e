// What the editor keeps per packet: catalogues a capture with the engine the index worker
// uses (compiled by `tsc -p test` into out/src) and prints the catalog's per-segment bytes,
// and what the whole catalog holds after a full GC, per packet. Runs in its own process so
// its RSS is its own.
//
//   node --expose-gc bench/catalog-bytes.cjs CAPTURE [--engine out/src]
const path = require('node:path');
const fs = require('node:fs');

const args = process.argv.slice(2);
const out = args.includes('--engine') ? path.resolve(args[args.indexOf('--engine') + 1]) : path.join(__dirname, '..', 'out', 'src');
const { LOCATION_BYTES, catalogCapture } = require(path.join(out, 'core', 'index', 'catalog.js'));
const { FileSource } = require(path.join(out, 'node', 'fileSource.js'));

const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--engine');
if (!file) {
  console.error('usage: node --expose-gc bench/catalog-bytes.cjs CAPTURE [--engine out/src]');
  process.exit(2);
}
const status = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const retained = () => {
  global.gc?.();
  const m = process.memoryUsage();
  // ArrayBuffers (the typed arrays of the catalog) are counted apart from the JS heap.
  return m.heapUsed + m.arrayBuffers;
};

const before = retained();
const rssBefore = status('VmRSS');
const t0 = process.hrtime.bigint();
const sources = [];
const open = () => {
  const s = FileSource.open(file);
  sources.push(s);
  return s;
};
const catalog = catalogCapture(open(), open);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const after = retained();
const packets = catalog.summary.frames;
console.log(
  JSON.stringify({
    seconds,
    packets,
    tcpSegments: catalog.locations.count,
    connections: catalog.conversations.length,
    locationBytes: catalog.locations.bytes,
    locationBytesPerPacket: catalog.locations.bytes / packets,
    locationBytesPerSegment: catalog.locations.bytes / catalog.locations.count,
    locationBytesPerSegmentInUse: LOCATION_BYTES,
    retainedBytes: after - before,
    retainedBytesPerPacket: (after - before) / packets,
    retainedBytesPerConnection: (after - before) / catalog.conversations.length,
    rssGrowthBytes: status('VmRSS') - rssBefore,
    peakRssBytes: status('VmHWM'),
  }),
);
for (const s of sources) s.close();
