// Growth within worker lives (issue 16): synthetic gunicorn workers recycled every ~300 requests.
import { describe, expect, it } from 'vitest';
import {
  decideLifetimes,
  groupLifetimes,
  type LifetimePoint,
  pooledTheilSen,
  recyclingFromArgv,
} from '../../electron/engine/verdict/lifetimes';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `workers` workers, each recycled after max ± jitter of its own requests, checkpoints every
 * `every` global requests; heap = base + perRequest × served + noise; start heap of each
 * life may differ (`lifeOffset`).
 */
function simulate(o: {
  total: number;
  every: number;
  perRequest: number;
  noise: number;
  max?: number;
  jitter?: number;
  workers?: number;
  lifeOffset?: (life: number) => number;
  seed?: number;
}): { points: LifetimePoint[]; alive: Set<number> } {
  const r = rng(o.seed ?? 1);
  const workers = o.workers ?? 2;
  const max = o.max ?? 300;
  const jitter = o.jitter ?? 50;
  let nextPid = 100;
  let lifeNo = 0;
  const w = Array.from({ length: workers }, () => ({
    pid: nextPid++,
    startedAt: lifeNo,
    life: lifeNo++,
    served: 0,
    limit: max + Math.floor(r() * jitter),
  }));
  const points: LifetimePoint[] = [];
  for (let req = 1; req <= o.total; req++) {
    const k = req % workers;
    w[k].served++;
    if (w[k].served >= w[k].limit) {
      w[k] = {
        pid: nextPid++,
        startedAt: lifeNo,
        life: lifeNo++,
        served: 0,
        limit: max + Math.floor(r() * jitter),
      };
    }
    if (req % o.every === 0) {
      for (const x of w) {
        if (x.served === 0) continue;
        const heap = 20e6 + (o.lifeOffset?.(x.life) ?? 0) + o.perRequest * x.served + (r() - 0.5) * o.noise;
        points.push({
          pid: x.pid,
          startedAt: x.startedAt,
          served: x.served,
          heapBytes: heap,
          rssBytes: 40e6 + heap,
          requests: req,
        });
      }
    }
  }
  return { points, alive: new Set(w.map((x) => x.pid)) };
}

describe('groupLifetimes', () => {
  it('one life per pid and start; a life whose pid is gone at the end was recycled', () => {
    const { points, alive } = simulate({ total: 2000, every: 50, perRequest: 0, noise: 0 });
    const lives = groupLifetimes(points, alive);
    expect(lives.length).toBeGreaterThan(5);
    expect(
      lives
        .filter((l) => !l.ended)
        .map((l) => l.pid)
        .sort(),
    ).toEqual([...alive].sort());
    for (const l of lives)
      for (let i = 1; i < l.points.length; i++)
        expect(l.points[i].served).toBeGreaterThan(l.points[i - 1].served);
  });

  it('a reused pid with a later start is another life, and the earlier one ended', () => {
    const p = (startedAt: number, served: number): LifetimePoint => ({
      pid: 7,
      startedAt,
      served,
      heapBytes: 1,
      requests: served,
    });
    const lives = groupLifetimes([p(1, 10), p(1, 20), p(5, 10)], new Set([7]));
    expect(lives.map((l) => [l.startedAt, l.ended])).toEqual([
      [1, true],
      [5, false],
    ]);
  });
});

