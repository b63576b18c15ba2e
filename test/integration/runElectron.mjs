// The same integration suite in desktop VS Code through @vscode/test-electron, for a developer
// machine with internet (it downloads VS Code). CI, offline, uses runInCodeServer.mjs instead.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [path.join(root, 'test', 'fixtures'), '--disable-extensions'],
  });
} catch (e) {
  console.error(`integration tests failed: ${e.message}`);
  process.exit(1);
}
