// Baseline: the npm pcap-parser reading a capture and counting packets and bytes, nothing more.
const pcapParser = require('pcap-parser');
const file = process.argv[2];
let packets = 0;
let bytes = 0;
const parser = pcapParser.parse(file);
parser.on('packet', (p) => {
  packets++;
  bytes += p.header.originalLength;
});
parser.on('end', () => console.log(JSON.stringify({ packets, bytes })));
parser.on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
