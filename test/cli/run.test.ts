import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jsonLineBlocks } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/vpce-doctor.js`;

describe('jsonLineBlocks', () => {
  it('writes every item as one JSON line, in blocks of about the size asked', () => {
    const items = Array.from({ length: 50 }, (_, index) => ({ index, text: 'x'.repeat(index) }));
    const blocks = [...jsonLineBlocks(items, 200)];
    assert.ok(blocks.length > 5, `${blocks.length} blocks`);
    for (const block of blocks.slice(0, -1)) assert.ok(block.length >= 200 && block.endsWith('\n'));
    assert.equal(blocks.join(''), items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    assert.deepEqual([...jsonLineBlocks([])], []);
  });
});

describe('the CLI process and a reader that goes away', () => {
  for (const args of [
    ['report', '--snapshot', `${ROOT}examples/fleet-cross-account`, '--client-ip', '10.0.1.25', '--json'],
    ['endpoints', '--snapshot', `${ROOT}examples/fleet-cross-account`],
  ]) {
    it(
      `${args[0]}: stops quietly, exit 0, when stdout is closed before it writes (\`| head\`)`,
      { skip: existsSync(BIN.replace('bin/', 'dist/bin/')) ? false : 'npm run build first' },
      async () => {
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        // The reader is gone before the first write: that write meets EPIPE.
        child.stdout.destroy();
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        assert.equal(stderr, '', 'no stack trace');
        assert.equal(code, 0);
      },
    );
  }
});
