// What goes into a process we did not start: code that can never raise into it.

/**
 * The snippet wrapped so that it can never raise into the target: an exception escaping a
 * pending call would surface as a SystemError inside whatever request the target was
 * serving. Base64 keeps quoting out of the way; its own globals keep __main__ clean.
 */
export function wrapSnippet(code: string): string {
  const b64 = Buffer.from(code, 'utf8').toString('base64');
  return (
    'try:\n' +
    ` exec(compile(__import__('base64').b64decode('${b64}').decode('utf-8'),'<leakhound-inject>','exec'),{'__name__':'__leakhound_inject__','__builtins__':__builtins__})\n` +
    'except BaseException:\n' +
    " __import__('traceback').print_exc()\n"
  );
}
