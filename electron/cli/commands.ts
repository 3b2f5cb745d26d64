// Every command and flag the CLI accepts, declared once: the parser, --help and the
// README table all come from here.
import { DEFAULTS } from '../../shared/options';
import type { CommandSpec } from './args';

const RUN_FLAGS: CommandSpec['flags'] = [
  {
    name: 'spawn',
    kind: 'string',
    value: '"CMD"',
    help: 'command line that starts the server; {port} is replaced by a free port',
  },
  { name: 'attach', kind: 'int', value: 'PID', help: 'hunt a running process instead of starting one' },
  {
    name: 'host',
    kind: 'list',
    value: 'DEST',
    help: 'the target runs on this ssh destination (user@host, a ~/.ssh/config alias); repeat for several hosts (with --attach-match): one hunt per host at once, a verdict per host, one summary',
  },
  {
    name: 'attach-match',
    kind: 'string',
    value: 'TEXT',
    help: 'with --host: attach to the topmost process whose command line contains TEXT',
  },
  {
    name: 'ssh-config',
    kind: 'string',
    value: 'FILE',
    help: 'with --host: an ssh config file (ssh -F) instead of ~/.ssh/config',
  },
  {
    name: 'log',
    kind: 'string',
    value: 'FILE',
    help: "with --attach: the server's log file, whose last lines are kept if it dies",
  },
  { name: 'url', kind: 'string', value: 'URL', help: 'URL to request, e.g. http://127.0.0.1:{port}/orders' },
  {
    name: 'requests',
    kind: 'int',
    value: 'N',
    help: `requests to send after warm-up (default ${DEFAULTS.requests})`,
  },
  { name: 'duration', kind: 'duration', value: 'T', help: 'load for this long instead (60s, 5m, 1h)' },
  {
    name: 'concurrency',
    kind: 'int',
    value: 'N',
    help: `open connections (default ${DEFAULTS.concurrency})`,
  },
  { name: 'rate', kind: 'number', value: 'R', help: 'cap at R requests per second' },
  {
    name: 'warmup',
    kind: 'count',
    value: 'N',
    help: 'warm-up requests before the baseline (default 15%, 100–3000)',
  },
  {
    name: 'out',
    kind: 'string',
    value: 'DIR',
    help: 'run folder (default: a new folder under the data directory)',
  },
  {
    name: 'ready-timeout',
    kind: 'duration',
    value: 'T',
    help: 'how long the server may take to listen (default 20s)',
  },
  {
    name: 'request-timeout',
    kind: 'duration',
    value: 'T',
    help: 'a request slower than this is a timeout error (default 10s)',
  },
  { name: 'cwd', kind: 'string', value: 'DIR', help: 'working directory of the server' },
  { name: 'env', kind: 'list', value: 'K=V', help: 'extra environment for the server (repeatable)' },
  { name: 'snapshots', kind: 'count', value: 'N', help: 'heap captures: 3 (default), 2, 1; --safe for none' },
  {
    name: 'load',
    kind: 'string',
    value: 'MODE',
    help: 'builtin (default) or none (watch live traffic only)',
  },
  {
    name: 'load-from',
    kind: 'string',
    value: 'WHERE',
    help: 'with --host: here (default; requests through an SSH forward) or host (the built-in generator runs on the host with its node: latency without the link)',
  },
  {
    name: 'scenario',
    kind: 'string',
    value: 'FILE',
    help: 'load scenario (YAML/JSON): endpoints, weights, variables, think time, stages',
  },
  {
    name: 'load-command',
    kind: 'string',
    value: '"CMD"',
    help: 'your own load tool (k6, locust, wrk …) as the load phase; {port} and {url} filled in',
  },
  {
    name: 'report',
    kind: 'string',
    value: 'pdf,html',
    help: 'also write DIR/report.pdf and/or DIR/report.html',
  },
  {
    name: 'reveal-strings',
    kind: 'bool',
    help: 'show heap string contents in outputs (they may hold secrets)',
  },
  { name: 'allow-remote', kind: 'bool', help: 'allow a non-loopback URL' },
  { name: 'safe', kind: 'bool', help: 'production-safe: no full heap snapshots' },
  { name: 'fail-on-leak', kind: 'bool', help: 'exit 3 when the verdict is leak (for CI gates)' },
];

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    name: 'run',
    usage:
      'leakhound run (--spawn "CMD" --url URL | --attach PID | --host DEST [--host DEST2 …] --attach-match TEXT) [options]',
    summary:
      'Hunt a leak: start the server, load it, sample its memory, diff heap snapshots, give a verdict.',
    flags: RUN_FLAGS,
    positionals: [0, 0],
  },
  analyze: {
    name: 'analyze',
    usage: 'leakhound analyze A.heapsnapshot B.heapsnapshot [C.heapsnapshot] [--out DIR]',
    summary:
      'Find leak suspects in heap snapshots taken elsewhere (DevTools, --heapsnapshot-signal, v8.writeHeapSnapshot).',
    flags: [
      {
        name: 'out',
        kind: 'string',
        value: 'DIR',
        help: 'make DIR a run folder: the snapshots linked in, result.json (leakhound report DIR renders it)',
      },
      {
        name: 'requests',
        kind: 'int',
        value: 'N',
        help: 'requests served between the first and last snapshot',
      },
      { name: 'reveal-strings', kind: 'bool', help: 'show heap string contents' },
      { name: 'json', kind: 'bool', help: 'print JSON instead of text' },
      {
        name: 'no-cache',
        kind: 'bool',
        help: 'neither read nor write the analysis cache (~/.cache/leakhound/heap, capped by LEAKHOUND_HEAP_CACHE_MB)',
      },
    ],
    positionals: [1, 3],
  },
  load: {
    name: 'load',
    usage: 'leakhound load --url URL [--duration 10s] [--concurrency 50] [--rate R] [--json]',
    summary: 'Run the load generator alone (capacity checks, benchmarks).',
    flags: [
      { name: 'url', kind: 'string', value: 'URL', help: 'URL to request' },
      { name: 'duration', kind: 'duration', value: 'T', help: 'how long (default 10s)' },
      { name: 'concurrency', kind: 'int', value: 'N', help: 'open connections (default 50)' },
      { name: 'rate', kind: 'number', value: 'R', help: 'cap at R requests per second' },
      {
        name: 'scenario',
        kind: 'string',
        value: 'FILE',
        help: 'a load scenario (YAML/JSON) instead of --url',
      },
      { name: 'json', kind: 'bool', help: 'print the figures as JSON' },
    ],
    positionals: [0, 0],
  },
  agent: {
    name: 'agent',
    usage: 'leakhound agent --print-env [--dir DIR]',
    summary:
      'Print the environment that loads the dormant Python agent at server start: later attaches then need no debugger.',
    flags: [
      {
        name: 'print-env',
        kind: 'bool',
        help: 'print PYTHONPATH=… and LEAKHOUND_AGENT=dormant, one per line',
      },
      {
        name: 'dir',
        kind: 'string',
        value: 'DIR',
        help: 'where to put the agent files, readable by the server (default ~/.local/share/leakhound/python-agent)',
      },
    ],
    positionals: [0, 0],
  },
  ps: {
    name: 'ps',
    usage: 'leakhound ps [--json] [--host DEST]',
    summary: 'List server processes you can attach to (here, or on an ssh host).',
    flags: [
      { name: 'json', kind: 'bool', help: 'print JSON' },
      { name: 'host', kind: 'string', value: 'DEST', help: 'list the processes of this ssh destination' },
      {
        name: 'ssh-config',
        kind: 'string',
        value: 'FILE',
        help: 'an ssh config file (ssh -F) instead of ~/.ssh/config',
      },
    ],
    positionals: [0, 0],
  },
  serve: {
    name: 'serve',
    usage: 'leakhound serve [--port P] [--open]',
    summary: 'Serve the leakhound UI to a browser on 127.0.0.1 (with an access token).',
    flags: [
      { name: 'port', kind: 'int', value: 'P', help: 'port (default: a free one)' },
      { name: 'open', kind: 'bool', help: 'open the browser' },
    ],
    positionals: [0, 0],
  },
  report: {
    name: 'report',
    usage: 'leakhound report DIR [--pdf FILE] [--html FILE] [--paper A4|Letter]',
    summary: 'Render the report of a finished run (or of a sweep folder) again.',
    flags: [
      { name: 'pdf', kind: 'string', value: 'FILE', help: 'PDF path (default DIR/report.pdf)' },
      { name: 'html', kind: 'string', value: 'FILE', help: 'HTML path (default DIR/report.html)' },
      { name: 'paper', kind: 'string', value: 'SIZE', help: 'A4 (default) or Letter' },
      { name: 'reveal-strings', kind: 'bool', help: 'include heap string contents' },
    ],
    positionals: [1, 1],
  },
  sweep: {
    name: 'sweep',
    usage: 'leakhound sweep --spawn "CMD with {name}s" --grid NAME=V1,V2 [--grid …] --url URL [run options]',
    summary: 'Run the same hunt over a grid of server configurations and compare them (resumable).',
    flags: [
      ...RUN_FLAGS.filter((f) => !['attach', 'log', 'report', 'fail-on-leak'].includes(f.name)),
      {
        name: 'grid',
        kind: 'list',
        value: 'NAME=V1,V2',
        help: 'a parameter and its values; {NAME} in --spawn (repeatable)',
      },
      {
        name: 'goal',
        kind: 'string',
        value: 'GOAL',
        help: 'best configuration by p90 (default), p99, rps or pss',
      },
    ],
    positionals: [0, 0],
  },
  runs: {
    name: 'runs',
    usage: 'leakhound runs [--repair [DIR …]] [--json]',
    summary: 'List past runs; --repair finishes runs interrupted by a crash.',
    flags: [
      { name: 'repair', kind: 'bool', help: 'write result.json for interrupted runs from what is on disk' },
      { name: 'json', kind: 'bool', help: 'print JSON' },
    ],
    positionals: [0, 16],
  },
};
