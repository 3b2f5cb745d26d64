// File → Open run folder…: a run folder written elsewhere (`leakhound run --out DIR`, a
// colleague's copy) joins the history by a link in the data folder, named by its run id,
// so the UI reads it like any other run and deleting it there removes only the link.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../engine/errors';
import { readMeta, runsDir } from '../engine/store';

function realpathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

export function importRunFolder(dir: string, dataDir: string): string {
  const abs = path.resolve(dir);
  const meta = readMeta(abs);
  if (!meta || typeof meta.id !== 'string') {
    throw new UserError(`${abs} is not a leakhound run folder (no run.json): choose a folder a hunt wrote`);
  }
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(meta.id) || meta.id === '.' || meta.id === '..') {
    throw new UserError(`${abs}/run.json has an unusable run id; the folder may be damaged`);
  }
  const root = runsDir(dataDir);
  const slot = path.join(root, meta.id);
  const target = realpathOrNull(abs);
  const existing = realpathOrNull(slot);
  if (existing !== null) {
    if (existing === target) return meta.id;
    throw new UserError(`a different run with id ${meta.id} is already in the history (${existing})`);
  }
  fs.mkdirSync(root, { recursive: true });
  // 'junction' lets Windows link a folder without admin rights; elsewhere it is ignored.
  fs.symlinkSync(abs, slot, 'junction');
  return meta.id;
}
