# leakhound's remote helper: sent over the SSH connection on every hunt, run from a private
# temp folder (removed when it ends), standard library only, so a Python server box needs
# nothing installed. It reads /proc for the collecting side and relays requests to the Python
# agent's Unix sockets; it opens no port. It ends by itself when its stdin closes (the hunt
# ended, or the SSH link was lost), so nothing of leakhound outlives a hunt on the host.
#
# Protocol: JSON lines. In: {"id", "cmd", "args"}. Out: {"id", "ok", "result" | "error"},
# plus unsolicited {"ev": "s" | "exit"} lines while the sampler runs.
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

WORKDIR = sys.argv[1] if len(sys.argv) > 1 else None
PAGE = os.sysconf("SC_PAGE_SIZE")
CLK = os.sysconf("SC_CLK_TCK")
_out = threading.Lock()
_t0 = time.monotonic()


def cleanup_and_exit(code=0):
    stop_spawned()
    if WORKDIR and os.path.basename(WORKDIR).startswith("leakhound-rh-"):
        shutil.rmtree(WORKDIR, ignore_errors=True)
    os._exit(code)


def send(obj):
    data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
    with _out:
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except OSError:
            cleanup_and_exit(0)  # nobody listens any more


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError:
        return None


def status(pid):
    text = read_text("/proc/%d/status" % pid)
    if text is None:
        return None
    out = {"rss": 0, "ppid": 0, "threads": 1, "uid": -1, "nspid": pid, "state": "?"}
    for line in text.split("\n"):
        k, _, v = line.partition(":")
        v = v.strip()
        if k == "VmRSS":
            out["rss"] = int(v.split()[0]) * 1024
        elif k == "PPid":
            out["ppid"] = int(v)
        elif k == "Threads":
            out["threads"] = int(v)
        elif k == "Uid":
            out["uid"] = int(v.split()[0])
        elif k == "NSpid":
            out["nspid"] = int(v.split()[-1])
        elif k == "State":
            out["state"] = v[:1]
    return out


def start_ticks(pid):
    text = read_text("/proc/%d/stat" % pid)
    if text is None:
        return None
    return int(text[text.rfind(")") + 2 :].split()[19])


def cmdline(pid):
    text = read_text("/proc/%d/cmdline" % pid)
    if text is None:
        return None
    return [a for a in text.split("\0") if a != ""]


def exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid), None
    except PermissionError:
        return None, "denied"
    except OSError:
        return None, "gone"


def children(pid):
    kids = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return kids
    for tid in tids:
        text = read_text("/proc/%d/task/%s/children" % (pid, tid))
        if text:
            kids.extend(int(c) for c in text.split())
    return kids


def descendants(root, limit=4096):
    out, queue = [], [root]
    while queue and len(out) < limit:
        pid = queue.pop(0)
        for c in children(pid):
            out.append(c)
            queue.append(c)
    return out


def smaps(pid):
    text = read_text("/proc/%d/smaps_rollup" % pid)
    if not text:
        return None
    vals = {}
    for line in text.split("\n"):
        k, _, v = line.partition(":")
        if k in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            vals[k] = int(v.split()[0]) * 1024
    if "Pss" not in vals:
        return None
    return vals["Pss"], vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0), vals.get("Rss", 0)


def listen_inodes(pid=None):
    base = "/proc/net" if pid is None else "/proc/%d/net" % pid
    out = {}
    for name in ("tcp", "tcp6"):
        text = read_text("%s/%s" % (base, name)) or ""
        for line in text.split("\n")[1:]:
            f = line.split()
            if len(f) >= 10 and f[3] == "0A":
                out[int(f[9])] = int(f[1].rsplit(":", 1)[1], 16)
    return out


def socket_inodes(pid):
    out = []
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for fd in fds:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.append(int(link[8:-1]))
    return out


def ports_of(pid, table=None):
    table = listen_inodes(pid) if table is None else table
    return sorted({table[i] for i in socket_inodes(pid) if i in table})


def env_of(pid, key):
    text = read_text("/proc/%d/environ" % pid)
    if not text:
        return None
    for kv in text.split("\0"):
        if kv.startswith(key + "="):
            return kv[len(key) + 1 :]
    return None


def uptime_ms(ticks):
    up = float((read_text("/proc/uptime") or "0").split()[0])
    return max(0, int((up - ticks / CLK) * 1000))


def is_node_exe(path):
    import re

    base = os.path.basename(path or "")
    if re.match(r"^(node|nodejs)(\d+(\.\d+)*)?$", base):
        return True
    return base == "electron"


# ---- commands ------------------------------------------------------------------------


def cmd_hello(_):
    return {
        "pid": os.getpid(),
        "uid": os.getuid(),
        "python": sys.version.split()[0],
        "hostname": socket.gethostname(),
        "cpus": os.cpu_count() or 1,
        "kernel": os.uname().release,
        "workdir": WORKDIR,
    }


