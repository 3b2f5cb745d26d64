// The orchestrator of one hunt: start or attach the target, warm it up, run the load in
// segments with a post-GC checkpoint after each, take heap data at the planned points,
// analyse, decide, and write the run folder. Everything it learns goes to disk as it
// learns it, so a crash of the target or of leakhound loses nothing.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ApiEvent, DiffRow } from '../../shared/api';
import { sampleLevel } from '../../shared/decimate';
import {
  type Endpoint,
  optionConflicts,
  type Phase,
  type RunOptions,
  urlProblem,
} from '../../shared/options';
import {
  type AttachInfo,
  type Checkpoint,
  type LoadStats,
  type ProcessSample,
  type Result,
  type RunStatus,
  resultSchema,
  type Sample,
  SCHEMA_VERSION,
  type SnapshotRef,
  type Suspect,
  type Verdict,
} from '../../shared/result';
import { attachNode } from './attach/attach-node';
import { attachPython, type PythonAttach } from './attach/attach-python';
import type { NodeInspector as AttachInspector } from './attach/node';
import { UserError } from './errors';
import { analyzeSnapshots } from './heap/analyze';
import { mapAllocationSites } from './heap/sourcemap-files';
import { AttachedTarget } from './hunt/attached';
import { Decimator } from './hunt/decimate';
import { ExternalLoad } from './hunt/external-load';
import { LifetimeTracker, withinLifeGap } from './hunt/lifetimes';
import { NodeInspector } from './hunt/node-inspector';
import { NodeWorkers } from './hunt/node-workers';
import { type HuntTarget, openTarget } from './hunt/open-target';
import { makePlan } from './hunt/plan';
import { targetSection } from './hunt/result-target';
import { guessRuntime } from './hunt/runtime-guess';
import { JsonlWriter } from './jsonl';
import { LoadRecorder, runLoad } from './load';
import { type Scenario, scenarioEndpoints, scenarioStages, validateScenario } from './load/scenario';
import { descendants, readSmapsRollup, startTimeMs } from './proc/procfs';
import { TreeSampler } from './proc/sampler';
import { type PyCapture, type PyCensus, PythonAgentSession } from './python/session';
import { pythonSuspects } from './python/suspects';
import { type RemoteHost, RemoteTarget } from './remote/host';
import { hostEndpoints, type RemoteLoad } from './remote/remote-load';
import type { RemoteSampler } from './remote/sampler';
import {
  defaultDataDir,
  ensureDir,
  FILES,
  hostInfo,
  newRunId,
  readMeta,
  runsDir,
  writeFileAtomic,
  writeMeta,
} from './store';
import { type ExitInfo, isInspectorChatter, SpawnedTarget } from './target/spawn';
import { lastOutput } from './target/tail';
import { crossCheck, decideVerdict } from './verdict/decide';
import { type Ending, endingError, endingVerdict } from './verdict/ending';
import { recyclingFromArgv } from './verdict/lifetimes';
import { checkLifeLeak } from './verdict/warmup';
import { VERSION } from './version';

export interface HuntEnv {
  dataDir?: string;
}

export class Hunt extends EventEmitter {
  readonly id: string;
  readonly dir: string;
  private readonly abortLoad = new AbortController();
  private stopRequested = false;
  private manualSnapshots = 0;
  private target: HuntTarget | null = null;
  /** --host: the target runs on another machine, reached over SSH (remote/) */
  private remote: RemoteHost | null = null;
  /** --load-from host: the built-in generator running on the host */
  private remoteLoad: RemoteLoad | null = null;
  /** the SSH link to the host was lost mid-run: ssh's reason */
  private linkLost: string | null = null;
  /** the inspector we opened on an attached Node target, to be closed again */
  private attachInspector: AttachInspector | null = null;
  private pythonSocketDir: string | null = null;
  private pythonAttached = false;
  /** how the agent got into an attached Python target (dirs and agents to clean up after) */
  private pythonAttach: PythonAttach | null = null;
  /** result.json's target.attach: how leakhound got into a process it did not start */
  private attachInfo: AttachInfo | undefined = undefined;
  /** the runtime detected at the start (the target may be gone by the end) */
  private runtime: 'node' | 'python' | 'other' | null = null;
  private inspector: NodeInspector | null = null;
  private python: PythonAgentSession | null = null;
  /** every Node process of a spawned tree (cluster primary + workers); `inspector` is then one worker's */
  private workers: NodeWorkers | null = null;
  /** per-process post-GC points of a Python or Node-cluster target, for growth within each worker's life */
  private lifetimes: LifetimeTracker | null = null;
  private sampler: TreeSampler | RemoteSampler | null = null;
  private readonly recorder = new LoadRecorder();
  // peaks kept: result.json's curve must show the highest PSS even after thinning
  private readonly samples = new Decimator<Sample>(4000, sampleLevel);
  private readonly checkpoints: Checkpoint[] = [];
  private readonly snapshots: SnapshotRef[] = [];
  private readonly pyCaptures: PyCapture[] = [];
  private readonly warnings: string[] = [];
  private samplesOut: JsonlWriter | null = null;
  private checkpointsOut: JsonlWriter | null = null;
  private eventsOut: JsonlWriter | null = null;
  private heapUsed: { used: number; total: number } | null = null;
  private heapPoll: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  /** when the first request went out (ms since t0): where hunt time starts */
  private firstRequestT: number | null = null;
  private targetDied = false;
  /** the target is alive but answered nothing for too long */
  private targetHung = false;
  private diskFull = false;
  private snapshotSinceCheckpoint = false;
  /** undefined until the sampling profiler was stopped; null when there is none */
  private allocationProfile: unknown = undefined;
  /** last time the count of answered requests moved (the hang watchdog) */
  private progress = { count: 0, stalledMs: 0 };
  /** performance.now() when the latest heap snapshot or Python capture was on disk */
  private lastSnapshotWrittenAt: number | null = null;
  /** the class diff of the latest snapshot analysis (first against last) */
  private lastDiff: DiffRow[] | null = null;
  /** the target announced it is exiting (Node waits for our inspector to let go) */
  private targetExiting = false;
  private phase: Phase = 'starting';
  private abortHunt: (() => void) | null = null;
  private readonly scenario: Scenario | null;
  private loadCommand: ExternalLoad | null = null;
  private measuredStart: number | null = null;

