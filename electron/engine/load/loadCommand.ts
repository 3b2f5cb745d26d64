// `leakhound load`: the generator alone, for capacity checks and for benchmarking it.
import type { LoadStats } from '../../../shared/result';
import { UserError } from '../errors';
import { LoadRecorder } from './recorder';
import { runLoad } from './run';
import { loadScenarioFile, runScenario, scenarioStages } from './scenario';

export interface LoadCliOptions {
  url: string;
  durationMs: number;
  concurrency: number;
  rate?: number;
  json: boolean;
  /** per-request timeout, default 10 s */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** a scenario file (YAML/JSON): its endpoints, stages and timing replace url/duration/concurrency/rate */
  scenario?: string;
}

export async function runLoadCli(opts: LoadCliOptions, out: NodeJS.WritableStream): Promise<LoadStats> {
  const scenario = opts.scenario === undefined ? null : loadScenarioFile(opts.scenario);
  if (scenario === null && !(opts.durationMs > 0))
    throw new UserError(`--duration must be > 0 (got ${opts.durationMs} ms)`);
  const recorder = new LoadRecorder();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  opts.signal?.addEventListener('abort', onSigint, { once: true });
  process.once('SIGINT', onSigint);
  const tty = !opts.json && (out as NodeJS.WriteStream).isTTY === true;
  const progress = tty
    ? setInterval(() => {
        const l = recorder.liveStats(1000);
        out.write(
          `\r${fmtInt(l.requests)} requests  ${fmtInt(l.rps)} rps  p50 ${fmtMs(l.p50)}  p99 ${fmtMs(l.p99)}  errors ${fmtInt(l.errors)}   `,
        );
      }, 500)
    : null;
  try {
    if (scenario !== null) await runScenario(scenario, recorder, { signal: ac.signal });
    else
      await runLoad(
        {
          endpoints: [{ url: opts.url, method: 'GET', weight: 1 }],
          concurrency: opts.concurrency,
          durationMs: opts.durationMs,
          rate: opts.rate,
          timeoutMs: opts.timeoutMs ?? 10_000,
          signal: ac.signal,
        },
        recorder,
      );
  } finally {
    if (progress !== null) {
      clearInterval(progress);
      out.write('\r\x1b[K');
    }
    process.removeListener('SIGINT', onSigint);
    opts.signal?.removeEventListener('abort', onSigint);
  }
  const stats = recorder.stats();
  if (stats.requests === 0 && stats.errorsByKind.connect > 0) {
    throw new UserError(
      `nothing answered at ${opts.scenario ?? opts.url}: ${recorder.lastError.connect}; is the server running?`,
    );
  }
  const header =
    scenario === null
      ? opts
      : {
          url: `${opts.scenario} (scenario)`,
          concurrency: Math.max(...scenarioStages(scenario).map((st) => st.users)),
        };
  out.write(opts.json ? `${JSON.stringify(stats)}\n` : formatLoadSummary(header, stats));
  return stats;
}

export function formatLoadSummary(
  opts: { url: string; concurrency: number; rate?: number },
  s: LoadStats,
): string {
  const l = s.latencyMs;
  const e = s.errorsByKind;
  const codes = Object.entries(s.statusCodes ?? {})
    .map(([code, n]) => `${code}×${fmtInt(n)}`)
    .join(' ');
  const lines = [
    `${opts.url}: ${opts.concurrency} connection${opts.concurrency === 1 ? '' : 's'}${opts.rate ? `, capped at ${opts.rate} rps` : ''}, ${(s.durationMs / 1000).toFixed(1)} s`,
    `  requests  ${fmtInt(s.requests)} (${fmtInt(s.rps)} rps)${codes ? `  status ${codes}` : ''}`,
    `  latency   p50 ${fmtMs(l.p50)}  p90 ${fmtMs(l.p90)}  p95 ${fmtMs(l.p95)}  p99 ${fmtMs(l.p99)}  max ${fmtMs(l.max)}  mean ${fmtMs(l.mean)}`,
    `  errors    ${fmtInt(s.errors)}${s.errors > 0 ? ` (connect ${e.connect}, timeout ${e.timeout}, status ${e.status}, other ${e.other})` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}
