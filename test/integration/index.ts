import * as path from 'node:path';
import * as fs from 'node:fs';

/**
 * Entry point of the integration suite inside a real VS Code extension host, the same for
 * @vscode/test-electron (desktop, with internet) and code-server (CI, offline). Prints one
 * "TCPX-RESULTS {json}" line so a harness can count what ran.
 */
export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Mocha } = require('mocha') as { Mocha: new (o: object) => MochaLike };
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  const dir = __dirname;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.itest.js'))) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures: number) => {
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      console.log(`TCPX-RESULTS ${JSON.stringify({ passes: s.passes, failures: s.failures, pending: s.pending })}`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}

interface MochaLike {
  addFile(f: string): void;
  run(cb: (failures: number) => void): { stats?: { passes: number; failures: number; pending: number } };
}
