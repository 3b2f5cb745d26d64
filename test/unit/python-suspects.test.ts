// The Python three-point rule on hand-made captures: the cases the live tests cannot pin
// down exactly (restart timing, pid reuse, noise, plateaus).
import { describe, expect, it } from 'vitest';
import {
  comparePythonCaptures,
  pythonSuspects,
  pythonTypeDisplayName,
} from '../../electron/engine/python/suspects';
import type { PyCapture, PyCensus } from '../../electron/engine/python/types';

type Types = Record<string, [number, number]>;

function proc(
  pid: number,
  types: Types,
  opts: { startedAt?: number; ppid?: number; inspected?: PyCensus['inspected'] } = {},
): PyCensus {
  return {
    pid,
    ppid: opts.ppid ?? 1,
    startedAt: opts.startedAt ?? pid,
    objects: 0,
    trackedObjects: 0,
    untrackedObjects: 0,
    bytes: 0,
    allocatedBlocks: 0,
    bytesPerBlock: null,
    types,
    inspected: opts.inspected ?? [],
    walkMs: 1,
    wallMs: 1,
    cpuMs: 1,
    maxHoldMs: 1,
  };
}

function cap(label: string, atRequests: number, processes: PyCensus[]): PyCapture {
  return { label, t: atRequests, atRequests, processes, errors: [], deadPids: [] };
}

const base: Types = {
  'builtins:dict': [5000, 500_000],
  'builtins:str': [20_000, 1_000_000],
  'app:Widget': [10, 560],
};
const grow = (t: Types, key: string, n: number, size: number): Types => {
  const [c, b] = t[key] ?? [0, 0];
  return { ...t, [key]: [c + n, b + n * size] };
};

