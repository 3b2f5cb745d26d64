#!/usr/bin/env node
// leakhound's command line: parse, dispatch, and turn user errors into one clear line.
import { helpText, parseArgs } from './cli/args';
import { COMMANDS } from './cli/commands';
import { isUserError, UserError } from './engine/errors';
import { VERSION } from './engine/version';

const HELP = `leakhound ${VERSION} — hunt memory leaks in Node and Python servers

commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.name.padEnd(8)} ${c.summary}`)
  .join('\n')}

'leakhound <command> --help' shows a command's options.
`;

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const spec = COMMANDS[name];
  if (!spec)
    throw new UserError(`unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const { flags, positionals } = parseArgs(rest, spec);
  switch (name) {
    case 'run':
      return (await import('./cli/run-command.js')).runCommand(flags, process.stdout, process.stderr);
    case 'analyze':
      return (await import('./cli/analyze-command.js')).analyzeCommand(flags, positionals, process.stdout);
    case 'load':
      return (await import('./cli/tools-commands.js')).loadCommand(flags, process.stdout);
    case 'agent':
      return (await import('./cli/agent-command.js')).agentCommand(flags, process.stdout);
    case 'ps':
      return (await import('./cli/tools-commands.js')).psCommand(flags, process.stdout);
    case 'serve':
      return (await import('./cli/tools-commands.js')).serveCommand(flags, process.stdout);
    case 'report':
      return (await import('./cli/tools-commands.js')).reportCommand(flags, positionals[0], process.stdout);
    case 'sweep':
      return (await import('./cli/sweep-command.js')).sweepCommand(flags, process.stdout);
    case 'runs':
      return (await import('./cli/runs-command.js')).runsCommand(flags, positionals, process.stdout);
    default:
      throw new UserError(`unknown command '${name}'`);
  }
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // `serve` keeps running; every other command ends here even if a socket lingers.
    if (process.argv[2] !== 'serve') process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    if (isUserError(e)) {
      process.stderr.write(`leakhound: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`leakhound: internal error (please report it): ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
