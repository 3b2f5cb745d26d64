# leakhound's sitecustomize: put first on PYTHONPATH by leakhound so the target needs no change.
# Python imports only the first sitecustomize it finds, so this one runs the next one on sys.path
# (Debian ships /etc/python3.11/sitecustomize.py) before starting the agent, and never lets an
# agent failure break the application.
import os
import sys


def _leakhound_chain():
    import importlib.machinery
    import importlib.util

    here = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
    rest = [p for p in sys.path if os.path.realpath(os.path.abspath(p or os.curdir)) != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    # Kept reachable for anyone who looks for it; ours stays registered as `sitecustomize`.
    sys.modules['_leakhound_next_sitecustomize'] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # same contract as site.py: report, carry on
        sys.stderr.write('Error in sitecustomize (%s): %r\n' % (spec.origin, exc))


_leakhound_chain()



def _leakhound_dormant_dir():
    # One folder per user, known to leakhound, so that an attach finds the agent without a
    # debugger (also from the host, through /proc/PID/root, when this runs in a container).
    # Made here, 0700; anything else already at that path (another owner, a symlink) is refused.
    import stat

    d = '/tmp/leakhound-agent-%d' % os.getuid()
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(d)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise RuntimeError('%s is not a directory of this user: remove it' % d)
    if st.st_mode & 0o077:
        os.chmod(d, 0o700)
    return d


if os.environ.get('LEAKHOUND_AGENT_DIR') or os.environ.get('LEAKHOUND_AGENT') == 'dormant':
    try:
        import leakhound_agent

        if os.environ.get('LEAKHOUND_AGENT_DIR'):
            leakhound_agent.start(os.environ['LEAKHOUND_AGENT_DIR'])
        else:
            leakhound_agent.start(_leakhound_dormant_dir(), dormant=True)
    except Exception as exc:
        sys.stderr.write('leakhound: python agent not started: %s\n' % (exc,))
