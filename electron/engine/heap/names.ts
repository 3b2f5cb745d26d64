// How nodes and edges are written for people. Heap strings are user data (tokens,
// passwords): a string node is shown as its length and a short hash unless the user
// asked to reveal strings. Class names and property names are code, and stay.
import type { HeapSnapshot, TypeCodes } from './snapshot';
import { isStringType } from './snapshot';

export interface NameOptions {
  revealStrings?: boolean;
}

const MAX_NAME = 200;

function clip(s: string): string {
  return s.length > MAX_NAME ? `${s.slice(0, MAX_NAME)}…` : s;
}

/** The class-ish name of a node (what a path step or an instance row shows). */
export function nodeLabel(
  s: HeapSnapshot,
  t: TypeCodes,
  className: string,
  n: number,
  o: NameOptions,
): string {
  const ty = s.nodeType[n];
  if (isStringType(t, ty)) {
    if (o.revealStrings) return clip(JSON.stringify(s.strings.get(s.nodeName[n])));
    return s.strings.redacted(s.nodeName[n]);
  }
  if (ty === t.closure) {
    const fn = s.strings.get(s.nodeName[n]);
    return fn ? `${fn}()` : '(anonymous)()';
  }
  if (ty === t.synthetic || ty === t.hidden || ty === t.native || ty === t.code) {
    return clip(s.strings.get(s.nodeName[n]) || className);
  }
  if (ty === t.regexp) return o.revealStrings ? clip(`/${s.strings.get(s.nodeName[n])}/`) : 'RegExp';
  // Node names its global object "global / " (Chrome: "Window / <url>"): drop the empty tail
  return clip(className.replace(/ \/ $/, ''));
}

/** An edge as a path step: property and variable names as is, indexes as [i]. */
export function edgeLabel(s: HeapSnapshot, t: TypeCodes, e: number): string {
  const ty = s.edgeType[e];
  if (ty === t.eElement || ty === t.eHidden) return `[${s.edgeName[e]}]`;
  const name = s.strings.get(s.edgeName[e]);
  // slots of internal tables (a Map's entries) are numbered internal edges
  if (ty === t.eInternal && /^\d+$/.test(name)) return `[${name}]`;
  return clip(name);
}
