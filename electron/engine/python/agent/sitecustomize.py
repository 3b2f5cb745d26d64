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

if os.environ.get('LEAKHOUND_AGENT_DIR'):
    try:
        import leakhound_agent

        leakhound_agent.start(os.environ['LEAKHOUND_AGENT_DIR'])
    except Exception as exc:
        sys.stderr.write('leakhound: python agent not started: %s\n' % (exc,))