def cmd_ps(_):
    table = listen_inodes()
    rows = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid == os.getpid():
            continue
        st = status(pid)
        argv = cmdline(pid)
        if st is None or not argv:
            continue
        ticks = start_ticks(pid) or 0
        rows.append(
            {
                "pid": pid,
                "ppid": st["ppid"],
                "command": " ".join(argv),
                "ports": ports_of(pid, table),
                "rssBytes": st["rss"],
                "uptimeMs": uptime_ms(ticks),
                "exe": exe(pid)[0],
            }
        )
    return rows


def cmd_describe(a):
    pid = a["pid"]
    st = status(pid)
    if st is None:
        return {"alive": False}
    path, err = exe(pid)
    tree = descendants(pid)
    table = listen_inodes(pid)
    ports = set()
    for p in [pid] + tree:
        ports.update(ports_of(p, table))
    return {
        "alive": True,
        "exe": path,
        "exeError": err,
        "argv": cmdline(pid) or [],
        "uid": st["uid"],
        "nspid": st["nspid"],
        "startTicks": start_ticks(pid),
        "ports": sorted(ports),
        "descendants": tree,
        "nodeOptions": env_of(pid, "NODE_OPTIONS") or "",
        "electronAsNode": bool(env_of(pid, "ELECTRON_RUN_AS_NODE")),
    }


def cmd_alive(a):
    return os.path.exists("/proc/%d" % a["pid"])


def cmd_listening(a):
    return ports_of(a["pid"])


def cmd_holders(a):
    """Pids in `pid`'s network namespace that listen on `port`."""
    table = listen_inodes(a["pid"])
    inodes = {i for i, p in table.items() if p == a["port"]}
    out = []
    if not inodes:
        return out
    for name in os.listdir("/proc"):
        if name.isdigit() and inodes.intersection(socket_inodes(int(name))):
            out.append(int(name))
    return out


def cmd_sigusr1(a):
    # checked again here, right before the signal: SIGUSR1 kills anything but Node
    pid, ticks = a["pid"], a["startTicks"]
    path, err = exe(pid)
    if path is None:
        raise RuntimeError("cannot read /proc/%d/exe (%s): not signalled" % (pid, err))
    if not (is_node_exe(path) and (os.path.basename(path) != "electron" or env_of(pid, "ELECTRON_RUN_AS_NODE"))):
        raise RuntimeError("pid %d is %s, not node: refusing to send SIGUSR1" % (pid, os.path.basename(path)))
    if start_ticks(pid) != ticks:
        raise RuntimeError("pid %d is not the process checked before (it was restarted): not signalled" % pid)
    os.kill(pid, signal.SIGUSR1)
    return True


def cmd_tree_pss(a):
    root = a["root"]
    pss = rss = 0
    known = False
    for pid in [root] + descendants(root):
        r = smaps(pid)
        if r:
            known = True
            pss += r[0]
            rss += r[2]
    return {"pss": pss if known else None, "rss": rss}


def cmd_pss(a):
    r = smaps(a["pid"])
    return r[0] if r else None


def cmd_dormant(a):
    pid = a["pid"]
    st = status(pid)
    if st is None:
        return None
    d = "/proc/%d/root/tmp/leakhound-agent-%d" % (pid, st["uid"])
    return {"dir": d, "socket": os.path.join(d, "py-%d.sock" % st["nspid"]), "nspid": st["nspid"]}


def cmd_listdir(a):
    try:
        return os.listdir(a["path"])
    except OSError:
        return []


def cmd_unlink(a):
    try:
        os.unlink(a["path"])
    except OSError:
        pass
    return True


