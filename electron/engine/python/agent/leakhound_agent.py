"""leakhound's in-process agent for Python targets.

Started by leakhound's sitecustomize when LEAKHOUND_AGENT_DIR is set. Every Python process
(a gunicorn master and each forked worker) listens on its own Unix socket
`<dir>/py-<pid>.sock` (mode 0600, in a 0700 directory the client created) and answers
JSON-line requests from a daemon thread, so the application's threads are never used.

Requests:  {"id": 1, "cmd": "census", "args": {...}}\n
Responses: {"id": 1, "ok": true, "result": {...}} or {"id": 1, "ok": false, "error": "..."}\n

Heavy commands hold the GIL only in their C calls (gc.collect, gc.get_objects, batched
gc.get_referents); the Python loops between them let request threads run every switch
interval. Each result reports the wall time and the longest single C call (`maxHoldMs`).
Standard library only; Python 3.8+.
"""

import atexit
import bisect
import functools
import gc
import itertools
import json
import operator
import os
import socket
import struct
import sys
import threading
import time
import types
from array import array

# The C half of tracemalloc only: a builtin module with no imports of its own. Every import the
# agent does lazily from its thread can be caught half-done by a fork (the child then sees a
# partially initialised module forever), so the agent imports up front whatever it can.
import _tracemalloc

AGENT_VERSION = 1
_BATCH = 2000  # objects per gc.get_referents call: bounds each GIL hold to ~1 ms
_MAX_LINE = 1 << 20
# The cheap "heap" figure of a checkpoint is sys.getallocatedblocks() x this constant: exact
# and O(1) for the block count, approximate for the bytes. A fixed constant (not a per-process
# measurement) keeps the series free of jumps and comparable between workers; each census
# reports the measured mean (`bytesPerBlock`, census bytes / blocks) so the error is visible.
_BLOCK_BYTES = 64.0

_agent = None
_hooks_installed = False
# Held while a command runs. A fork waits for it (bounded), so a child never inherits a census
# half-done: the census thread does not exist in the child, and whatever its frames held
# (lists of every object) would stay alive there forever.
_busy = threading.Lock()
_fork_waited = False
_FORK_WAIT_S = 30.0


# An object the app is still building can be in what gc.get_objects() and gc.get_referrers()
# return: a tuple that tuple(generator) fills is GC-tracked from its birth and resized in place
# at the end, which CPython refuses (SystemError: bad argument to internal function) while any
# other reference to it exists. The agent's list was one: a gunicorn worker importing its app
# while a census ran failed to boot (gunicorn exit 3), and a request doing the same got a 500.
# So exact tuples are dropped inside the very C call that lists the objects (no bytecode runs
# there, so no other thread can), with collection off (a finalizer would be bytecode); tuples
# that something holds are found again as its referents (a tuple being built is held by C alone).
_IS_TUPLE = functools.partial(operator.is_, tuple)
# groupby by exact type (type(o), never o.__class__, which app code may compute) and a dict that
# turns each group of tuples into nothing: all C, unlike a filter with a Python predicate.
# (itertools.tee + compress is C too, but measured: it let other threads see the tuples.)
_DROP_TUPLES = {tuple: ()}.get


def _without_tuples(fn, *args):
    """fn(*args) (a list of objects) minus exact tuples, never held where another thread runs."""
    was = gc.isenabled()
    gc.disable()
    try:
        # the None at the end is what groupby keeps as its last item once the call is over
        listed = itertools.chain(itertools.chain.from_iterable(itertools.starmap(fn, (args,))), (None,))
        out = list(itertools.chain.from_iterable(itertools.starmap(_DROP_TUPLES, itertools.groupby(listed, type))))
        del listed
    finally:
        if was:
            gc.enable()
    out.pop()
    # fn runs inside list(), so the list being filled is among what gc.get_objects() lists: a
    # cycle that kept every object one reference higher until the next collection (the owned
    # walk's refcount test then found nothing owned). Identity only: == would run app code.
    for i, o in enumerate(out):
        if o is out:
            del out[i]
            break
    o = None
    return out


def start(sock_dir, dormant=False):
    """Start (once per process) the agent serving on <sock_dir>/py-<pid>.sock.

    A dormant agent (started from the environment that `leakhound agent --print-env` prints)
    only waits on its socket until a hunt connects, and outlives each hunt: `shutdown` then
    drops what the hunt built and keeps listening, so the next attach needs no debugger.
    """
    global _agent, _hooks_installed
    if _agent is not None and _agent.pid == os.getpid():
        return _agent
    _check_dir(sock_dir)
    agent = _Agent(sock_dir)
    agent.dormant = dormant
    agent.listen()
    _agent = agent
    if not _hooks_installed:
        _hooks_installed = True
        if hasattr(os, 'register_at_fork'):
            os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent, after_in_child=_after_fork_child)
        atexit.register(_at_exit)
    return agent


def _check_dir(sock_dir):
    st = os.stat(sock_dir)  # missing dir: the run is over, do not recreate it
    if st.st_uid != os.getuid():
        raise RuntimeError('%s is not owned by this user' % sock_dir)
    if st.st_mode & 0o077:
        raise RuntimeError('%s must be mode 0700, not %o' % (sock_dir, st.st_mode & 0o777))


