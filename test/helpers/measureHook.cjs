// Preloaded (node -r) into a command a test runs, so the test learns the command's own peak
// memory and time: written as JSON to $TCPX_MEASURE_FILE when the process exits.
const fs = require('node:fs');
const started = process.hrtime.bigint();
process.on('exit', () => {
  const file = process.env.TCPX_MEASURE_FILE;
  if (!file) return;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  fs.writeFileSync(file, JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});
