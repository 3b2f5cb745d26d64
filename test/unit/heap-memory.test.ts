// The up-front memory refusal of analyzeSnapshots (analyze.ts): what it asks for, and its message.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { analyzeSnapshots, pipelineMemory } from '../../electron/engine/heap/analyze';
import { estimateMemory } from '../../electron/engine/heap/parse';
import { handSnapshot, tmpDir, writeHand } from '../fixtures/heap/helpers';

const MB = 2 ** 20;
let dir: string;
beforeAll(() => {
  dir = tmpDir();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('memory needed by the analysis', () => {
  it('is one snapshot’s estimate for one file, and covers the measured peak for two', () => {
    expect(pipelineMemory([300 * MB])).toBe(estimateMemory(300 * MB));
    // measured (pipeline, two distinct snapshots of 281 and 293 MB): 660-706 MB peak
    const two = pipelineMemory([281 * MB, 293 * MB]);
    expect(two).toBeGreaterThanOrEqual(706 * MB);
    expect(two).toBeLessThan(2 * 700 * MB);
    // a third file adds no more than the second (measured: 674 MB for three)
    expect(pipelineMemory([281 * MB, 293 * MB, 281 * MB])).toBe(two);
  });

  it('refuses two files that fit one at a time but not together, naming both and the need', async () => {
    const text = handSnapshot([{ name: '' }, { name: 'A' }], [{ from: 0, to: 1, type: 'element', name: 1 }]);
    const a = writeHand(dir, 'first.heapsnapshot', text);
    const b = writeHand(dir, 'second.heapsnapshot', text);
    const one = estimateMemory(fs.statSync(a).size);
    const both = pipelineMemory([fs.statSync(a).size, fs.statSync(b).size]);
    const available = (one + both) / 2;
    // one of them alone is analysed within that memory
    await expect(analyzeSnapshots([a], { availableBytes: available, mode: 'inline' })).resolves.toBeTruthy();
    const e = await analyzeSnapshots([a, b], { availableBytes: available, mode: 'inline' }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(
      /^first\.heapsnapshot \+ second\.heapsnapshot needs about \d+ MB of memory to analyse but only \d+ MB is available; /,
    );
    expect(e.message).toContain(`about ${Math.ceil(both / MB)} MB`);
  });
});