class AgentFailure(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


def cmd_agent(a):
    """One JSON-line request to one agent socket; the agent's own answer is passed back."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.get("timeoutMs", 5000) / 1000.0)
    try:
        try:
            s.connect(a["path"])
        except FileNotFoundError:
            raise AgentFailure("ENOENT", "no socket at %s" % a["path"])
        except ConnectionRefusedError:
            raise AgentFailure("ECONNREFUSED", "connection refused at %s" % a["path"])
        s.sendall((json.dumps({"id": 1, "cmd": a["cmd"], "args": a.get("args", {})}) + "\n").encode())
        buf = b""
        while b"\n" not in buf:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                raise AgentFailure("ETIMEDOUT", "did not answer %s in %d ms" % (a["cmd"], a.get("timeoutMs", 5000)))
            if not chunk:
                raise AgentFailure("EPROTO", "closed before answering %s" % a["cmd"])
            buf += chunk
        return json.loads(buf.split(b"\n", 1)[0].decode())
    finally:
        s.close()


def cmd_usage(_):
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpuMs": int((r.ru_utime + r.ru_stime) * 1000), "maxRssKb": r.ru_maxrss}


# ---- a server the hunt starts on the host (run --spawn / sweep with --host) ----------
# Started by this helper, so ended by it too: at the hunt's end (spawn_stop), when the helper
# ends for any other reason (stdin closed: the link is gone), and by its watchdog when the
# helper itself is killed. Its output comes back as "out" events.

OUT_CAP = 8 * 1024 * 1024
_spawned = {}  # pid -> {"popen", "code", "watchdog": the pipe's write end}


# Run beside each target in a session of its own, holding the read end of a pipe whose write
# end only the helper has: when the helper ends in any way (SIGKILL included), the read
# returns, the target's whole group gets SIGTERM, then SIGKILL (a parent-death signal would
# reach the master alone, and orphaned workers outlive it), and the helper's folder goes.
WATCHDOG = (
    "import os,shutil,signal,sys,time\n"
    "g=int(sys.argv[1]);sys.stdin.buffer.read()\n"
    "for s,w in ((signal.SIGTERM,3.0),(signal.SIGKILL,0)):\n"
    "  try: os.killpg(g,s)\n"
    "  except OSError: break\n"
    "  t=time.monotonic()+w\n"
    "  while time.monotonic()<t:\n"
    "    time.sleep(0.05)\n"
    "    try: os.killpg(g,0)\n"
    "    except OSError: t=0\n"
    "if len(sys.argv)>2 and os.path.basename(sys.argv[2]).startswith('leakhound-rh-'):\n"
    "  shutil.rmtree(sys.argv[2],ignore_errors=True)\n"
)


def _relay(pid, stream):
    sent = 0
    for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, "read1") else stream.read(4096), b""):
        if sent < OUT_CAP:
            send({"ev": "out", "pid": pid, "d": chunk.decode("utf-8", "replace")})
            sent += len(chunk)
            if sent >= OUT_CAP:
                send({"ev": "out", "pid": pid, "d": "\n[leakhound: target output beyond %d bytes not kept]\n" % OUT_CAP})


def _reap(pid):
    entry = _spawned[pid]
    code = entry["popen"].wait()
    # its last output before its exit: the relay reads the pipe to its end first
    entry["relay"].join(2.0)
    entry["code"] = code
    send({"ev": "spawn-exit", "pid": pid, "status": spawn_status(pid)})


def spawn_status(pid):
    entry = _spawned.get(pid)
    if entry is None:
        return None
    rc = entry["code"]
    if rc is None:
        return {"alive": True, "code": None, "signal": None}
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except (ValueError, AttributeError):
            name = "SIG%d" % -rc
        return {"alive": False, "code": None, "signal": name}
    return {"alive": False, "code": rc, "signal": None}


def _resolve(cmd, cwd, path):
    if "/" in cmd:
        full = os.path.join(cwd, cmd)
        return full if os.path.isfile(full) and os.access(full, os.X_OK) else None
    return shutil.which(cmd, path=path)


def cmd_free_port(_):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def cmd_spawn(a):
    """argv as the hunt split it (no shell), in cwd, with the agent files beside the helper."""
    argv = a["argv"]
    cwd = os.path.expanduser(a.get("cwd") or "~")
    if not os.path.isdir(cwd):
        raise RuntimeError("no folder %s on this host: give --cwd as the host sees it" % cwd)
    env = dict(os.environ)
    env.update(a.get("env") or {})
    agent = a.get("agent")
    if agent and WORKDIR:
        d = os.path.join(WORKDIR, "agent")
        os.makedirs(d, exist_ok=True)
        for name, text in agent.items():
            with open(os.path.join(d, os.path.basename(name)), "w") as f:
                f.write(text)
        env["PYTHONPATH"] = d + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["LEAKHOUND_AGENT"] = "dormant"
    exe = _resolve(argv[0], cwd, env.get("PATH", os.defpath))
    if exe is None:
        raise RuntimeError(
            "%s: command not found on this host (PATH=%s): give its full path, or --cwd for a relative one"
            % (argv[0], env.get("PATH", ""))
        )
    try:
        p = subprocess.Popen(
            [exe] + argv[1:], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
    except OSError as e:
        raise RuntimeError("could not start %s: %s" % (argv[0], e))
    r, w = os.pipe()
    try:
        subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(p.pid)] + ([WORKDIR] if WORKDIR else []),
            stdin=r, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )
    finally:
        os.close(r)
    _spawned[p.pid] = {"popen": p, "code": None, "watchdog": w}
    relay = threading.Thread(target=_relay, args=(p.pid, p.stdout), daemon=True)
    _spawned[p.pid]["relay"] = relay
    relay.start()
    threading.Thread(target=_reap, args=(p.pid,), daemon=True).start()
    return {"pid": p.pid, "exe": exe}


def cmd_spawn_status(a):
    return spawn_status(a["pid"])


def _stop_group(pid, grace_s):
    entry = _spawned.get(pid)
    if entry is None:
        raise RuntimeError("pid %d was not started by this helper: not stopped" % pid)
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        if entry["code"] is not None:
            break
        try:
            os.killpg(pid, sig)
        except OSError:
            pass
        deadline = time.monotonic() + wait
        while entry["code"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)  # what is left of its group (a worker that ignored TERM)
    except OSError:
        pass
    return spawn_status(pid)


def cmd_spawn_stop(a):
    return _stop_group(a["pid"], a.get("graceMs", 3000) / 1000.0)


def stop_spawned():
    for pid, entry in list(_spawned.items()):
        if entry["code"] is None:
            try:
                _stop_group(pid, 3.0)
            except Exception:
                pass


# ---- the sampler: the same shape as the local TreeSampler's samples ------------------


class Sampler(threading.Thread):
    def __init__(self, root, rss_hz, pss_hz):
        threading.Thread.__init__(self, daemon=True)
        self.root, self.rss_s, self.pss_s = root, 1.0 / rss_hz, 1.0 / pss_hz
        self.stopped = False
        self.known = {}  # pid -> [start ticks, last pss, last private, fresh]

    def run(self):
        next_pss = 0.0
        while not self.stopped:
            began = time.monotonic()
            read_pss = began >= next_pss
            if read_pss:
                next_pss = began + self.pss_s
            if not self.tick(read_pss):
                send({"ev": "exit", "pid": self.root, "t": int((time.monotonic() - _t0) * 1000)})
                return
            time.sleep(max(0.0, self.rss_s - (time.monotonic() - began)))

    def tick(self, read_pss):
        t = int((time.monotonic() - _t0) * 1000)
        procs, born, seen = [], [], set()
        queue = [self.root]
        while queue and len(seen) < 4096:
            pid = queue.pop(0)
            if pid in seen:
                continue
            st = status(pid)
            if st is None or (pid == self.root and st["state"] == "Z"):
                continue
            seen.add(pid)
            k = self.known.get(pid)
            ticks = start_ticks(pid)
            if k is None or k[0] != ticks:
                argv = cmdline(pid) or []
                k = self.known[pid] = [ticks, None, None, False]
                born.append([pid, st["ppid"], " ".join(argv), st["nspid"]])
                read_now = True
            else:
                read_now = read_pss
            if read_now:
                r = smaps(pid)
                if r:
                    k[1], k[2], k[3] = r[0], r[1], True
            if st["rss"] == 0:
                k[1] = 0
            procs.append([pid, None if pid == self.root else st["ppid"], st["rss"], k[1], k[2] if k[3] else None])
            k[3] = False
            queue.extend(children(pid) if st["threads"] > 1 else self.kids(pid))
        if self.root not in seen:
            return False
        for pid in list(self.known):
            if pid not in seen:
                del self.known[pid]
        send({"ev": "s", "t": t, "p": procs, "n": born})
        return True

    @staticmethod
    def kids(pid):
        text = read_text("/proc/%d/task/%d/children" % (pid, pid))
        return [int(c) for c in text.split()] if text else []


_sampler = None


def cmd_sample_start(a):
    global _sampler
    if _sampler:
        _sampler.stopped = True
    _sampler = Sampler(a["root"], a.get("rssHz", 5), a.get("pssHz", 1))
    _sampler.start()
    return True


def cmd_sample_stop(_):
    if _sampler:
        _sampler.stopped = True
    return True


COMMANDS = {name[4:]: fn for name, fn in list(globals().items()) if name.startswith("cmd_")}


def handle(msg):
    rid = msg.get("id")
    try:
        fn = COMMANDS.get(msg.get("cmd"))
        if fn is None:
            raise RuntimeError("unknown command %r" % msg.get("cmd"))
        send({"id": rid, "ok": True, "result": fn(msg.get("args") or {})})
    except AgentFailure as e:
        send({"id": rid, "ok": False, "error": str(e), "code": e.code})
    except Exception as e:  # one bad request must not end the helper
        send({"id": rid, "ok": False, "error": "%s: %s" % (type(e).__name__, e)})


def main():
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: cleanup_and_exit(0))
    send({"ev": "ready", "pid": os.getpid()})
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            break  # the hunt ended or the link is gone
        try:
            msg = json.loads(line.decode())
        except ValueError:
            continue
        if msg.get("cmd") == "bye":
            break
        # requests may be slow (a census takes seconds): each gets its own thread
        threading.Thread(target=handle, args=(msg,), daemon=True).start()
    cleanup_and_exit(0)


main()