  constructor(
    readonly options: RunOptions,
    env: HuntEnv = {},
  ) {
    super();
    const conflict = optionConflicts(options);
    if (conflict) throw new UserError(conflict);
    this.scenario = options.scenario
      ? validateScenario(options.scenario, 'scenario', { requireLength: false })
      : null;
    const badUrl = urlProblem(options);
    if (badUrl) throw new UserError(badUrl);
    this.id = options.out ? path.basename(path.resolve(options.out)) : newRunId(this.startedAt);
    this.dir = options.out
      ? path.resolve(options.out)
      : path.join(runsDir(env.dataDir ?? defaultDataDir()), this.id);
  }

  /** End the load early; the final snapshot and the analysis still run. */
  stop(): void {
    this.stopRequested = true;
    this.abortLoad.abort();
  }

  /** Stop everything now and write what was gathered. */
  async abort(): Promise<void> {
    this.stop();
    this.abortHunt?.();
  }

  async snapshotNow(): Promise<void> {
    this.manualSnapshots++;
  }

  private ms(): number {
    return Math.round(performance.now() - this.t0);
  }

  private emitEvent(e: ApiEvent): void {
    if (e.type !== 'sample') this.eventsOut?.append({ t: this.ms(), ...e });
    this.emit('event', e);
  }

  private setPhase(phase: Phase, progress: number, message: string): void {
    this.phase = phase;
    this.emitEvent({
      type: 'phase',
      id: this.id,
      phase,
      progress: Math.min(1, Math.max(0, progress)),
      message,
    });
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    if (level === 'warn') this.warnings.push(message);
    this.emitEvent({ type: 'log', id: this.id, level, message });
  }

  async start(): Promise<Result> {
    ensureDir(this.dir);
    if (existsSync(path.join(this.dir, FILES.result)) || existsSync(path.join(this.dir, FILES.samples)))
      throw new UserError(`${this.dir} already holds a run: choose another --out folder`);
    const o = this.options;
    const command =
      o.spawn ??
      `${o.attach !== undefined ? `pid ${o.attach}` : `"${o.attachMatch}"`}${o.host ? ` on ${o.host}` : ''}`;
    writeMeta(this.dir, {
      id: this.id,
      startedAt: this.startedAt.toISOString(),
      status: 'running',
      command,
      options: o as unknown as Record<string, unknown>,
      ownerPid: process.pid,
    });
    this.samplesOut = new JsonlWriter(path.join(this.dir, FILES.samples));
    this.checkpointsOut = new JsonlWriter(path.join(this.dir, FILES.checkpoints));
    this.eventsOut = new JsonlWriter(path.join(this.dir, FILES.events));
    let status: RunStatus = 'finished';
    let failure: Error | null = null;
    let verdict: Verdict | null = null;
    let suspects: Suspect[] = [];
    const aborted = new Promise<'aborted'>((resolve) => {
      this.abortHunt = () => resolve('aborted');
    });
    try {
      const outcome = await Promise.race([this.body(), aborted]);
      if (outcome === 'aborted') status = 'interrupted';
      else ({ verdict, suspects } = outcome);
      // A hung target's figures stop where it stopped: say so rather than judge them.
      if (this.targetHung || this.diskFull || this.targetDied || this.linkLost) verdict = null;
    } catch (e) {
      failure = e as Error;
    }
    if (this.targetDied) status = 'target-died';
    else if (failure || this.targetHung || this.diskFull || this.linkLost) status = 'failed';
    // Dead before answering anything: a start-up failure (an app that does not import, under a
    // gunicorn master that had bound the port already), said as one, with its last output.
    if (this.targetDied && this.recorder.requests === 0 && !failure)
      failure = new UserError(diedBeforeServing(this.target));
    return this.finish(status, failure, verdict, suspects);
  }

