// The whole test suite, as `npm test` and CI run it: type-check and build, then every mocha
// suite, then one closing line "N passed, N failed" counted from the runners' own results.
// A run that executed no test fails.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const totals = { passed: 0, failed: 0, skipped: 0 };

function step(title, cmd, args) {
  console.log(`\n> ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    totals.failed++;
    console.error(`${title} failed (exit ${r.status})`);
    return false;
  }
  return true;
}

async function runMocha(title, files) {
  const mocha = new Mocha({ reporter: 'spec', timeout: 20000 });
  mocha.suite.timeout(20000);
  for (const f of files) mocha.addFile(path.resolve(f));
  console.log(`\n> ${title}`);
  await mocha.loadFilesAsync();
  return new Promise((resolve) => {
    const runner = mocha.run(() => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      totals.passed += s.passes;
      totals.failed += s.failures;
      totals.skipped += s.pending;
      resolve();
    });
  });
}

function finish() {
  const executed = totals.passed + totals.failed;
  const line = `${totals.passed} passed, ${totals.failed} failed` + (totals.skipped ? `, ${totals.skipped} skipped` : '');
  console.log(`\n${line}`);
  if (executed === 0) console.error('no test ran: that is a failure');
  process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
}

function testFiles(dir, suffix = '.test.js') {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
const built =
  step('type-check src/core (no vscode, node or DOM)', process.execPath, [tsc, '-p', 'src/core']) &&
  step('type-check src/cli', process.execPath, [tsc, '-p', 'src/cli']) &&
  step('type-check src/extension', process.execPath, [tsc, '-p', 'src/extension']) &&
  step('type-check src/webview (DOM only)', process.execPath, [tsc, '-p', 'src/webview']) &&
  step('compile tests', process.execPath, [tsc, '-p', 'test']) &&
  step('compile integration tests', process.execPath, [tsc, '-p', 'test/integration']) &&
  step('bundle', process.execPath, ['esbuild.js']);

if (built) {
  await runMocha('unit, parity and robustness tests', testFiles('out/test/unit'));
  // A real VS Code: code-server, offline (test/integration/install-vscode.sh; CI installs it).
  const { codeServerBinary } = await import('./integration/codeServer.mjs');
  if (codeServerBinary()) {
    console.log('\n> integration tests in a real VS Code extension host (code-server)');
    try {
      const { runIntegration } = await import('./integration/runInCodeServer.mjs');
      const r = await runIntegration();
      totals.passed += r.passes;
      totals.failed += r.failures;
      totals.skipped += r.pending;
    } catch (e) {
      console.error(`integration run failed: ${e.message}`);
      totals.failed++;
    }
    await runMocha('end-to-end UI tests (code-server + Chromium)', testFiles('test/e2e', '.e2e.mjs'));
  } else if (process.env.CI) {
    console.error('code-server is not installed: CI must run the integration and e2e tests (.ci/run installs it)');
    totals.failed++;
  } else {
    console.log('\nintegration and e2e tests not run: no code-server here (bash test/integration/install-vscode.sh installs it)');
  }
}
finish();
