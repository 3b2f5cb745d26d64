// Heap analysis benchmark: parse + dominators + retained sizes + class summary of
// generated snapshots (~50 MB, ~300 MB, and ≥ 1 GB with --large), leakhound beside
// heap-snapshot-toolkit (DevTools' parser) and memlab when installed, on the same files,
// each in its own child process so peak RSS (VmHWM) is that analysis alone.
//   node --import tsx test/bench/heap.bench.ts [--large] [--three] [--huge] [--only 50,300] [--tools leakhound]
// --three: the three-snapshot pipeline over the largest file given thrice. --huge: leakhound
// alone on a ~3 GB snapshot made of three copies of the 1 GB one (heap-synth.ts).
// Figures, not assertions. Goals (issue 3): 50 MB ≤ 0.8 s, 300 MB ≤ 4 s, 1 GB ≤ 12 s at
// ≤ 1.5× the file size in memory.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analysisProcessEnv } from '../../electron/engine/heap/analyze';
import { synthesize } from './heap-synth';

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH_DIR = path.join(ROOT, '.bench', 'heap');
const GEN = path.join(ROOT, 'test', 'fixtures', 'heap', 'write-snapshots.js');
// objects per MB of snapshot for the 'big' scenario, measured: 300k objects ≈ 85 MB
const OBJECTS_PER_MB = 300_000 / 85;

interface Figures {
  ms: number;
  /** RSS of the child before the analysis started (Node, tsx, the parser's code) */
  baseRss?: number;
  cpuMs: number;
  peakRss: number;
  nodes?: number;
  note?: string;
  /** leakhound: wall ms per step, in order */
  phases?: Array<[string, number]>;
}

function vmHwm(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
  } catch {
    return process.memoryUsage().rss;
  }
}

async function child(kind: string, file: string): Promise<void> {
  // load code first: only the analysis itself is timed (source through tsx: dist may be stale)
  const parse = kind === 'leakhound' ? require('../../electron/engine/heap/parse') : null;
  const model = kind === 'leakhound' ? require('../../electron/engine/heap/model') : null;
  const tk = kind === 'toolkit' ? await import('heap-snapshot-toolkit') : null;
  const memlab = kind === 'memlab' ? require('@memlab/core') : null;
  const baseRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let nodes = 0;
  const phases: Array<[string, number]> = [];
  if (parse && model) {
    let lap = performance.now();
    let step = 'parse';
    const mark = (next: string) => {
      const now = performance.now();
      phases.push([step, now - lap]);
      lap = now;
      step = next;
    };
    const snap = await parse.parseSnapshot(file);
    const a = model.analyzeSnapshot(snap, (next: string) => mark(next));
    model.classSummary(a);
    mark('');
    nodes = snap.nodeCount;
  } else if (tk) {
    const s = (await tk.parse(fs.createReadStream(file, 'utf-8'))) as {
      nodeCount: number;
      aggregatesWithFilter: (f: object) => unknown;
    };
    s.aggregatesWithFilter({});
    nodes = s.nodeCount;
  } else if (kind === 'three') {
    // what the analysis process runs (three parses and analyses, suspects, diff), here in
    // this process (started with the analysis process's environment) so VmHWM is its peak
    const { runPipeline } = require('../../electron/engine/heap/pipeline');
    const files = file.split(',');
    await runPipeline(files.length === 3 ? files : [file, file, file], { cache: false, requestsBetween: 1 });
  } else if (memlab) {
    // what @memlab/heap-analysis' getFullHeapFromFile does: parse, then paths, dominators
    // and retained sizes (preparePathFinder)
    const heap = await memlab.utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
    memlab.analysis.preparePathFinder(heap);
    nodes = heap.nodes.length;
  }
  const cu = process.cpuUsage(c0);
  const out: Figures = {
    ms: performance.now() - t0,
    cpuMs: (cu.user + cu.system) / 1000,
    peakRss: vmHwm(),
    baseRss,
    nodes,
    ...(phases.length ? { phases: phases.filter(([, ms]) => ms >= 1) } : {}),
  };
  process.stdout.write(`\n@@${JSON.stringify(out)}\n`);
}

function measure(kind: string, file: string, maxOldMb: number): Figures {
  const args = ['--import', 'tsx', `--max-old-space-size=${maxOldMb}`, __filename, '--child', kind, file];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    // leakhound's analysis runs in a process started with this environment (analyze.ts)
    env: kind === 'leakhound' || kind === 'three' ? analysisProcessEnv() : process.env,
    encoding: 'utf8',
    timeout: 30 * 60_000,
    maxBuffer: 1 << 24,
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('@@'));
  if (!line) {
    const why = (r.stderr || '').split('\n').filter(Boolean).slice(-2).join(' ').slice(0, 160);
    return {
      ms: Number.NaN,
      cpuMs: Number.NaN,
      peakRss: Number.NaN,
      note: `failed: ${why || `exit ${r.status}`}`,
    };
  }
  return JSON.parse(line.slice(2));
}