def _before_fork():
    global _fork_waited
    _fork_waited = _busy.acquire(timeout=_FORK_WAIT_S)


def _after_fork_parent():
    global _fork_waited
    if _fork_waited:
        _fork_waited = False
        _busy.release()


def _after_fork_child():
    # Runs in the child right after fork, when only the forking thread exists: no locks of the
    # parent's agent may be taken here. The inherited listening socket is closed but its file
    # (the parent's) is left alone; the child then listens under its own pid.
    global _importing, _busy, _fork_waited
    _busy = threading.Lock()  # the inherited one may be held by a thread that is not here
    _fork_waited = False
    if _importing:
        _importing = False
        _purge_half_imports()
    old = _agent
    if old is None:
        return
    try:
        old.sock.close()
    except Exception:
        pass
    if old.tm_started_by_us:
        try:
            if _tracemalloc.is_tracing():
                _tracemalloc.stop()
        except Exception:
            pass
    try:
        start(old.dir, old.dormant)
    except Exception as exc:
        sys.stderr.write('leakhound: python agent not started in child %d: %s\n' % (os.getpid(), exc))


def _at_exit():
    # atexit handlers are inherited by forked children: only remove this process's own socket.
    agent = _agent
    if agent is not None and agent.pid == os.getpid():
        agent.close()


# Requests this process served, by the server's own counter: growth is fitted within each
# worker's life against the requests that worker served (issue 16). (pid, read) once found.
_served_source = None


def _requests_served():
    global _served_source
    src = _served_source
    if src is None or src[0] != os.getpid():
        read = _find_served_counter()
        src = (os.getpid(), read)
        if read is not None:
            _served_source = src
    if src[1] is None or src[1] is False:
        return None
    try:
        return int(src[1]())
    except Exception:
        return None


def _find_served_counter():
    """gunicorn's worker.nr (sync, gthread, gevent, tornado workers), from the main thread's
    stack; uvicorn's server_state.total_requests (its Server object is found by its class).
    False (never look again) in a gunicorn master; None (look again later) when not found."""
    base = getattr(sys.modules.get('gunicorn.workers.base'), 'Worker', None)
    main = threading.main_thread().ident
    f = sys._current_frames().get(main)
    # innermost first: a worker's stack runs inside the arbiter's spawn_worker frame
    while f is not None:
        me = f.f_locals.get('self') if 'self' in f.f_code.co_varnames else None
        mod = getattr(type(me), '__module__', '') or ''
        if isinstance(base, type) and isinstance(me, base):
            if mod.startswith('gunicorn.workers') and isinstance(getattr(me, 'nr', None), int):
                return lambda w=me: w.nr
            break  # another server's worker class (uvicorn's) counts in its own server
        if mod == 'gunicorn.arbiter':
            return False
        f = f.f_back
    f = None
    server = sys.modules.get('uvicorn.server')
    cls = getattr(server, 'Server', None)
    if isinstance(cls, type):
        for o in _without_tuples(gc.get_referrers, cls):
            if type(o) is cls and hasattr(o, 'server_state'):
                return lambda srv=o: srv.server_state.total_requests
    return None


def _type_key(t):
    # 'module:qualname': the colon keeps the split unambiguous (modules and qualnames both have dots)
    mod = getattr(t, '__module__', None) or '?'
    name = getattr(t, '__qualname__', None) or getattr(t, '__name__', '?')
    return '%s:%s' % (mod, name)


_LIBRARY_DIRS = ('/site-packages/', '/dist-packages/')


def _library_modules(keys):
    """Modules (of the given 'module:qualname' keys) that belong to Python or to installed
    packages, not to the app: a leak is first looked for in the app's own classes, and a
    deque or Future of the server library that grows with it comes after them."""
    stdlib = getattr(sys, 'stdlib_module_names', frozenset()) | frozenset(sys.builtin_module_names)
    out = set()
    for mod in {k[: k.index(':')] for k in keys}:
        if mod.split('.', 1)[0] in stdlib:
            out.add(mod)
            continue
        m = sys.modules.get(mod)
        f = getattr(m, '__file__', None) or ''
        if any(d in f for d in _LIBRARY_DIRS):
            out.add(mod)
    return out


def _ms(seconds):
    return round(seconds * 1000.0, 3)