  private async body(): Promise<{ verdict: Verdict; suspects: Suspect[] }> {
    const o = this.options;
    const plan = makePlan(o);
    this.setPhase(
      'starting',
      0,
      o.spawn
        ? `starting ${o.spawn}`
        : `attaching to ${o.attach !== undefined ? `pid ${o.attach}` : `"${o.attachMatch}"`}${o.host ? ` on ${o.host}` : ''}`,
    );
    const opened = await openTarget(o, this.dir, (level, m) => this.log(level, m));
    ({ remote: this.remote, remoteLoad: this.remoteLoad, pythonSocketDir: this.pythonSocketDir } = opened);
    const runtime = opened.runtime;
    this.runtime = runtime;
    this.target = opened.target;
    if (opened.target instanceof SpawnedTarget)
      opened.target.onExitBlocked = () => {
        // a Node tree's processes share stderr: NodeWorkers hears which one, and lets it go
        if (this.workers) return;
        this.targetExiting = true;
        this.log('info', 'the target is exiting: disconnecting the inspector so it can');
        void this.inspector?.cdp.close();
      };
    const target = opened.target;
    void target.onExit().then((exit) => {
      if (this.phase === 'stopping' || this.phase === 'done') return;
      if (target instanceof RemoteTarget && target.linkLost) {
        this.linkLost = target.linkLost;
        this.log(
          'error',
          `the SSH link to ${target.host} was lost during the ${this.phase} phase (${target.linkLost})`,
        );
        this.abortLoad.abort();
        return;
      }
      this.targetDied = true;
      const how = exit.signal
        ? `killed by ${exit.signal}`
        : exit.code === null
          ? 'gone'
          : `exited with code ${exit.code}`;
      this.log('error', `the target ${how} during the ${this.phase} phase`);
      this.abortLoad.abort();
    });
    this.log('info', `target pid ${target.pid} (${runtime}) at ${target.url}`);
    if (target instanceof AttachedTarget && target.nsUrl)
      this.log(
        'info',
        `pid ${target.pid} is in another network namespace: requests to ${target.nsUrl} go through a bridge into it (${target.url} here)`,
      );
    if (this.options.attach !== undefined && runtime !== 'other')
      this.log(
        'info',
        `each of the ${makePlan(o).segments + 1} checkpoints forces a full garbage collection in the target (a pause of milliseconds to a few hundred ms on large heaps)${o.safe ? '; --safe: no full heap snapshots' : '; 3 heap snapshots each freeze it for seconds (--safe avoids them)'}`,
      );
    if (target instanceof SpawnedTarget) this.recordTargetInMeta(target.pid);
    await this.connectRuntime(runtime);
    this.startSampling(target.pid);
    const endpoints = this.endpoints(target.port);

    this.setPhase('warmup', 0, `warming up with ${plan.warmupRequests} requests`);
    if (plan.warmupRequests > 0 && o.load === 'builtin')
      await this.load(endpoints, { requests: plan.warmupRequests });
    const warmupRequests = this.recorder.requests;
    if (this.python && this.pythonAttached && (await this.python.livePids()).length === 0) {
      this.log('warn', 'the injected Python agent did not answer after warm-up: memory curves only');
      this.python = null;
    }

    let snapshotNo = 0;
    const snapshotFiles: string[] = [];
    const snapshotAt: number[] = [];
    for (let seg = 0; seg <= plan.segments; seg++) {
      if (seg > 0) {
        this.setPhase('load', (seg - 1) / plan.segments, `load segment ${seg} of ${plan.segments}`);
        if (seg === 1) this.measuredStart = performance.now();
        if (seg === 1 && o.load === 'command') this.firstRequestT ??= this.ms();
        if (seg === 1 && o.load === 'command')
          this.loadCommand = ExternalLoad.start(o.loadCommand as string, this.dir, target, (m) =>
            this.log('info', m),
          );
        if (o.load === 'builtin' && this.lifetimes)
          await this.loadWithLifetimeCheckpoints(endpoints, plan.segmentRequests, plan.segmentMs);
        else if (o.load === 'builtin')
          await this.load(endpoints, {
            requests: plan.segmentRequests ?? undefined,
            durationMs: plan.segmentMs ?? undefined,
          });
        else await this.sleep(plan.segmentMs ?? 5000);
        if (this.loadCommand?.exited && seg < plan.segments) {
          this.log('info', 'the load command finished before --duration: taking the final snapshot now');
          this.stopRequested = true;
        }
      }
      if (this.targetDied || this.linkLost) break;
      if (this.targetHung) break;
      const last = seg === plan.segments || this.stopRequested;
      await this.checkpoint();
      const planned = plan.snapshotAfter.includes(seg) || (last && plan.snapshotAfter.length > 0);
      const manual = this.manualSnapshots > 0;
      if ((planned || manual) && !(o.safe && this.inspector) && !this.diskFull) {
        if (manual) this.manualSnapshots--;
        snapshotNo++;
        const label = !planned ? `manual-${snapshotNo}` : seg === 0 ? 'baseline' : last ? 'final' : 'middle';
        // a Node tree: the same worker each time (re-chosen at the baseline, once some served)
        if (this.workers)
          await this.switchInspector(await this.workers.subject(seg === 0 ? null : this.inspector));
        const served = this.workers && this.inspector ? await this.workers.served(this.inspector.pid) : null;
        const file = await this.heapCapture(snapshotNo, label);
        if (file && planned) {
          snapshotFiles.push(file);
          snapshotAt.push(served ?? this.recorder.requests);
        }
      }
      if (last) break;
    }
    this.stopHeapPoll();
    await this.loadCommand?.stop();
    // recycled workers: the three captures above are of different processes, so the suspects
    // come from three censuses (Node: snapshots) within one worker's life
    const recycled =
      o.load === 'builtin' && !this.options.safe && !this.targetDied && this.lifetimes?.recycled();
    const life = recycled && !this.workers ? await this.withinLifeCaptures(endpoints) : null;
    const nodeLife = recycled && this.workers ? await this.withinLifeSnapshots(endpoints) : null;

    // Analysis
    let suspects: Suspect[] = [];
    if (!this.targetDied && !this.linkLost) {
      this.setPhase('analysis', 0, 'analysing heap data');
      suspects = life
        ? pythonSuspects(life.captures, life.requests, this.python ?? undefined)
        : nodeLife
          ? await this.analyse(nodeLife.files, nodeLife.at)
          : recycled && this.workers
            ? [] // the snapshots above are of workers that did not live through all of them
            : await this.analyse(snapshotFiles, snapshotAt);
    }
    const measured = this.checkpoints.filter((c) => c.requests >= warmupRequests);
    const decided = decideVerdict({
      checkpoints: measured,
      suspects,
      heapKnown: this.inspector !== null || this.python !== null,
      heapLabel: this.workers
        ? 'the JS heap (used + external) of every Node process'
        : this.inspector
          ? 'the JS heap (used + external)'
          : 'the Python heap',
      unit: o.load === 'builtin' ? 'request' : 'second',
      restarts: this.sampler?.restarts() ?? 0,
    });
    // the top suspect's own growth per request within the life its captures came from
    const lifeRequests = nodeLife ? nodeLife.at[2] - nodeLife.at[0] : (life?.requests ?? 0);
    const suspectBytesPerRequest =
      suspects[0] && lifeRequests > 0 ? suspects[0].retainedSizeDelta / lifeRequests : null;
    const lives =
      this.lifetimes?.decide(warmupRequests, suspects[0]?.name ?? null, { suspectBytesPerRequest }) ?? null;
    // a Node worker's life is shorter than V8's warm-up: its snapshots say leak or compiling
    if (lives && this.workers)
      lives.verdict = checkLifeLeak(
        lives.verdict,
        suspects[0]?.name ?? null,
        nodeLife && this.lastDiff ? { diff: this.lastDiff, pid: nodeLife.pid } : null,
        lives.summary.recycledEvery,
      );
    // each process's post-GC points with the requests it served: the evidence of the lifetime fit
    if (this.lifetimes?.points.length)
      writeFileAtomic(path.join(this.dir, 'lifetimes.json'), JSON.stringify(this.lifetimes.points));
    const verdict = lives
      ? {
          ...lives.verdict,
          pssBytesPerRequest: decided.pssBytesPerRequest,
          pssCi95: decided.pssCi95,
          reason: `${lives.verdict.reason} (The whole tree's heap, which recycling resets: ${decided.bytesPerRequest.toFixed(1)} B/request, 95% interval ${decided.ci95[0].toFixed(1)} to ${decided.ci95[1].toFixed(1)}.)`,
          lifetimes: {
            ...lives.summary,
            treeBytesPerRequest: decided.bytesPerRequest,
            treeCi95: decided.ci95,
          },
        }
      : crossCheck(decided, suspects, snapshotFiles.length >= 3 || this.pyCaptures.length >= 3);
    if (this.lastSnapshotWrittenAt !== null && snapshotFiles.length)
      this.log(
        'info',
        `verdict ${((performance.now() - this.lastSnapshotWrittenAt) / 1000).toFixed(2)} s after the final snapshot was written (final checkpoint, analysis of ${snapshotFiles.length} snapshots, suspects, verdict)`,
      );
    return { verdict, suspects };
  }

