import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/paths';

/**
 * The .vsix carries only what .vscodeignore lets through: a bundle esbuild makes and the
 * package leaves behind is a worker the extension cannot start once installed.
 */
describe('the packaged extension', () => {
  it('carries every Node bundle esbuild.js makes', () => {
    const build = fs.readFileSync(path.join(ROOT, 'esbuild.js'), 'utf8');
    const bundles = [...build.matchAll(/nodeBundle\('[^']+', '(dist\/[^']+\.js)'/g)].map((m) => m[1]!);
    assert.ok(bundles.length >= 4, `found ${bundles.join(', ')}`);
    const kept = new Set(
      fs
        .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('!'))
        .map((l) => l.slice(1).trim()),
    );
    for (const b of bundles) assert.ok(kept.has(b), `${b} is built but .vscodeignore leaves it out of the package`);
  });
});