class _Timer:
    """Wall time of a whole command and the longest single GIL-holding C call in it."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.cpu0 = time.thread_time()
        self.max_hold = 0.0
        self.max_hold_cpu = 0.0  # the same call's CPU time: what it costs without a busy machine's waits

    def call(self, fn, *args):
        s = time.perf_counter()
        c = time.thread_time()
        r = fn(*args)
        d = time.perf_counter() - s
        dc = time.thread_time() - c
        if d > self.max_hold:
            self.max_hold = d
        if dc > self.max_hold_cpu:
            self.max_hold_cpu = dc
        return r

    def wall(self):
        return time.perf_counter() - self.t0

    def cpu(self):
        # CPU time of the agent thread alone: the wall figures also count time the OS gave
        # other processes on a busy machine
        return time.thread_time() - self.cpu0


class _Agent:
    def __init__(self, sock_dir):
        self.dir = sock_dir
        self.pid = os.getpid()
        self.started_at = time.time()
        self.path = os.path.join(sock_dir, 'py-%d.sock' % self.pid)
        self.sock = None
        self.first_counts = None  # type key -> count at this process's first census
        # sorted ids of every object at the first census (8 bytes per object): tells the
        # instances created since then from the old ones, as memlab does with node ids
        self.first_ids = None
        # the same for the latest census: a chain is looked for among the instances that are
        # new since then first, so that a worker's one-off set-up on its first requests (which
        # falls before the middle capture) does not supply the chain of a steady leak
        self.last_ids = None
        # modules loaded at the first census: a module imported later (lazily, or by the agent
        # itself) brings one-off new objects, never the root of a steady leak
        self.first_modules = None
        # blocks the agent keeps for itself (the first census's state, ctypes): left out of the
        # checkpoint's heap figure so that taking the baseline does not look like growth
        self.own_blocks = 0
        self.tm_started_by_us = False
        self.tm_deadline = None
        self.closed = False
        self.dormant = False

    # ---- transport -------------------------------------------------------------------------

    def listen(self):
        try:
            os.unlink(self.path)  # a dead process's socket that had our (reused) pid
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the file is born 0600: no window where others may connect
        try:
            s.bind(self.path)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        s.listen(8)
        self.sock = s
        t = threading.Thread(target=self._serve, name='leakhound-agent', daemon=True)
        t.start()

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(); close() alone does not
        except Exception:
            pass
        try:
            self.sock.close()
        except Exception:
            pass
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                self._handle(conn)
            except Exception:
                pass
            finally:
                try:
                    conn.close()
                except Exception:
                    pass

    def _peer_allowed(self, conn):
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
            _pid, uid, _gid = struct.unpack('3i', creds)
            return uid == os.getuid() or uid == 0
        except Exception:
            return True  # platform without SO_PEERCRED: the 0700 directory still guards us

    def _handle(self, conn):
        if not self._peer_allowed(conn):
            return
        conn.settimeout(120)
        buf = b''
        while True:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                return
            if not chunk:
                return
            buf += chunk
            if len(buf) > _MAX_LINE:
                return
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                if line.strip():
                    conn.sendall(json.dumps(self._dispatch(line)).encode('utf-8') + b'\n')

    def _dispatch(self, line):
        rid = None
        try:
            req = json.loads(line.decode('utf-8'))
            rid = req.get('id')
            cmd = req.get('cmd')
            args = req.get('args') or {}
            fn = _COMMANDS.get(cmd)
            if fn is None:
                return {'id': rid, 'ok': False, 'error': 'unknown command %r' % (cmd,)}
            with _busy:
                self._expire_tracemalloc()
                result = fn(self, **args)
            return {'id': rid, 'ok': True, 'result': result}
        except Exception as exc:
            return {'id': rid, 'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}

    # ---- commands --------------------------------------------------------------------------

    def ping(self):
        return {
            'pid': os.getpid(),
            'ppid': os.getppid(),
            'python': sys.version.split()[0],
            'implementation': sys.implementation.name,
            'executable': sys.executable,
            'argv': list(getattr(sys, 'argv', [])),
            'startedAt': self.started_at,
            'tracing': _tracemalloc.is_tracing(),
            'agentVersion': AGENT_VERSION,
        }

    def shutdown(self):
        """Stop serving and remove the socket (an attached target keeps nothing of ours open)."""
        global _agent
        self.tracemalloc_stop()
        if self.dormant:
            # back to sleep: the next hunt starts from a fresh first census
            self.first_counts = self.first_ids = self.last_ids = self.first_modules = None
            self.own_blocks = 0
            gc.collect()
            return {'pid': os.getpid(), 'stopped': False, 'dormant': True}
        # The listener goes now, before the answer (the connection being answered is its own
        # socket): once leakhound has the answer, nothing of ours listens in the target.
        self.close()
        if _agent is self:
            _agent = None  # forks from now on start no agent
        return {'pid': os.getpid(), 'stopped': True}

    def checkpoint(self):
        """Cheap post-GC figures for the memory curve; no per-object walk."""
        timer = _Timer()
        timer.call(gc.collect)
        blocks = sys.getallocatedblocks()
        return {
            'pid': os.getpid(),
            'startedAt': self.started_at,
            'served': _requests_served(),
            'allocatedBlocks': blocks,
            'agentBlocks': self.own_blocks,
            'heapBytes': int(max(0, blocks - self.own_blocks) * _BLOCK_BYTES),
            'gcCounts': list(gc.get_count()),
            'gcCollections': [g.get('collections', 0) for g in gc.get_stats()],
            'wallMs': _ms(timer.wall()),
            'maxHoldMs': _ms(timer.max_hold),
        }

    def census(self, inspect=True, top=5, revealStrings=False, budgetMs=3000):
        """Count and sys.getsizeof total per type, including untracked objects."""
        timer = _Timer()
        if self.first_counts is None:
            # ctypes (the 3.11 site lookup) is loaded before the first count, not when the
            # tracemalloc window opens: its modules, classes and strings would otherwise grow
            # every process's census by a few hundred objects the app never made
            before = sys.getallocatedblocks()
            if _prepare_site_lookup():
                self.own_blocks += max(0, sys.getallocatedblocks() - before)
        timer.call(gc.collect)
        blocks = sys.getallocatedblocks()
        objs, n_tracked, n_untracked = self._all_objects(timer)
        getsizeof = sys.getsizeof
        try:
            sizes = list(map(getsizeof, objs))
        except Exception:  # a broken __sizeof__ in app code: fall back one by one
            sizes = [_safe_sizeof(o) for o in objs]
        counts = {}
        by_type = {}
        # what the agent made for itself (its first census's counts and id arrays) is not the
        # app's: counted in no census, so no type grows by it
        own = self._own_ids()
        own_bytes = 0
        for o, s in zip(objs, sizes):
            if own is not None and id(o) in own:
                own_bytes += s
                continue
            t = type(o)
            c = counts.get(t)
            if c is None:
                counts[t] = [1, s]
            else:
                c[0] += 1
                c[1] += s
        total_bytes = sum(sizes) - own_bytes
        types_out = {}
        for t, (c, b) in counts.items():
            key = _type_key(t)
            prev = types_out.get(key)
            if prev is None:
                types_out[key] = [c, b]
                by_type[key] = t
            else:  # distinct classes sharing module.qualname (made in a function): merged
                prev[0] += c
                prev[1] += b
        walk_ms = _ms(timer.wall())
        library = _library_modules(types_out)
        inspected = []
        if inspect and self.first_counts is not None:
            inspected = self._inspect_growth(types_out, by_type, objs, top, revealStrings, budgetMs / 1000.0, library)
        if self.first_counts is None:
            before = sys.getallocatedblocks()
            self.first_counts = {k: v[0] for k, v in types_out.items()}
            self.first_ids = array('Q', sorted(map(id, objs)))
            self.first_modules = frozenset(sys.modules)
            # the containers were allocated just now; their keys and counts earlier, by the census
            kept = len(self.first_counts) + sum(1 for c in self.first_counts.values() if c > 256)
            self.own_blocks += max(0, sys.getallocatedblocks() - before) + kept
            self.last_ids = self.first_ids
        elif inspect:
            if self.last_ids is self.first_ids:
                self.own_blocks += 2  # from now on an array (object + buffer) of its own, replaced each time
            self.last_ids = array('Q', sorted(map(id, objs)))
        del objs, sizes
        # what each inspected type's new instances keep alive, once the census lists that
        # refer to every object are gone (the refcount test below needs them gone)
        samples = self._owned_samples
        self._owned_samples = {}
        # one type's samples are often another's children (the dict inside each sampled
        # AuditEvent): references from the sample lists are allowed for in the refcount test
        held = {}
        for xs in samples.values():
            for o in xs:
                held[id(o)] = held.get(id(o), 0) + 1
        for ins in inspected:
            xs = samples.get(ins['type'])
            if xs:
                tally = {}
                per = [_owned_bytes(x, held, tally) for x in xs]
                ins['ownedBytes'] = round(sum(per) / float(len(per)), 1)
                ins['ownedSampled'] = len(per)
                # which builtins one instance owns (the str and float in each cached dict): they
                # grow with it and belong under it, not beside it as suspects of their own
                kinds = sorted(tally.items(), key=lambda kv: -kv[1])[:8]
                ins['ownedTypes'] = {_type_key(t): round(n / float(len(per)), 3) for t, n in kinds}
                tally.clear()
            del xs
        samples.clear()
        held.clear()
        return {
            'pid': os.getpid(),
            'ppid': os.getppid(),
            'startedAt': self.started_at,
            'served': _requests_served(),
            'objects': n_tracked + n_untracked,
            'trackedObjects': n_tracked,
            'untrackedObjects': n_untracked,
            'bytes': total_bytes,
            'allocatedBlocks': blocks,
            'bytesPerBlock': round(total_bytes / float(blocks), 2) if blocks else None,
            'types': types_out,
            'libraryModules': sorted(library),
            'inspected': inspected,
            'walkMs': walk_ms,
            'wallMs': _ms(timer.wall()),
            'cpuMs': _ms(timer.cpu()),
            'maxHoldMs': _ms(timer.max_hold),
            'maxHoldCpuMs': _ms(timer.max_hold_cpu),
        }

    def tracemalloc_start(self, frames=1, maxSeconds=900):
        before = sys.getallocatedblocks()
        if _prepare_site_lookup():  # ctypes, loaded for the agent's sake
            self.own_blocks += max(0, sys.getallocatedblocks() - before)
        if not _tracemalloc.is_tracing():
            _tracemalloc.start(int(frames))
            self.tm_started_by_us = True
        # a window that nobody closes (client died) closes itself
        self.tm_deadline = time.monotonic() + float(maxSeconds)
        return {'tracing': True, 'frames': _tracemalloc.get_traceback_limit()}

    def tracemalloc_stop(self):
        was = _tracemalloc.is_tracing()
        if was and self.tm_started_by_us:
            _tracemalloc.stop()
        self.tm_started_by_us = False
        self.tm_deadline = None
        return {'tracing': _tracemalloc.is_tracing(), 'wasTracing': was}

    def tracemalloc_snapshot(self, top=30):
        """Live blocks allocated since tracing started, grouped by file:line of the newest frame."""
        if not _tracemalloc.is_tracing():
            return {'tracing': False, 'top': [], 'tracedBytes': 0, 'peakBytes': 0, 'wallMs': 0, 'maxHoldMs': 0}
        timer = _Timer()
        traces = timer.call(_tracemalloc._get_traces)
        # group in one pass (never Snapshot.filter_traces: slow on big snapshots)
        groups = {}
        for tr in traces:  # (domain, size, frames, [total_nframe]); frames newest first
            frames = tr[2]
            k = frames[0] if frames else ('<unknown>', 0)
            g = groups.get(k)
            if g is None:
                groups[k] = [tr[1], 1]
            else:
                g[0] += tr[1]
                g[1] += 1
        del traces
        traced, peak = _tracemalloc.get_traced_memory()
        out = []
        for (f, line), (size, count) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
            if len(out) >= int(top):
                break
            if f == __file__:
                continue
            out.append({'file': f, 'line': line, 'bytes': size, 'count': count})
        return {
            'tracing': True,
            'top': out,
            'tracedBytes': traced,
            'peakBytes': peak,
            'wallMs': _ms(timer.wall()),
            'maxHoldMs': _ms(timer.max_hold),
        }

    def referrers(self, type_name, limit=3, revealStrings=False, budgetMs=3000):
        """Referrer chain from a module global or frame down to one instance of type_name."""
        timer = _Timer()
        objs, _, _ = self._all_objects(timer)
        key_match = _type_matcher(type_name)
        cands = [o for o in objs if key_match(type(o))]
        del objs
        chain, sites, _fresh = self._chain_for(cands, int(limit), revealStrings, budgetMs / 1000.0, [])
        return {
            'type': type_name,
            'instances': len(cands),
            'path': chain,
            'sites': sites,
            'wallMs': _ms(timer.wall()),
            'maxHoldMs': _ms(timer.max_hold),
        }

    # ---- internals -------------------------------------------------------------------------

    def _expire_tracemalloc(self):
        if self.tm_deadline is not None and time.monotonic() > self.tm_deadline:
            self.tracemalloc_stop()

    def _all_objects(self, timer):
        """Every tracked object plus the untracked ones reachable from them (deduplicated).

        gc.get_objects() alone misses untracked objects (dicts and tuples of atoms, strings,
        numbers); they are found as referents of tracked ones and, transitively, of untracked
        containers.
        """
        tracked = timer.call(_without_tuples, gc.get_objects)
        is_tracked = gc.is_tracked
        get_referents = gc.get_referents
        compress = itertools.compress
        seen = {}
        for i in range(0, len(tracked), _BATCH):
            refs = timer.call(get_referents, *tracked[i : i + _BATCH])
            found = list(itertools.filterfalse(is_tracked, refs))
            # the tuples (tracked or not) that tracked objects hold: left out of the listing above
            found.extend(compress(refs, map(_IS_TUPLE, map(type, refs))))
            seen.update(zip(map(id, found), found))
        frontier = list(seen.values())
        while frontier:
            nxt = []
            for i in range(0, len(frontier), _BATCH):
                refs = timer.call(get_referents, *frontier[i : i + _BATCH])
                found = list(itertools.filterfalse(is_tracked, refs))
                found.extend(compress(refs, map(_IS_TUPLE, map(type, refs))))
                for r in found:
                    k = id(r)
                    if k not in seen:
                        seen[k] = r
                        nxt.append(r)
            frontier = nxt
        rest = list(seen.values())
        seen.clear()
        n_tracked = len(tracked) + sum(map(is_tracked, rest))
        tracked.extend(rest)
        return tracked, n_tracked, len(tracked) - n_tracked

    _owned_samples = {}

    def _own_ids(self):
        """Ids of the objects the agent made for itself at its first census, or None before it."""
        fc = self.first_counts
        if fc is None:
            return None
        ids = {id(fc), id(self.first_ids), id(self.last_ids), id(self.first_modules)}
        ids.update(map(id, fc))  # 'module:qualname' keys, built by _type_key
        ids.update(id(v) for v in fc.values() if not -5 <= v <= 256)  # small ints are shared
        return ids

    def _inspect_growth(self, types_out, by_type, objs, top, reveal, budget, library):
        """Referrer chain and allocation sites for the types that grew most since the first census,
        the app's own classes before those of Python and installed packages."""
        grown = []
        for key, (count, size) in types_out.items():
            delta = count - self.first_counts.get(key, 0)
            if delta >= 20:
                own = key[: key.index(':')] not in library
                grown.append((own, delta * (size / float(count)), delta, key))
        grown.sort(reverse=True)
        grown = grown[: int(top)]
        wanted = {by_type[key] for _o, _w, _d, key in grown}
        buckets = {t: [] for t in wanted}
        for o in [o for o in objs if type(o) in wanted]:  # one pass over the heap for all types
            buckets[type(o)].append(o)
        out = []
        deadline = time.perf_counter() + budget
        for _o, _w, delta, key in grown:
            if time.perf_counter() > deadline:
                break
            cands = buckets[by_type[key]]
            chain, sites, fresh = self._chain_for(
                cands, 3, reveal, max(0.05, deadline - time.perf_counter()), [objs, buckets], latest=True
            )
            step = max(1, len(fresh) // _OWNED_SAMPLE)
            self._owned_samples[key] = fresh[::step][:_OWNED_SAMPLE]
            del fresh
            out.append({'type': key, 'countDelta': delta, 'path': chain, 'sites': sites})
        buckets.clear()
        _name_sites(out, objs)
        return out

    def _chain_for(self, cands, tries, reveal, budget, ignore, latest=False):
        """Allocation sites and one referrer chain for instances created since the first census
        (latest: since the latest census first, then since the first if that finds no chain)."""
        # look at an even sample (and the newest 200): a million instances need not all be checked
        stride = max(1, len(cands) // 4000)
        pool = cands[::stride] + cands[-200:] if stride > 1 else cands
        deadline = time.perf_counter() + budget
        since = [ids for ids in ((self.last_ids if latest else None), self.first_ids) if ids is not None and len(ids)]
        chain, sites = [], []
        for ids in since or [None]:
            fresh = (_not_in(pool, ids) if ids is not None else pool) or pool
            sites = _alloc_sites(fresh)
            # an even spread of the new instances plus the newest (gc order is roughly age order);
            # one multi-source search: any chain found leads to a new instance
            step = max(1, len(fresh) // 40)
            picks = fresh[::step][:40] + fresh[-tries:]
            chain = _referrer_chain(picks, reveal, deadline, ignore + [cands, pool, fresh, picks], self.first_modules)
            if chain:
                break
        return chain, sites, fresh


_OWNED_SAMPLE = 30
_NOT_OWNED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.FrameType, types.CodeType)


def _owned_bytes(x, held=None, tally=None, max_depth=6, max_objects=5000):
    """What x alone keeps alive (approximately its dominated size): x, plus each referent
    all of whose references come from x or from what is already x's own (by refcount),
    level by level. Shared objects (interned strings, a path every record points at) are
    not x's; cycles through outside objects end the walk. Measured against freeing the
    objects (owner_app's AuditEvent): within 1%."""
    getrefcount = sys.getrefcount
    getsizeof = sys.getsizeof
    own = {id(x)}
    total = _safe_sizeof(x)
    frontier = [x]
    for _depth in range(max_depth):
        inner = {}
        found = {}
        for p in frontier:
            for c in gc.get_referents(p):
                if isinstance(c, _NOT_OWNED):
                    continue
                k = id(c)
                if k in own:
                    continue
                inner[k] = inner.get(k, 0) + 1
                found[k] = c
        nxt = []
        c = None
        for k in list(found):
            c = found[k]
            # references held here: found's value, the name c, getrefcount's argument (and
            # the caller's sample lists, counted in held)
            if getrefcount(c) - 3 - (held.get(k, 0) if held else 0) == inner[k]:
                own.add(k)
                try:
                    total += getsizeof(c)
                except Exception:
                    pass
                if tally is not None and type(c).__module__ == 'builtins':
                    tally[type(c)] = tally.get(type(c), 0) + 1
                nxt.append(c)
        c = None
        found.clear()
        frontier = nxt
        if not nxt or len(own) > max_objects:
            break
    return total


def _name_sites(inspected, objs):
    """Each allocation site's function (co_qualname, else co_name): the innermost code object
    of that file whose lines hold the site's line. Only the sites' files are indexed."""
    files = {s['file'] for ins in inspected for s in ins['sites']}
    if not files:
        return
    codes = {}
    stack = [o.__code__ for o in objs if type(o) is types.FunctionType and o.__code__.co_filename in files]
    seen = set()
    while stack:
        co = stack.pop()
        if id(co) in seen:
            continue
        seen.add(id(co))
        try:
            lines = [ln for _s, _e, ln in co.co_lines() if ln is not None]
        except AttributeError:  # before 3.10
            lines = [co.co_firstlineno]
        if lines:
            codes.setdefault(co.co_filename, []).append((co.co_firstlineno, max(lines), co))
        stack.extend(c for c in co.co_consts if isinstance(c, types.CodeType))
    for ins in inspected:
        for s in ins['sites']:
            best = None
            for first, last, co in codes.get(s['file'], ()):
                if first <= s['line'] <= last and (best is None or first > best[0]):
                    best = (first, co)
            if best is not None:
                s['function'] = getattr(best[1], 'co_qualname', None) or best[1].co_name


def _not_in(objs, sorted_ids):
    """The objects whose id is not in sorted_ids (an array of ids, ascending)."""
    n = len(sorted_ids)
    out = []
    for o in objs:
        i = bisect.bisect_left(sorted_ids, id(o))
        if i == n or sorted_ids[i] != id(o):
            out.append(o)
    return out


def _safe_sizeof(o):
    try:
        return sys.getsizeof(o)
    except Exception:
        return 0


def _type_matcher(name):
    """'module:qualname', 'module.qualname' or a bare qualname ('AuditRecord', 'dict')."""
    for prefix in ('builtins:', 'builtins.'):
        if name.startswith(prefix):
            name = name[len(prefix) :]

    def match(t):
        q = getattr(t, '__qualname__', None)
        if q == name:
            return True
        mod = getattr(t, '__module__', None)
        return name in ('%s:%s' % (mod, q), '%s.%s' % (mod, q))

    return match


_raw_traceback = None
_importing = False  # True while this thread imports ctypes: a fork now leaves it half-done in the child


def _purge_half_imports():
    # Runs in a child forked while the agent thread was importing ctypes: that import can never
    # finish there (its thread is gone), so drop it and let the next import start afresh.
    bootstrap = sys.modules.get('_frozen_importlib')
    for name in list(sys.modules):
        if name not in ('ctypes', '_ctypes') and not name.startswith('ctypes.'):
            continue
        spec = getattr(sys.modules.get(name), '__spec__', None)
        if spec is not None and getattr(spec, '_initializing', False):
            del sys.modules[name]
            locks = getattr(bootstrap, '_module_locks', None)
            if isinstance(locks, dict):
                locks.pop(name, None)


def _prepare_site_lookup():
    """CPython 3.11 looks up objects with a managed __dict__ (plain class instances) at the
    wrong address: it forgets their 16-byte pre-header (fixed in 3.12). The right lookup needs
    ctypes, imported here once when a tracemalloc window opens."""
    global _raw_traceback, _importing
    if _raw_traceback is not None or sys.version_info[:2] != (3, 11):
        return False
    _importing = True
    try:
        import ctypes

        fn = ctypes.pythonapi._PyTraceMalloc_GetTraceback
        fn.restype = ctypes.py_object
        fn.argtypes = [ctypes.c_uint, ctypes.c_size_t]
        _raw_traceback = fn
    except Exception:
        _raw_traceback = False
    finally:
        _importing = False
    return True


def _object_site(o):
    """(file, line) where o was allocated, if tracemalloc traced it."""
    frames = _tracemalloc._get_object_traceback(o)
    if not frames and _raw_traceback and type(o).__flags__ & (1 << 4):  # Py_TPFLAGS_MANAGED_DICT
        frames = _raw_traceback(0, id(o) - 32)  # PyGC_Head (16) + managed-dict pre-header (16)
    if not frames:
        return None
    return frames[0][0], frames[0][1]


def _alloc_sites(cands):
    """Where sampled instances were allocated (file:line), when tracemalloc traced them."""
    if not _tracemalloc.is_tracing() or not cands:
        return []
    groups = {}
    sample = cands[-200:]
    for o in sample:
        k = _object_site(o)
        if k is None:
            continue
        g = groups.get(k)
        if g is None:
            groups[k] = [1, sys.getsizeof(o)]
        else:
            g[0] += 1
            g[1] += sys.getsizeof(o)
    ordered = sorted(groups.items(), key=lambda kv: -kv[1][0])
    return [{'file': f, 'line': ln, 'count': c, 'bytes': b, 'sampled': len(sample)} for (f, ln), (c, b) in ordered[:3]]


# modules that are never where a leak is held: the agent itself, ctypes (loaded for its site
# lookup), and sys (its module and import caches hold everything by name)
_NOT_ROOTS = ('leakhound_agent', 'sitecustomize', 'ctypes', '_ctypes', 'ctypes._endian', 'sys')


def _module_dicts(only=None):
    out = {}
    for name, mod in list(sys.modules.items()):
        if only is not None and name not in only:
            continue
        d = getattr(mod, '__dict__', None)
        if isinstance(d, dict):
            out.setdefault(id(d), name)
    return out


def _is_own_frame(f):
    return isinstance(f, types.FrameType) and f.f_code.co_filename == __file__


def _referrer_chain(targets, reveal, deadline, ignore, modules=None, max_depth=14, width=48):
    """Breadth-first over gc.get_referrers from several instances at once, one heap scan per
    level for the whole frontier; the first module dict or frame reached ends the search.

    `ignore` holds the caller's containers (census lists) that refer to everything; they and
    this function's own containers are skipped, and kept alive in `hold` so their ids stay theirs.
    """
    mod_dicts = _module_dicts(modules)
    late = set(_module_dicts()) - set(mod_dicts)  # modules loaded since the first census: not roots, not paths
    for name in _NOT_ROOTS:
        d = getattr(sys.modules.get(name), '__dict__', None)
        if d is not None:
            mod_dicts.pop(id(d), None)
            late.add(id(d))
    down = {}  # id(referrer) -> the object it refers to one step closer to the target
    keep = {}  # id -> object on the search tree, so ids stay valid while we search
    frontier = list(targets)
    for t in frontier:
        keep[id(t)] = t
    target_ids = set(keep)
    # the agent's own state (deadline floats, first_ids…) is never a leak's root
    hold = list(ignore) + [down, keep, mod_dicts, late, target_ids, _agent, globals()]
    own = set(map(id, hold))
    own.add(id(hold))
    for _depth in range(max_depth):
        if time.perf_counter() > deadline:
            return []
        # tuples left out (see _without_tuples): a chain through a closure's cell tuple is not followed
        refs = _without_tuples(gc.get_referrers, *frontier)
        fids = {id(x) for x in frontier}
        nxt = []
        for extra in (frontier, refs, fids, nxt):
            hold.append(extra)
            own.add(id(extra))
        for r in refs:
            rid = id(r)
            if rid in own or rid in keep or rid in late or _is_own_frame(r):
                continue
            if isinstance(r, types.FrameType) and r.f_code.co_filename.endswith('threading.py'):
                continue
            child = None
            for c in gc.get_referents(r):
                if id(c) in fids:
                    child = c
                    break
            if child is None:
                continue
            keep[rid] = r
            down[rid] = child
            if rid in mod_dicts or isinstance(r, types.FrameType):
                return _render_chain(r, down, target_ids, mod_dicts, reveal)
            nxt.append(r)
            if len(nxt) >= width:
                break
        del refs
        if not nxt:
            return []
        frontier = nxt
    return []


def _short(t):
    return getattr(t, '__qualname__', None) or _type_key(t)


def _render_chain(root, down, target_ids, mod_dicts, reveal):
    if isinstance(root, types.FrameType):
        code = root.f_code
        out = ['%s() frame (%s:%d)' % (code.co_name, os.path.basename(code.co_filename), root.f_lineno)]
        names_ok = True
    else:
        out = ['%s (module)' % mod_dicts[id(root)]]
        names_ok = True  # a module's globals are code names, never request data
    parent = root
    node = down[id(root)]
    while True:
        label = _edge_label(parent, node, names_ok, reveal)
        if id(node) in target_ids:
            out.append(label)
            out.append(_short(type(node)))
            return out
        out.append('%s (%s)' % (label, _short(type(node))))
        # a class's or an instance's attribute dict holds code names too
        names_ok = isinstance(node, dict) and (isinstance(parent, type) or label == '__dict__')
        parent = node
        node = down.get(id(node))
        if node is None:
            return out


def _key_label(k, reveal):
    if isinstance(k, (int, float, bool)) or k is None:
        return repr(k)
    if isinstance(k, (str, bytes)) and reveal:
        r = repr(k)
        return r if len(r) <= 40 else r[:37] + '...'
    if isinstance(k, tuple):
        return '(%s)' % ', '.join(_key_label(x, reveal) for x in k[:4])
    return '<%s>' % type(k).__name__


def _edge_label(parent, child, names_ok, reveal, scan_limit=2000000):
    if isinstance(parent, dict):
        for i, (k, v) in enumerate(parent.items()):
            if i > scan_limit:
                break
            if v is child:
                if names_ok and isinstance(k, str) and k.isidentifier():
                    return k
                return '[%s]' % _key_label(k, reveal)
            if k is child:
                return '<key>'
        return '<value>'
    if isinstance(parent, (list, tuple)):
        for i, v in enumerate(parent):
            if i > scan_limit:
                break
            if v is child:
                return '[%d]' % i
        return '<item>'
    if isinstance(parent, (set, frozenset)):
        return '<member>'
    if isinstance(parent, types.FrameType):
        for k, v in parent.f_locals.items():
            if v is child:
                return k
        return '<local>'
    if isinstance(parent, types.CellType if hasattr(types, 'CellType') else ()):
        return '<cell>'
    if isinstance(parent, types.FunctionType):
        if parent.__closure__:
            for name, cell in zip(parent.__code__.co_freevars, parent.__closure__):
                try:
                    if cell.cell_contents is child:
                        return name
                except ValueError:
                    pass
        return '<function>'
    if isinstance(parent, type):
        return '__dict__' if isinstance(child, dict) else '<ref>'
    attrs = getattr(parent, '__dict__', None)
    if attrs is child:
        return '__dict__'
    try:
        for k, v in (attrs or {}).items():
            if v is child:
                return '.%s' % k
    except Exception:
        pass
    for slot in getattr(type(parent), '__slots__', ()) or ():
        try:
            if getattr(parent, slot) is child:
                return '.%s' % slot
        except Exception:
            pass
    return '<ref>'


_COMMANDS = {
    'ping': _Agent.ping,
    'shutdown': _Agent.shutdown,
    'checkpoint': _Agent.checkpoint,
    'census': _Agent.census,
    'tracemalloc_start': _Agent.tracemalloc_start,
    'tracemalloc_stop': _Agent.tracemalloc_stop,
    'tracemalloc_snapshot': _Agent.tracemalloc_snapshot,
    'referrers': _Agent.referrers,
}
