import { describe, expect, it } from 'vitest';
import { lastOutput } from '../../electron/engine/target/tail';

describe('the output shown when a target fails', () => {
  it('its last lines, blank ones left out', () => {
    expect(lastOutput(['a', '', 'b', 'c'], 2)).toEqual(['b', 'c']);
  });

  it('the cause above a supervisor traceback comes first, once', () => {
    const lines = [
      '[INFO] Booting worker with pid: 12',
      "ModuleNotFoundError: No module named 'orders'",
      '[INFO] Worker exiting (pid: 12)',
      'Traceback (most recent call last):',
      '  File "arbiter.py", line 209, in run',
      "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
    ];
    // the master's HaltServer says only that a worker failed: the worker's error comes first
    expect(lastOutput(lines, 3)).toEqual([lines[1], '…', ...lines.slice(-3)]);
    // an error line already in the tail: nothing is added
    expect(lastOutput(lines, 5)).toEqual(lines.slice(-5));
    expect(lastOutput(lines.slice(0, 5), 2)).toEqual([
      "ModuleNotFoundError: No module named 'orders'",
      '…',
      'Traceback (most recent call last):',
      '  File "arbiter.py", line 209, in run',
    ]);
  });
});