function ensureSnapshot(mb: number): string {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const file = path.join(BENCH_DIR, `big-${mb}mb.heapsnapshot`);
  if (fs.existsSync(file)) return file;
  const dir = fs.mkdtempSync(path.join(BENCH_DIR, 'gen-'));
  const objects = Math.round(mb * OBJECTS_PER_MB);
  process.stdout.write(`generating a ~${mb} MB snapshot (${objects} objects)… `);
  const t0 = Date.now();
  execFileSync(
    process.execPath,
    [`--max-old-space-size=${Math.max(4096, mb * 8)}`, GEN, dir, 'big', String(objects)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  fs.renameSync(path.join(dir, 's1.heapsnapshot'), file);
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return file;
}

function hasModule(name: string): boolean {
  try {
    require.resolve(name, { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

const fmtS = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');
const fmtX = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function main(): void {
  const argv = process.argv.slice(2);
  const ci = argv.indexOf('--child');
  if (ci >= 0) {
    void child(argv[ci + 1], argv[ci + 2]);
    return;
  }
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',').map(Number) : null;
  const sizes = only ?? (argv.includes('--large') ? [50, 300, 1100] : [50, 300]);
  const tools = argv.includes('--tools') ? argv[argv.indexOf('--tools') + 1].split(',') : null;
  const kinds = ['leakhound', 'toolkit', ...(hasModule('@memlab/core') ? ['memlab'] : [])].filter(
    (k) => !tools || tools.includes(k),
  );
  const goals: Record<number, number> = { 50: 800, 300: 4000, 1100: 12_000 };
  console.log(
    `heap analysis benchmark — ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}`,
  );
  if (!hasModule('@memlab/core')) console.log('(memlab not installed: heap-snapshot-toolkit is the anchor)');
  for (const mb of sizes) {
    const file = ensureSnapshot(mb);
    const bytes = fs.statSync(file).size;
    const fileMb = bytes / 2 ** 20;
    const res: Record<string, Figures> = {};
    for (const k of kinds) res[k] = measure(k, file, Math.max(4096, Math.round(fileMb * 6)));
    const lh = res.leakhound;
    console.log(`\n${path.basename(file)}: ${fileMb.toFixed(0)} MB, ${lh.nodes ?? '?'} nodes`);
    for (const k of kinds) {
      const f = res[k];
      const speed = lh.ms > 0 ? f.ms / lh.ms : Number.NaN;
      console.log(
        `  ${k.padEnd(10)} ${fmtS(f.ms).padStart(9)} wall, ${fmtS(f.cpuMs).padStart(9)} cpu, ${(fileMb / (f.ms / 1000)).toFixed(0).padStart(4)} MB/s, peak RSS ${(f.peakRss / 2 ** 20).toFixed(0)} MB = ${fmtX(f.peakRss / bytes)} file (${fmtX((f.peakRss - (f.baseRss ?? 0)) / bytes)} above the process's ${((f.baseRss ?? 0) / 2 ** 20).toFixed(0)} MB start)` +
          (k === 'leakhound'
            ? ''
            : `; leakhound is ${fmtX(speed)} faster, ${fmtX(f.peakRss / lh.peakRss)} less memory`) +
          (f.note ? ` (${f.note})` : ''),
      );
    }
    if (lh.phases) {
      console.log(`  leakhound steps: ${lh.phases.map(([n, ms]) => `${n} ${fmtS(ms)}`).join(', ')}`);
    }
    const goal = goals[mb];
    if (goal) {
      console.log(
        // the issue's memory goal (≤ 1.5× the file, memlab 3.8×) is the 1 GB one; at 50 MB
        // the process's own ~80 MB alone is 1.6× the file
        mb >= 1000
          ? `  goal ≤ ${fmtS(goal)} and ≤ 1.5× file: ${lh.ms <= goal ? 'met' : 'missed'} on time (${fmtS(lh.ms)}), ${lh.peakRss <= 1.5 * bytes ? 'met' : 'missed'} on memory (${fmtX(lh.peakRss / bytes)})`
          : `  goal ≤ ${fmtS(goal)}: ${lh.ms <= goal ? 'met' : 'missed'} (${fmtS(lh.ms)})`,
      );
    }
    if (argv.includes('--three') && mb === sizes[sizes.length - 1]) {
      // issue 3: three-snapshot suspects over three 1 GB snapshots in ≤ 45 s (here: one file thrice)
      const three = measure('three', file, 4096);
      console.log(
        `  three-snapshot pipeline (this file ×3, as the analysis process runs it): ${fmtS(three.ms)} wall, ${fmtS(three.cpuMs)} cpu, peak RSS ${((three.peakRss ?? 0) / 2 ** 20).toFixed(0)} MB = ${fmtX(three.peakRss / bytes)} one file${three.note ? ` (${three.note})` : ''}; goal ≤ 45 s`,
      );
    }
  }
  if (argv.includes('--huge')) {
    // issue 3: a snapshot beyond 2.5 GB completes (memlab and the toolkit need ~4× its size)
    const big = ensureSnapshot(1100);
    const file = path.join(BENCH_DIR, 'big-3x1100mb.heapsnapshot');
    if (!fs.existsSync(file)) {
      process.stdout.write('writing a ~3 GB snapshot (three copies of the 1 GB one)… ');
      const t0 = Date.now();
      synthesize(big, `${file}.part`, 3);
      fs.renameSync(`${file}.part`, file);
      process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
    const bytes = fs.statSync(file).size;
    const f = measure('leakhound', file, 4096);
    console.log(
      `\n${path.basename(file)}: ${(bytes / 2 ** 20).toFixed(0)} MB, ${f.nodes ?? '?'} nodes\n  leakhound ${fmtS(f.ms).padStart(9)} wall, ${fmtS(f.cpuMs).padStart(9)} cpu, peak RSS ${(f.peakRss / 2 ** 20).toFixed(0)} MB = ${fmtX(f.peakRss / bytes)} file, of ${(os.totalmem() / 2 ** 30).toFixed(0)} GB${f.note ? ` (${f.note})` : ''}`,
    );
  }
}

main();