  /** So a run left by a crash of leakhound can find, and stop, the server it started. */
  private recordTargetInMeta(pid: number): void {
    const meta = readMeta(this.dir);
    if (meta) writeMeta(this.dir, { ...meta, targetPid: pid, targetStartMs: startTimeMs(pid) });
  }

  private endpoints(port: number): Endpoint[] {
    const sub = (u: string) => u.split('{port}').join(String(port));
    if (this.scenario) return scenarioEndpoints(this.scenario, sub);
    const list = this.options.endpoints?.length
      ? this.options.endpoints
      : [{ url: this.target?.url ?? (this.options.url as string), method: 'GET', weight: 1 }];
    return list.map((e) => ({ ...e, url: sub(e.url) }));
  }

  private async connectRuntime(runtime: 'node' | 'python' | 'other'): Promise<void> {
    if (this.remote) {
      const r = await this.remote.connectRuntime((level, m) => this.log(level, m));
      this.python = r.python;
      // (the remote tree's RSS per pid is not read here: lives get no RSS figures)
      if (r.python) this.lifetimes = new LifetimeTracker({}, () => null);
      if (r.attachInspector) {
        this.attachInspector = r.attachInspector;
        this.inspector = await NodeInspector.fromClient(r.attachInspector.client);
        await this.startInspector();
      }
      return;
    }
    const target = this.target as SpawnedTarget | AttachedTarget;
    if (runtime === 'python') {
      if (target instanceof AttachedTarget) await this.injectPythonAgent(target.pid);
      if (!this.pythonSocketDir) return;
      this.python = new PythonAgentSession(this.pythonSocketDir, {}, this.pythonAttach?.resolvePid ?? null);
      this.lifetimes = new LifetimeTracker(recyclingFromArgv(target.argv ?? []));
      // An attached worker runs the injected agent only on its next request (warm-up).
      if (this.pythonAttached) return;
      const pids = await this.python.livePids();
      if (pids.length === 0) {
        this.log('warn', 'the Python agent did not answer: memory curves only, no heap detail');
        this.python = null;
      }
      return;
    }
    if (target instanceof AttachedTarget) {
      if (runtime !== 'node') {
        this.log(
          'warn',
          `pid ${target.pid} is not Node or Python: memory curves only, no heap detail for this runtime`,
        );
        return;
      }
      const a = await attachNode(target.pid, {
        url: target.url ?? null,
        log: (level, m) => this.log(level, m),
      });
      this.attachInfo = a.info;
      if (!a.inspector) return;
      this.attachInspector = a.inspector;
      this.log(
        'info',
        `${a.inspector.preexisting ? 'using the inspector pid already had open' : 'opened the inspector of pid'} ${target.pid} on 127.0.0.1:${a.inspector.port}${a.inspector.preexisting ? ' (left open)' : ' (closed again at the end)'}`,
      );
      this.inspector = await NodeInspector.fromClient(this.attachInspector.client);
      await this.startInspector();
      return;
    }
    let urls = await target.waitForInspectors(1, runtime === 'node' ? 5000 : 1500);
    if (urls.length === 0) {
      if (runtime === 'node')
        this.log('warn', 'the Node inspector did not open (NODE_OPTIONS ignored?): memory curves only');
      return;
    }
    // a cluster primary forks its workers before the port answers: their URLs are on the way
    const children = descendants(target.pid).length;
    if (children > 0) urls = await target.waitForInspectors(1 + children, 2000);
    if (urls.length > 1 && target instanceof SpawnedTarget) return this.connectNodeTree(target, urls);
    this.inspector = await NodeInspector.pick(urls, [target.pid]);
    if (!this.inspector) return;
    await this.startInspector();
  }

  /** Several Node processes (cluster, pm2-style): each measured on its own, snapshots of one worker. */
  private async connectNodeTree(target: SpawnedTarget, urls: string[]): Promise<void> {
    const workers = new NodeWorkers(
      (level, m) => this.log(level, m),
      (pid) => {
        if (pid === target.pid) this.targetExiting = true;
      },
    );
    for (const u of urls) workers.add(u);
    target.onInspectorUrl = (u) => workers.add(u);
    await workers.settled();
    this.workers = workers;
    // how often workers are replaced is learnt from the lives seen end
    this.lifetimes = new LifetimeTracker({});
    this.inspector = await workers.subject(null);
    this.log(
      'info',
      `${workers.count} Node processes in the tree (a cluster primary and its workers?): each is measured after its own garbage collection with the requests it served, a worker its master replaces is a new lifetime, and heap snapshots are of one worker`,
    );
    await this.startInspector();
  }

  /** Snapshots (and the sampling profiler) follow `next`, one worker of a Node tree. */
  private async switchInspector(next: NodeInspector | null): Promise<void> {
    if (!next || next === this.inspector) return;
    await this.inspector?.stopSampling().catch(() => {});
    this.inspector = next;
    try {
      await next.enable();
      await next.startSampling();
    } catch (e) {
      this.log(
        'warn',
        `the sampling heap profiler could not start on pid ${next.pid}: ${(e as Error).message}`,
      );
    }
  }

  private async injectPythonAgent(pid: number): Promise<void> {
    try {
      const a = await attachPython(pid, {
        runDir: this.dir,
        url: this.target?.url ?? null,
        log: (level, message) => this.log(level, message),
      });
      this.pythonAttach = a;
      this.attachInfo = a.info;
      this.pythonSocketDir = a.socketDir;
      this.pythonAttached = a.socketDir !== null;
      const checks = a.info.processes
        .map(
          (p) =>
            `${p.role} ${p.pid}: ${p.verified ? 'ok' : p.problem}${p.pauseMs ? `, paused ${p.pauseMs} ms` : ''}`,
        )
        .join('; ');
      const serving =
        a.info.serving === null ? '' : a.info.serving ? '; still serving' : '; NOT answering a request';
      if (checks || serving)
        this.log(a.info.verified ? 'info' : 'warn', `checked after the attach: ${checks}${serving}`);
      if (a.info.fallback) this.log('warn', a.info.fallback);
    } catch (e) {
      // Not being allowed is the user's to fix (run as the owner or root); anything else only
      // costs the heap detail.
      if (e instanceof UserError && /not permitted to (inspect|attach)/.test(e.message)) throw e;
      this.log('warn', `${(e as Error).message} — memory curves only`);
    }
  }