describe('pooledTheilSen', () => {
  it('never pairs points across a restart: flat lives that each start higher have no slope', () => {
    // each new life starts 1 MB above the last: a fit across lives would read ~1600 B/request
    const { points, alive } = simulate({
      total: 6000,
      every: 40,
      perRequest: 0,
      noise: 2000,
      lifeOffset: (life) => life * 1e6,
    });
    const fit = pooledTheilSen(groupLifetimes(points, alive));
    expect(fit).not.toBeNull();
    expect(Math.abs(fit?.slope ?? 99)).toBeLessThan(5);
    expect(fit?.ci95[0]).toBeLessThanOrEqual(0);
    expect(fit?.ci95[1]).toBeGreaterThanOrEqual(0);
  });

  it('recovers the per-worker growth under noise, with the truth inside its interval', () => {
    const { points, alive } = simulate({ total: 6000, every: 40, perRequest: 400, noise: 60_000, seed: 3 });
    const fit = pooledTheilSen(groupLifetimes(points, alive));
    expect(fit?.slope).toBeGreaterThan(330);
    expect(fit?.slope).toBeLessThan(470);
    expect(fit?.ci95[0]).toBeLessThan(400);
    expect(fit?.ci95[1]).toBeGreaterThan(400);
  });

  it('lives with fewer points than asked are left out', () => {
    const { points, alive } = simulate({ total: 3000, every: 250, perRequest: 400, noise: 0 });
    expect(pooledTheilSen(groupLifetimes(points, alive), 4)).toBeNull();
  });
});

describe('decideLifetimes', () => {
  const recycling = recyclingFromArgv([
    '-w',
    '2',
    '--max-requests',
    '300',
    '--max-requests-jitter=50',
    'app:app',
  ]);

  it('reads --max-requests and its jitter from a command line', () => {
    expect(recycling).toEqual({ maxRequests: 300, jitter: 50 });
    expect(recyclingFromArgv(['-w', '2'])).toEqual({ maxRequests: null, jitter: null });
  });

  it('a leak that recycling hides: masked-by-recycling wording with its figures', () => {
    // the total heap falls or saw-tooths here; each life grows 389 B/request
    const { points, alive } = simulate({ total: 5000, every: 40, perRequest: 389, noise: 30_000, seed: 5 });
    const d = decideLifetimes({
      lifetimes: groupLifetimes(points, alive),
      recycling,
      suspect: 'AuditRecord',
    });
    expect(d?.verdict.kind).toBe('leak');
    expect(d?.verdict.reason).toMatch(
      /^LEAK masked by worker recycling: each worker grows ~\d+\.\d B\/request \(95% CI [\d.]+ … [\d.]+\) and is recycled every ~\d+ requests \(--max-requests 300 ± 50\), so RSS saw-tooths between [\d.]+ and [\d.]+ MB; without recycling it would grow \d+ MB per million requests/,
    );
    expect(d?.verdict.reason).toMatch(/AuditRecord/);
    expect(d?.summary.recycledEvery).toBeGreaterThan(250);
    expect(d?.summary.recycledEvery).toBeLessThan(350);
    expect(d?.verdict.bytesPerRequest).toBeGreaterThan(340);
    expect(d?.verdict.bytesPerRequest).toBeLessThan(440);
    // 389 B/request × 1e6 = 371 MiB
    expect(d?.verdict.reason).toMatch(/grow 3[67]\d MB per million/);
  });

  it('a clean app under the same recycling: no leak, with a narrow interval', () => {
    const { points, alive } = simulate({ total: 5000, every: 40, perRequest: 0, noise: 8_000, seed: 6 });
    const d = decideLifetimes({ lifetimes: groupLifetimes(points, alive), recycling });
    expect(d?.verdict.kind).toBe('no-leak');
    expect(d?.verdict.reason).toMatch(/^No leak within worker lives/);
    const [lo, hi] = d?.verdict.ci95 ?? [0, 0];
    expect(hi - lo).toBeLessThan(500);
    expect(lo).toBeLessThanOrEqual(0);
    expect(hi).toBeGreaterThanOrEqual(0);
  });

  it('lives too short for the checkpoints: inconclusive, says what to change', () => {
    const { points, alive } = simulate({ total: 5000, every: 250, perRequest: 389, noise: 0 });
    const d = decideLifetimes({ lifetimes: groupLifetimes(points, alive), recycling });
    expect(d?.verdict.kind).toBe('inconclusive');
    expect(d?.verdict.reason).toMatch(/lifetimes too short for 4 checkpoints/);
    expect(d?.verdict.reason).toMatch(/raise --requests or lower the checkpoint interval/i);
  });

  it('no worker was recycled: nothing to say (the usual verdict holds)', () => {
    const { points, alive } = simulate({ total: 500, every: 40, perRequest: 389, noise: 0, max: 10_000 });
    expect(decideLifetimes({ lifetimes: groupLifetimes(points, alive) })).toBeNull();
  });

  it('a heap that falls within lives is not called noise', () => {
    const { points, alive } = simulate({ total: 5000, every: 40, perRequest: -300, noise: 5_000 });
    const d = decideLifetimes({ lifetimes: groupLifetimes(points, alive) });
    expect(d?.verdict.ci95[1]).toBeLessThan(0);
    expect(d?.verdict.kind).toBe('inconclusive');
    expect(d?.verdict.reason).not.toMatch(/within noise/);
  });
});

