// Worker thread: parses one snapshot's edges array into shared columns (parse.ts parseEdges).
import { parentPort } from 'node:worker_threads';
import { isUserError } from '../errors';
import type { EdgeAnswer, EdgeJob } from './parse';
import { parseEdges } from './parse';

parentPort?.once('message', (job: EdgeJob) => {
  let answer: EdgeAnswer;
  try {
    answer = parseEdges(job);
  } catch (e) {
    answer = { ok: false, error: (e as Error).message, user: isUserError(e) };
  }
  parentPort?.postMessage(answer);
});