  /** Agents we loaded into an attached target stop serving; our folder in its /tmp goes. */
  private async detachPython(): Promise<void> {
    const a = this.pythonAttach;
    if (!a) return;
    const dir = a.cleanupSocketDir;
    if (dir) {
      const session = this.python ?? new PythonAgentSession(dir, {}, a.resolvePid);
      await session.shutdownAgents().catch(() => []);
      if (session !== this.python) await session.close().catch(() => {});
    } else if (this.python) {
      await this.python.shutdownAgents().catch(() => []); // a dormant agent drops its state, keeps listening
    }
    a.dirs?.remove();
  }

  private async startInspector(): Promise<void> {
    if (!this.inspector) return;
    await this.inspector.enable();
    try {
      await this.inspector.startSampling();
    } catch (e) {
      this.log('warn', `the sampling heap profiler could not start: ${(e as Error).message}`);
    }
    this.heapPoll = setInterval(() => {
      (this.workers ?? this.inspector)
        ?.heapUsage()
        .then((h) => {
          this.heapUsed = h;
        })
        .catch(() => {});
    }, 500);
    this.heapPoll.unref();
  }

  private stopHeapPoll(): void {
    if (this.heapPoll) clearInterval(this.heapPoll);
    this.heapPoll = null;
  }

  private startSampling(rootPid: number): void {
    this.sampler = this.remote ? this.remote.sampler : new TreeSampler({ rootPid, rssHz: 5, pssHz: 1 });
    this.sampler.on(
      'sample',
      (s: { t: number; rssBytes: number; pssBytes: number | null; processes: ProcessSample[] }) => {
        const sample: Sample = {
          t: this.ms(),
          requests: this.recorder.requests,
          rssBytes: s.rssBytes,
          pssBytes: s.pssBytes,
          heapUsedBytes: this.heapUsed?.used ?? null,
          heapTotalBytes: this.heapUsed?.total ?? null,
          processes: s.processes,
        };
        this.samples.push(sample);
        this.samplesOut?.append(sample);
        this.emitEvent({ type: 'sample', id: this.id, sample });
      },
    );
    this.sampler.start();
  }

  private async load(
    endpoints: Endpoint[],
    budget: { requests?: number; durationMs?: number },
  ): Promise<void> {
    if (this.stopRequested || this.targetDied) return;
    this.firstRequestT ??= this.ms();
    const o = this.options;
    // A target that stops answering (deadlock, GC death spiral) must not stall the hunt
    // for hours of timeouts: no response for this long ends the load with a clear reason.
    const stallMs = this.stallMs();
    const ticker = setInterval(() => {
      // Only time spent loading counts: snapshots and checkpoints between segments do not.
      if (this.recorder.requests !== this.progress.count)
        this.progress = { count: this.recorder.requests, stalledMs: 0 };
      else this.progress.stalledMs += 1000;
      if (this.progress.stalledMs > stallMs && !this.targetHung) {
        this.targetHung = true;
        this.log(
          'error',
          `the target stopped answering: no response for ${Math.round(stallMs / 1000)} s (${this.recorder.errors} errors so far); ending the hunt`,
        );
        this.abortLoad.abort();
      }
      const live = this.recorder.liveStats(2000);
      this.emitEvent({
        type: 'load',
        id: this.id,
        requests: live.requests,
        errors: live.errors,
        rps: live.rps,
        latencyMs: { p50: live.p50, p95: live.p95, p99: live.p99 },
      });
    }, 1000);
    ticker.unref();
    try {
      const stage = this.currentStage();
      const phase = {
        endpoints,
        concurrency: stage?.users ?? o.concurrency,
        requests: budget.requests,
        durationMs: budget.durationMs,
        rate: o.rate ?? stage?.rate,
        timeoutMs: this.scenario?.timeout ?? o.requestTimeoutMs,
        thinkTimeMs: this.scenario && this.scenario.thinkTime[1] > 0 ? this.scenario.thinkTime : undefined,
        signal: this.abortLoad.signal,
      };
      const from = this.remoteLoad;
      const at = this.remote?.target;
      if (from && at)
        await from.run(
          { ...phase, endpoints: hostEndpoints(endpoints, at.port, at.remotePort) },
          this.recorder,
        );
      else await runLoad(phase, this.recorder);
    } finally {
      clearInterval(ticker);
    }
  }

  /** The scenario stage in force at this point of the measured phase (warm-up uses the first). */
  private currentStage(): { users: number; rate?: number } | null {
    if (!this.scenario) return null;
    const stages = scenarioStages(this.scenario);
    let elapsed = this.measuredStart === null ? 0 : performance.now() - this.measuredStart;
    for (const st of stages) {
      if (elapsed < st.durationMs) return st;
      elapsed -= st.durationMs;
    }
    return stages[stages.length - 1];
  }

  /** No response for this long (across load segments) means the target hangs. */
  private stallMs(): number {
    return Math.max(15_000, 3 * (this.scenario?.timeout ?? this.options.requestTimeoutMs));
  }

