// A browser snapshot (Chromium's own format: DOM nodes, detachedness, locations) parsed
// and checked against DevTools' code on the same file.

// A browser snapshot (Chromium's own format: DOM nodes, detachedness, locations) parsed
// and checked against DevTools' code on the same file.
import fs, { createReadStream } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot, classSummary } from '../../electron/engine/heap/model';
import { parseSnapshot } from '../../electron/engine/heap/parse';
import { tmpDir } from '../fixtures/heap/helpers';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = tmpDir();
  file = path.join(dir, 'chrome.heapsnapshot');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    await page.setContent('<div id="root"><p>hello</p></div>');
    await page.evaluate(() => {
      class CartLine {
        constructor(
          public sku: number,
          public note: string,
        ) {}
      }
      const w = window as unknown as { lines: CartLine[]; detached: HTMLElement[] };
      w.lines = [];
      for (let i = 0; i < 500; i++) w.lines.push(new CartLine(i, `note ${i}`));
      w.detached = [];
      for (let i = 0; i < 20; i++) w.detached.push(document.createElement('span'));
    });
    const cdp = await page.context().newCDPSession(page);
    const out = fs.createWriteStream(file);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', (p: { chunk: string }) => {
      out.write(p.chunk);
    });
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await new Promise<void>((resolve) => out.end(resolve));
  } finally {
    await browser.close();
  }
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Chromium heap snapshots', () => {
  it('parses and matches DevTools retained sizes node for node', async () => {
    const a = analyzeSnapshot(await parseSnapshot(file));
    expect(a.snap.nodeCount).toBeGreaterThan(1000);
    const tk = await import('heap-snapshot-toolkit');
    const ts = (await tk.parse(createReadStream(file, 'utf-8'))) as { retainedSizes: Float64Array };
    let mismatch = 0;
    for (let i = 0; i < a.snap.nodeCount; i++) if (ts.retainedSizes[i] !== a.retained[i]) mismatch++;
    expect(mismatch).toBe(0);
    const rows = classSummary(a);
    expect(rows.find((r) => r.name === 'CartLine')?.count).toBe(500);
  }, 120_000);
});