describe('pythonSuspects', () => {
  it('sums a steady leak over workers, per request, with per-process figures and the chain', () => {
    const path = ['app (module)', 'records (list)', '[7]', 'Record'];
    const s = pythonSuspects(
      [
        cap('baseline', 0, [proc(10, base), proc(11, base), proc(12, base)]),
        cap('middle', 1000, [
          proc(10, base),
          proc(11, grow(base, 'app:Record', 500, 56)),
          proc(12, grow(base, 'app:Record', 500, 56)),
        ]),
        cap('final', 2000, [
          proc(10, base),
          proc(11, grow(base, 'app:Record', 1000, 56), {
            inspected: [
              {
                type: 'app:Record',
                countDelta: 1000,
                path,
                sites: [{ file: '/a/app.py', line: 9, count: 200, bytes: 11200, sampled: 200 }],
              },
            ],
          }),
          proc(12, grow(base, 'app:Record', 1000, 56)),
        ]),
      ],
      2000,
    );
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      name: 'Record',
      countDelta: 2000,
      countPerRequest: 1,
      selfSizeDelta: 112_000,
    });
    // the agent's chain, written holder first
    expect(s[0].retainerPath).toEqual(['app', 'records', 'list[7]', 'Record']);
    expect(s[0].heldBy).toBe('app › records (list, +2000 entries)');
    expect(s[0].allocatedAt).toEqual([
      { functionName: '', url: '/a/app.py', line: 9, column: 0, bytes: 11200, count: 200 },
    ]);
    expect(s[0].perProcess).toEqual([
      { pid: 11, countDelta: 1000, sizeDelta: 56_000 },
      { pid: 12, countDelta: 1000, sizeDelta: 56_000 },
    ]);
  });

  it('puts builtins no chain reaches under the collection whose entries own them (untracked dicts)', () => {
    // a dict cache of {'path': str, 'ts': float}: gc finds no referrer of the str and float
    // (their dicts are untracked), the agent's owned walk says each entry owns one of each
    const grown = (n: number) =>
      grow(grow(grow(base, 'builtins:dict', n, 232), 'builtins:str', n, 60), 'builtins:float', n, 24);
    const inspected = [
      {
        type: 'builtins:dict',
        countDelta: 2000,
        path: ['app (module)', '_sessions (dict)', '[<str>]', 'dict'],
        sites: [],
        ownedBytes: 316,
        ownedSampled: 30,
        ownedTypes: { 'builtins:str': 1, 'builtins:float': 1 },
      },
      { type: 'builtins:str', countDelta: 2000, path: [], sites: [] },
      { type: 'builtins:float', countDelta: 2000, path: [], sites: [] },
    ];
    const captures = [
      cap('baseline', 0, [proc(11, base)]),
      cap('middle', 1000, [proc(11, grown(1000))]),
      cap('final', 2000, [proc(11, grown(2000), { inspected })]),
    ];
    const s = pythonSuspects(captures, 2000);
    expect(s.map((x) => x.name)).toEqual(['_sessions: dict +2000 entries']);
    expect(s[0].holds?.map((h) => h.name).sort()).toEqual(['dict', 'float', 'str']);
    expect(s[0].retainedSizeDelta).toBe(2000 * 316);
    // without the owned walk's types they stay suspects of their own (what grows is shown)
    const plain = inspected.map(({ ownedTypes: _t, ...i }) => i);
    const t = pythonSuspects(
      [captures[0], captures[1], cap('final', 2000, [proc(11, grown(2000), { inspected: plain })])],
      2000,
    );
    expect(t.map((x) => x.name)).toEqual(['_sessions: dict +2000 entries', 'str', 'float']);
  });

  it('drops a type that grows then plateaus, even when one worker filled later than the other', () => {
    const s = pythonSuspects(
      [
        cap('baseline', 0, [proc(11, base), proc(12, base)]),
        cap('middle', 600, [
          proc(11, grow(base, 'builtins:dict', 300, 232)),
          proc(12, grow(base, 'builtins:dict', 150, 232)),
        ]),
        cap('final', 1200, [
          proc(11, grow(base, 'builtins:dict', 300, 232)),
          proc(12, grow(base, 'builtins:dict', 300, 232)),
        ]),
      ],
      1200,
    );
    expect(s).toEqual([]);
  });

  it('ignores small noise below the threshold', () => {
    const s = pythonSuspects(
      [
        cap('baseline', 0, [proc(11, base)]),
        cap('middle', 3000, [proc(11, grow(base, 'builtins:str', 15, 50))]),
        cap('final', 6000, [proc(11, grow(base, 'builtins:str', 30, 50))]),
      ],
      6000,
    );
    expect(s).toEqual([]);
  });

  it('never compares a restarted worker with its replacement (max-requests): no fake or negative growth', () => {
    const leaky = grow(base, 'app:Record', 900, 56);
    const cmp = comparePythonCaptures(
      [
        // worker 11 had leaked 900 objects; it restarts as 13 before the middle capture
        cap('baseline', 0, [proc(10, base), proc(11, leaky), proc(12, base)]),
        cap('middle', 1000, [
          proc(10, base),
          proc(13, grow(base, 'builtins:dict', 400, 232)),
          proc(12, base),
        ]),
        // 12 restarts as 14 before the final one; 13's fresh copy warmed up its dicts before
        cap('final', 2000, [
          proc(10, base),
          proc(13, grow(base, 'builtins:dict', 400, 232)),
          proc(14, leaky),
        ]),
      ],
      2000,
    );
    expect(cmp.suspects).toEqual([]);
    expect(cmp.comparedPids).toEqual([
      [10, 12],
      [10, 13],
    ]);
    expect(cmp.unmatchedPids).toEqual([11, 12, 13, 14]);
  });

  it('treats a reused pid with a new start time as a new process', () => {
    const cmp = comparePythonCaptures(
      [
        cap('baseline', 0, [proc(11, base, { startedAt: 100 })]),
        cap('middle', 1000, [proc(11, grow(base, 'app:Record', 1000, 56), { startedAt: 200 })]),
        cap('final', 2000, [proc(11, grow(base, 'app:Record', 2000, 56), { startedAt: 200 })]),
      ],
      2000,
    );
    expect(cmp.suspects).toEqual([]);
    expect(cmp.comparedPids[0]).toEqual([]);
    expect(cmp.warnings.join(' ')).toMatch(/restarting/);
  });

  it("puts the app's own classes before the builtins that grow with them", () => {
    let t1 = base;
    let t2 = base;
    for (const [k, size] of [
      ['builtins:str', 60],
      ['builtins:dict', 232],
      ['app:Record', 56],
    ] as const) {
      t1 = grow(t1, k, 1000, size);
      t2 = grow(t2, k, 2000, size);
    }
    const s = pythonSuspects(
      [
        cap('baseline', 0, [proc(11, base)]),
        cap('middle', 1000, [proc(11, t1)]),
        cap('final', 2000, [proc(11, t2)]),
      ],
      2000,
    );
    expect(s.map((x) => x.name)).toEqual(['Record', 'dict', 'str']);
  });

  it("puts the classes of Python and installed packages after the app's, by the modules the agent names", () => {
    // uvicorn's per-connection deques grew more than the app's Event in a run under load
    let t1 = base;
    let t2 = base;
    for (const [k, size] of [
      ['collections:deque', 640],
      ['app:Event', 56],
    ] as const) {
      t1 = grow(t1, k, 1000, size);
      t2 = grow(t2, k, 2000, size);
    }
    const withLib = (t: Types) => ({ ...proc(11, t), libraryModules: ['collections'] });
    const captures = [
      cap('baseline', 0, [withLib(base)]),
      cap('middle', 1000, [withLib(t1)]),
      cap('final', 2000, [withLib(t2)]),
    ];
    expect(pythonSuspects(captures, 2000).map((x) => x.name)).toEqual(['Event', 'deque']);
    // captures from an older agent, without the list: bytes decide, as before
    const bare = captures.map((c) => ({
      ...c,
      processes: c.processes.map(({ libraryModules: _l, ...p }) => p),
    }));
    expect(pythonSuspects(bare, 2000).map((x) => x.name)).toEqual(['deque', 'Event']);
  });

  it("takes the lower interval's rate, so one worker's first-request set-up does not inflate it", () => {
    // worker 12 got none of the warm-up: its first requests built 120 dicts of caches once
    const cmp = comparePythonCaptures(
      [
        cap('baseline', 0, [proc(11, base), proc(12, base)]),
        cap('middle', 800, [
          proc(11, grow(base, 'builtins:dict', 400, 232)),
          proc(12, grow(base, 'builtins:dict', 520, 232)),
        ]),
        cap('final', 1600, [
          proc(11, grow(base, 'builtins:dict', 800, 232)),
          proc(12, grow(base, 'builtins:dict', 920, 232)),
        ]),
      ],
      1600,
    );
    expect(cmp.suspects[0].countDelta).toBe(1720);
    expect(cmp.suspects[0].countPerRequest).toBeCloseTo(1, 5);
  });

  it('keeps a leak whose first interval a cold worker inflated, as every worker still grows (CI data)', () => {
    // measured on CI: worker 12 got none of the warm-up; dicts grew 194 + 635, then 159 + 241
    const at = (n11: number, n12: number) => [
      proc(10, grow(base, 'builtins:dict', n11 > 0 ? 1 : 0, 232)),
      proc(11, grow(base, 'builtins:dict', n11, 232)),
      proc(12, grow(base, 'builtins:dict', n12, 232)),
    ];
    const cmp = comparePythonCaptures(
      [cap('baseline', 0, at(0, 0)), cap('middle', 400, at(194, 635)), cap('final', 800, at(353, 876))],
      800,
    );
    const dict = cmp.suspects.find((x) => x.name === 'dict');
    expect(dict?.countPerRequest).toBeCloseTo(1, 5);
    // the same numbers in one process are a slowing fill, not a steady leak
    const one = comparePythonCaptures(
      [
        cap('baseline', 0, [proc(11, base)]),
        cap('middle', 400, [proc(11, grow(base, 'builtins:dict', 830, 232))]),
        cap('final', 800, [proc(11, grow(base, 'builtins:dict', 1230, 232))]),
      ],
      800,
    );
    expect(one.suspects).toEqual([]);
  });

  it('splits requests by time when the captures carry no request counts', () => {
    const c = (label: string, t: number, types: Types): PyCapture => ({
      label,
      t,
      processes: [proc(11, types)],
      errors: [],
      deadPids: [],
    });
    const s = pythonSuspects(
      [
        c('baseline', 0, base),
        c('middle', 10, grow(base, 'app:Record', 300, 56)),
        c('final', 40, grow(base, 'app:Record', 1200, 56)),
      ],
      1200,
    );
    expect(s[0].countPerRequest).toBeCloseTo(1, 5);
  });

  it('with two captures, reports growth but warns that a plateau cannot be ruled out', () => {
    const cmp = comparePythonCaptures(
      [
        cap('baseline', 0, [proc(11, base)]),
        cap('final', 1000, [proc(11, grow(base, 'app:Record', 500, 56))]),
      ],
      1000,
    );
    expect(cmp.suspects.map((x) => x.countPerRequest)).toEqual([0.5]);
    expect(cmp.warnings.join(' ')).toMatch(/plateau/);
  });
});

describe('pythonTypeDisplayName', () => {
  it('qualifies only where two modules share a class name', () => {
    const keys = ['builtins:dict', 'app:Event', 'asyncio.locks:Event', 'app:Record', 'pkg.mod:Outer.Inner'];
    expect(pythonTypeDisplayName('builtins:dict', keys)).toBe('dict');
    expect(pythonTypeDisplayName('app:Event', keys)).toBe('app.Event');
    expect(pythonTypeDisplayName('app:Record', keys)).toBe('Record');
    expect(pythonTypeDisplayName('pkg.mod:Outer.Inner', keys)).toBe('Outer.Inner');
  });
});