  private sleep(ms: number): Promise<void> {
    // the listener goes with its sleep: a --load none hunt sleeps once per checkpoint, and
    // listeners left on the signal pile up into Node's MaxListeners warning on stderr
    return new Promise((resolve) => {
      const signal = this.abortLoad.signal;
      if (signal.aborted) return resolve();
      const wake = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', wake);
        resolve();
      }, ms);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private treePss(): { pss: number | null; rss: number } {
    const root = this.target?.pid;
    const pids = root ? [root, ...descendants(root)] : [];
    let pss = 0;
    let rss = 0;
    let any = false;
    for (const pid of pids) {
      const r = readSmapsRollup(pid);
      if (!r) continue;
      any = true;
      pss += r.pssBytes;
      rss += r.rssBytes;
    }
    return { pss: any ? pss : null, rss };
  }

  private async checkpoint(): Promise<void> {
    let heapBytes: number | null = null;
    let externalBytes: number | null = null;
    try {
      if (this.workers) {
        const per = await this.workers.checkpoint();
        if (per.length) {
          heapBytes = per.reduce((a, p) => a + p.heapBytes, 0);
          externalBytes = per.reduce((a, p) => a + p.externalBytes, 0);
        }
        this.lifetimes?.record(per, this.recorder.requests);
      } else if (this.inspector) {
        const m = await this.inspector.collectAndMeasure();
        heapBytes = m.heapUsed + m.external;
        externalBytes = m.external;
      } else if (this.python) {
        const per = await this.python.checkpoint();
        if (per.length) heapBytes = per.reduce((a, p) => a + p.heapBytes, 0);
        this.lifetimes?.record(per, this.recorder.requests);
      }
    } catch (e) {
      if (!this.targetDied && !this.targetExiting)
        this.log('warn', `a post-GC measurement failed: ${(e as Error).message}`);
    }
    const { pss, rss } = this.remote ? await this.remote.treePss() : this.treePss();
    const cp: Checkpoint = {
      t: this.ms(),
      requests: this.recorder.requests,
      heapBytes,
      externalBytes,
      pssBytes: pss,
      rssBytes: rss,
      afterSnapshot: this.snapshotSinceCheckpoint,
    };
    this.snapshotSinceCheckpoint = false;
    this.checkpoints.push(cp);
    this.checkpointsOut?.append(cp);
    this.emitEvent({ type: 'checkpoint', id: this.id, checkpoint: cp });
  }

  /**
   * One segment of load in chunks, with a post-GC checkpoint of every Python process after
   * each while its workers are recycled: a life of a few hundred requests gets its own series.
   */
  private async loadWithLifetimeCheckpoints(
    endpoints: Endpoint[],
    requests: number | null,
    durationMs: number | null,
  ): Promise<void> {
    // --duration: the same chunks by requests, within the segment's time
    let left = requests ?? Number.POSITIVE_INFINITY;
    const until = durationMs !== null ? performance.now() + durationMs : Number.POSITIVE_INFINITY;
    const timeLeft = () => until - performance.now();
    while (left > 0 && timeLeft() > 0 && !this.stopRequested && !this.targetDied && !this.targetHung) {
      const every = this.lifetimes?.every(requests ?? Number.POSITIVE_INFINITY) ?? null;
      const chunk = every === null ? left : Math.min(left, every);
      await this.load(endpoints, {
        requests: Number.isFinite(chunk) ? chunk : undefined,
        durationMs: Number.isFinite(until) ? Math.max(1, timeLeft()) : undefined,
      });
      left -= chunk;
      if (timeLeft() <= 0) break;
      const perProcess = this.workers ?? this.python;
      if (left > 0 && perProcess && this.lifetimes) {
        try {
          this.lifetimes.record(await perProcess.checkpoint(), this.recorder.requests);
        } catch (e) {
          if (!this.targetDied && !this.targetExiting)
            this.log('warn', `a lifetime checkpoint failed: ${(e as Error).message}`);
        }
      }
    }
  }

  /**
   * Three censuses of every process within the youngest worker's life (it lives through all
   * three), for suspects when workers are recycled; null when none could be taken.
   */
  private async withinLifeCaptures(
    endpoints: Endpoint[],
  ): Promise<{ captures: PyCapture[]; requests: number } | null> {
    const python = this.python;
    const length = this.lifetimes?.lifeLength() ?? null;
    if (!python || !length) return null;
    try {
      // keep-alive connections can leave a worker without a request for a whole interval
      // (uvicorn): then the three censuses show it no growth, and another three are taken
      for (let attempt = 1; attempt <= 3; attempt++) {
        const got = await this.withinLifeTriple(python, endpoints, length, attempt);
        if (got !== 'again') return got;
      }
      return null;
    } catch (e) {
      if (!this.targetDied && !this.targetExiting)
        this.log('warn', `censuses within a worker's life failed: ${(e as Error).message}`);
      return null;
    }
  }

  /** A worker young enough to live through three captures; one comes along within a life of load. */
  private async youngWorker(
    source: NodeWorkers | PythonAgentSession,
    endpoints: Endpoint[],
    length: number,
  ): Promise<{ pid: number; requests: number } | null> {
    for (let tries = 0; tries < 12; tries++) {
      const per = await source.checkpoint();
      this.lifetimes?.record(per, this.recorder.requests);
      const gap = withinLifeGap(per, length);
      if (gap) return gap;
      await this.load(endpoints, { requests: Math.max(10, Math.floor(length / 4)) });
      if (this.targetDied || this.targetHung) return null;
    }
    return null;
  }

  private async withinLifeTriple(
    python: PythonAgentSession,
    endpoints: Endpoint[],
    length: number,
    attempt: number,
  ): Promise<{ captures: PyCapture[]; requests: number } | null | 'again'> {
    const gap = await this.youngWorker(python, endpoints, length);
    if (!gap) return null;
    this.log(
      'info',
      `workers are recycled every ~${length} requests: 3 censuses within the lives of the workers alive now (the youngest, ${gap.pid}, has over half its life left), ${gap.requests} requests apart, for the suspects${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
    );
    const captures: PyCapture[] = [];
    for (let k = 1; k <= 3; k++) {
      if (k > 1) await this.load(endpoints, { requests: gap.requests });
      if (this.targetDied || this.targetHung) return null;
      const label = attempt > 1 ? `life${attempt}-${k}` : `life-${k}`;
      const capture = await python.capture(label, {
        atRequests: this.recorder.requests,
        revealStrings: this.options.revealStrings,
      });
      const name = `python-capture-${label}.json`;
      writeFileAtomic(path.join(this.dir, name), JSON.stringify(capture));
      this.snapshots.push({
        file: name,
        label,
        atRequests: this.recorder.requests,
        bytes: JSON.stringify(capture).length,
      });
      captures.push(capture);
    }
    // the workers alive through all three, against the requests they served themselves (the
    // load is not shared out evenly); summed, they must have served some in both intervals
    const id = (p: PyCensus) => `${p.pid}:${p.startedAt}`;
    const common = captures[0].processes
      .filter((p) => typeof p.served === 'number')
      .map(id)
      .filter((k) => captures.every((c) => c.processes.some((p) => id(p) === k)));
    const mine = captures.map((c) => {
      const processes = c.processes.filter((p) => common.includes(id(p)));
      return { ...c, atRequests: processes.reduce((a, p) => a + (p.served ?? 0), 0), processes };
    });
    const [a, b, c] = mine.map((m) => m.atRequests);
    if (common.length === 0 || !(b > a && c > b)) return 'again';
    return { captures: mine, requests: (mine[2].atRequests ?? 0) - (mine[0].atRequests ?? 0) };
  }

  /**
   * Three heap snapshots of one Node worker within its life (the youngest, which lives through
   * all three), against the requests it served itself: the suspects when workers are recycled.
   */
  private async withinLifeSnapshots(
    endpoints: Endpoint[],
  ): Promise<{ files: string[]; at: number[]; pid: number } | null> {
    const workers = this.workers;
    const length = this.lifetimes?.lifeLength() ?? null;
    if (!workers || !length) return null;
    try {
      const gap = await this.youngWorker(workers, endpoints, length);
      const worker = gap ? workers.inspectorOf(gap.pid) : null;
      if (!gap || !worker) return null;
      await this.switchInspector(worker);
      this.log(
        'info',
        `workers are recycled every ~${length} requests: 3 heap snapshots within the life of worker ${gap.pid} (over half its life left), ${gap.requests} requests apart, for the suspects`,
      );
      const files: string[] = [];
      const at: number[] = [];
      for (let k = 1; k <= 3; k++) {
        if (k > 1) await this.load(endpoints, { requests: gap.requests });
        if (this.targetDied || this.targetHung || workers.inspectorOf(gap.pid) !== worker) return null;
        const served = await workers.served(gap.pid);
        const file = await this.heapCapture(this.snapshots.length + 1, `life-${k}`);
        if (served === null || !file) return null;
        files.push(file);
        at.push(served);
      }
      return files.length === 3 && at[1] > at[0] && at[2] > at[1] ? { files, at, pid: gap.pid } : null;
    } catch (e) {
      if (!this.targetDied && !this.targetExiting)
        this.log('warn', `snapshots within a worker's life failed: ${(e as Error).message}`);
      return null;
    }
  }

  /** Take the runtime's heap data; returns the snapshot file for Node. */
  private async heapCapture(no: number, label: string): Promise<string | null> {
    this.setPhase('snapshot', 0, `heap snapshot ${no} (${label})`);
    const at = this.recorder.requests;
    try {
      if (this.inspector) {
        this.log(
          'info',
          `taking heap snapshot ${no} (${label}): the target is frozen while V8 writes it, and its memory may briefly double`,
        );
        const name = `snapshot-${no}-${label}.heapsnapshot`;
        const file = path.join(this.dir, name);
        this.snapshotSinceCheckpoint = true;
        const { bytes, pauseMs } = await this.inspector.takeSnapshot(file);
        this.snapshots.push({
          file: name,
          label,
          atRequests: at,
          bytes,
          pid: this.inspector.pid,
          pauseMs: Math.round(pauseMs),
        });
        this.log(
          'info',
          `snapshot ${no}: ${(bytes / 1048576).toFixed(1)} MB, target paused ${Math.round(pauseMs)} ms`,
        );
        this.lastSnapshotWrittenAt = performance.now();
        return file;
      }
      if (this.python) {
        this.snapshotSinceCheckpoint = true;
        const capture = await this.python.capture(label, {
          tracemalloc: label === 'final' && !this.options.safe,
          atRequests: at,
          revealStrings: this.options.revealStrings,
        });
        // tracemalloc slows requests ~2×: on only for the last interval, whose allocations
        // are the ones the suspects' sites come from.
        if (label === 'middle' && !this.options.safe) await this.python.startTracemalloc(1);
        if (label === 'final' && !this.options.safe) await this.python.stopTracemalloc();
        const name = `python-capture-${no}-${label}.json`;
        writeFileAtomic(path.join(this.dir, name), JSON.stringify(capture));
        this.pyCaptures.push(capture);
        this.snapshots.push({ file: name, label, atRequests: at, bytes: JSON.stringify(capture).length });
        this.lastSnapshotWrittenAt = performance.now();
        return path.join(this.dir, name);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
        // Keep what is on disk, stop adding to it: the final result still needs a little room.
        this.log('error', `the disk is full: heap snapshot ${no} could not be written; stopping the hunt`);
        this.diskFull = true;
        this.stop();
      } else if (this.workers && this.inspector?.cdp.closed)
        this.log(
          'info',
          `heap capture ${no} skipped: worker ${this.inspector.pid} exited (recycled) before it`,
        );
      else if (!this.targetDied && !this.targetExiting)
        this.log('warn', `heap capture ${no} failed: ${(e as Error).message}`);
    }
    return null;
  }

  private async analyse(files: string[], at: number[]): Promise<Suspect[]> {
    const requestsBetween = at.length >= 2 ? at[at.length - 1] - at[0] : this.recorder.requests;
    if (this.python && this.pyCaptures.length >= 3) {
      return pythonSuspects(this.pyCaptures.slice(-3), requestsBetween, this.python);
    }
    if (!this.inspector || files.length < 2) return [];
    // The sampling profiler's live samples say where the suspects were allocated.
    const allocationProfile = await this.saveAllocationProfile();
    const result = await analyzeSnapshots(files, {
      requestsBetween,
      snapshotRequests: at.length === files.length ? at : undefined,
      revealStrings: this.options.revealStrings,
      allocationProfile: allocationProfile ?? undefined,
      onProgress: (p) => this.setPhase('analysis', p.percent / 100, `analysis: ${p.phase}`),
    });
    this.lastDiff = result.diff ?? null;
    // a TypeScript or bundled server is shown at its own source lines
    return mapAllocationSites(result.suspects);
  }

  /** Stop the sampling heap profiler once and keep its profile on disk. */
  private async saveAllocationProfile(): Promise<unknown> {
    if (this.allocationProfile !== undefined) return this.allocationProfile;
    this.allocationProfile = null;
    if (!this.inspector || this.targetDied) return null;
    try {
      this.allocationProfile = await this.inspector.stopSampling();
      writeFileAtomic(path.join(this.dir, FILES.allocationProfile), JSON.stringify(this.allocationProfile));
    } catch {
      // the target is gone or the profiler was never started
    }
    return this.allocationProfile;
  }

  private async finish(
    status: RunStatus,
    failure: Error | null,
    verdict: Verdict | null,
    suspects: Suspect[],
  ): Promise<Result> {
    this.phase = 'stopping';
    this.stopHeapPoll();
    await this.loadCommand?.stop();
    this.sampler?.stop();
    await this.saveAllocationProfile();
    if (this.workers)
      await this.workers.close(); // `inspector` is one of its sessions
    else
      await this.inspector
        ?.close(this.attachInspector ? () => (this.attachInspector as AttachInspector).close() : undefined)
        .catch((e: Error) => this.log('warn', `could not close the target's inspector: ${e.message}`));
    await this.detachPython();
    await this.python?.close().catch(() => {});
    const exit = this.target ? await this.target.stop() : null;
    this.remoteLoad?.close();
    const remoteInfo = this.remote
      ? {
          ...(await this.remote.info()),
          ...(this.remoteLoad
            ? {
                loadNode: this.remoteLoad.node ?? undefined,
                loadBytes: this.remoteLoad.bytesSent + this.remoteLoad.bytesReceived,
              }
            : {}),
          ...(this.options.spawn ? { spawned: true } : {}),
        }
      : undefined;
    if (this.remote && !this.linkLost) await this.python?.shutdownAgents().catch(() => []); // a dormant agent drops its state
    await this.remote?.close();
    if (failure && !this.targetDied && !(failure instanceof UserError)) this.log('error', failure.message);
    const ending = this.ending(status, failure, exit);
    const finalVerdict: Verdict =
      verdict ??
      endingVerdict({
        ending: ending ?? { kind: 'failed', message: failure?.message ?? null },
        requests: this.recorder.requests,
        checkpoints: this.checkpoints,
        heapKnown: this.inspector !== null || this.python !== null,
      });
    const load: LoadStats | null =
      this.recorder.requests > 0 || this.options.load === 'builtin'
        ? { ...this.recorder.stats(), via: this.remoteLoad ? 'host' : this.remote ? 'ssh-forward' : 'local' }
        : null;
    const result: Result = {
      schemaVersion: SCHEMA_VERSION,
      id: this.id,
      status,
      startedAt: this.startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      span: {
        firstRequestT: this.firstRequestT ?? this.checkpoints[0]?.t ?? null,
        lastMeasurementT: this.checkpoints.at(-1)?.t ?? null,
      },
      leakhoundVersion: VERSION,
      host: hostInfo(),
      options: this.options as unknown as Record<string, unknown>,
      target: targetSection({
        options: this.options,
        runtime: this.inspector
          ? 'node'
          : this.python
            ? 'python'
            : (this.runtime ?? guessRuntimeSafe(this.options)),
        runtimeVersion: this.inspector?.version ?? null,
        opened: this.target
          ? {
              pid: this.target.pid,
              argv: this.target.argv,
              url: (this.target instanceof AttachedTarget ? this.target.nsUrl : null) ?? this.target.url,
              output: this.target.stderrTail?.get().filter((l) => !isInspectorChatter(l)) ?? null,
              exitNote:
                (this.targetDied || this.linkLost) &&
                (this.target instanceof AttachedTarget || this.target instanceof RemoteTarget)
                  ? this.target.exitNote()
                  : null,
            }
          : null,
        exit,
        died: this.targetDied,
        linkLost: this.linkLost !== null,
        processes: this.sampler?.processes() ?? [],
        restarts: this.sampler?.restarts() ?? 0,
        attach: this.attachInfo ?? null,
        remote: (remoteInfo as Result['target']['remote']) ?? null,
      }),
      load,
      samples: this.samples.values(),
      checkpoints: this.checkpoints,
      verdict: finalVerdict,
      suspects,
      snapshots: this.snapshots,
      warnings: this.warnings,
      revealStrings: this.options.revealStrings,
      ...endingError(ending, failure?.message ?? null, { requests: this.recorder.requests, dir: this.dir }),
    };
    const checked = resultSchema.parse(result);
    for (const w of [this.samplesOut, this.checkpointsOut]) w?.close();
    const diskError = this.samplesOut?.error ?? this.checkpointsOut?.error;
    if (diskError) checked.warnings.push(`some samples could not be written to disk: ${diskError.message}`);
    if (this.diskFull) checked.warnings.push('the disk filled up during the run: the hunt was stopped early');
    try {
      writeFileAtomic(path.join(this.dir, FILES.result), `${JSON.stringify(checked, null, 1)}\n`);
    } catch (e) {
      this.eventsOut?.close();
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC')
        throw new UserError(
          `the disk is full: ${this.dir}/result.json could not be written; what was gathered is kept there (samples.jsonl, checkpoints.jsonl); free some space, then run \`leakhound runs --repair ${this.dir}\``,
        );
      throw e;
    }
    writeMeta(this.dir, {
      id: this.id,
      startedAt: this.startedAt.toISOString(),
      status,
      command: result.target.command,
      options: result.options,
      ownerPid: process.pid,
      targetPid: result.target.pid,
      endedAt: result.endedAt,
    });
    this.phase = 'done';
    this.emitEvent({
      type: 'phase',
      id: this.id,
      phase: status === 'failed' ? 'failed' : 'done',
      progress: 1,
      message: status,
    });
    this.emitEvent({ type: 'done', id: this.id, status });
    this.eventsOut?.close();
    if (failure instanceof UserError) throw failure;
    if (failure && status === 'failed') throw failure;
    return checked;
  }

  /** Why the hunt could not judge its figures, when it could not (verdict/ending.ts words it). */
  private ending(status: RunStatus, failure: Error | null, exit: ExitInfo | null): Ending | null {
    if (this.linkLost) return { kind: 'link-lost', host: this.options.host ?? '', why: this.linkLost };
    if (this.targetDied)
      return {
        kind: 'target-died',
        exit:
          this.target instanceof AttachedTarget
            ? 'not our child: exit status unknown'
            : exit?.signal
              ? `signal ${exit.signal}`
              : `exit code ${exit?.code}`,
      };
    if (this.diskFull) return { kind: 'disk-full' };
    if (this.targetHung) return { kind: 'target-hung', stallMs: this.stallMs() };
    if (status === 'interrupted') return { kind: 'interrupted' };
    if (failure) return { kind: 'failed', message: failure.message };
    return null;
  }
}

function diedBeforeServing(target: HuntTarget | null): string {
  const exit = target?.exit;
  const how = exit?.signal
    ? `was killed by ${exit.signal}`
    : exit?.code !== null && exit?.code !== undefined
      ? `exited with code ${exit.code}`
      : 'was gone';
  const tail = lastOutput((target?.stderrTail?.get() ?? []).filter((l) => !isInspectorChatter(l)));
  return `the target ${how} before answering any request${tail.length ? `; its last output:\n${tail.map((l) => `    ${l}`).join('\n')}` : ''}`;
}

function guessRuntimeSafe(o: RunOptions): 'node' | 'python' | 'other' {
  try {
    return o.spawn ? guessRuntime(o.spawn, o.cwd ?? process.cwd()) : 'other';
  } catch {
    return 'other';
  }
}