describe('decideLifetimes: a fresh worker filling its caches', () => {
  it('growth early in each life that levels off is no leak, marked as a plateau', () => {
    // measured on the clean Flask route: ~50-140 blocks (64 B) over a worker's first ~100-150
    // requests, then flat; plus a point before the first request, taken while the app loaded
    const r = rng(8);
    const { points, alive } = simulate({ total: 5000, every: 40, perRequest: 0, noise: 500, seed: 8 });
    const shaped = points.map((p) => ({
      ...p,
      heapBytes: p.heapBytes + 60 * Math.min(p.served, 120) + (r() - 0.5) * 500,
    }));
    const booting = shaped.filter((p) => p.served < 40).map((p) => ({ ...p, served: 0, heapBytes: 5e6 }));
    const d = decideLifetimes({ lifetimes: groupLifetimes([...shaped, ...booting], alive) });
    expect(d?.verdict.kind, d?.verdict.reason).toBe('no-leak');
    expect(d?.verdict.plateau).toBe(true);
    expect(d?.verdict.reason).toMatch(/levelled off/);
  });
});

describe('decideLifetimes: a noisy later half beside a suspect that grows', () => {
  it('is not "levelled off" while its interval cannot rule out the suspect’s own rate', () => {
    // a Node worker: steep early growth (connections, compiling), then a leak of ~190 B/request
    // under noise of ±150 KB; the later half alone is too noisy to show it
    const r = rng(11);
    const { points, alive } = simulate({ total: 6000, every: 40, perRequest: 190, noise: 0, seed: 11 });
    const shaped = points.map((p) => ({
      ...p,
      heapBytes: p.heapBytes + 6000 * Math.min(p.served, 120) + (r() - 0.5) * 300_000,
    }));
    const lifetimes = groupLifetimes(shaped, alive);
    const without = decideLifetimes({ lifetimes });
    const withSuspect = decideLifetimes({ lifetimes, suspect: 'AuditRecord', suspectBytesPerRequest: 188 });
    expect(withSuspect?.verdict.plateau ?? false).toBe(false);
    expect(withSuspect?.verdict.kind, withSuspect?.verdict.reason).toBe('leak');
    // without the suspect the same data reads as a worker filling its caches
    expect(without?.verdict.kind).toBe('no-leak');
    expect(without?.verdict.plateau).toBe(true);
  });
});

describe('decideLifetimes: too little growth yet', () => {
  it('a leak-rate growth over too few requests is inconclusive and says how many more', () => {
    const { points, alive } = simulate({ total: 700, every: 20, perRequest: 360, noise: 2_000, seed: 9 });
    const d = decideLifetimes({ lifetimes: groupLifetimes(points, alive) });
    expect(d?.verdict.kind, d?.verdict.reason).toBe('inconclusive');
    expect(d?.verdict.ci95[0]).toBeGreaterThan(0);
    expect(d?.verdict.reason).toMatch(
      /Raise --requests \(at this rate, about \d+ requests measured within lives\)/,
    );
  });
});
