/**
 * An error caused by what the user gave us (a flag, a file, a pid). The CLI prints its
 * message as one `leakhound: …` line and exits 2; the API returns it as a 400. Anything
 * else that escapes is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
