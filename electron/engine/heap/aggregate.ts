// Class of every node (DevTools' rules: constructor name for objects, "(string)" etc. for
// the rest, plain objects named by their property shape when the shape is common) and the
// class summary: count, self size and retained size per class.
import type { HeapSnapshot, TypeCodes } from './snapshot';

export interface ClassSummaryRow {
  name: string;
  count: number;
  selfSize: number;
  retainedSize: number;
  /** smallest distance from a root among the class's objects */
  distance: number;
}

export interface Classes {
  /** class index per node */
  classOf: Uint32Array;
  names: string[];
}

// DevTools' thresholds for naming plain objects by shape
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

function formatPropertyName(name: string): string {
  if (/[,'"{}]/.test(name)) {
    const j = JSON.stringify({ [name]: 0 });
    return j.substring(1, j.length - 3);
  }
  return name;
}

export function computeClasses(s: HeapSnapshot, t: TypeCodes): Classes {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeName, strings } = s;
  const names: string[] = [];
  const byName = new Map<string, number>();
  const classFor = (name: string) => {
    let c = byName.get(name);
    if (c === undefined) {
      c = names.length;
      names.push(name);
      byName.set(name, c);
    }
    return c;
  };
  const byString = new Int32Array(strings.count).fill(-1);
  const typeClass = new Int32Array(s.nodeTypeNames.length).fill(-1);
  const fixed = (type: number): number => {
    if (typeClass[type] >= 0) return typeClass[type];
    let name: string;
    if (type === t.hidden) name = '(system)';
    else if (type === t.code) name = '(compiled code)';
    else if (type === t.closure) name = 'Function';
    else if (type === t.regexp) name = 'RegExp';
    else name = `(${s.nodeTypeNames[type]})`;
    typeClass[type] = classFor(name);
    return typeClass[type];
  };
  let objectNameIdx = -1;
  const protoName = new Int8Array(strings.count); // 0 unknown, 1 is __proto__, 2 not
  const isProto = (i: number) => {
    if (!protoName[i]) protoName[i] = strings.get(i) === '__proto__' ? 1 : 2;
    return protoName[i] === 1;
  };
  const classOf = new Uint32Array(nodeCount);
  // plain objects: a hash of their property names; common shapes get a class of their own
  // (DevTools' interface definitions). Two passes instead of a per-node Map.
  const shapeKey = (n: number): number => {
    let h = 7;
    let props = 0;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      if (edgeType[e] !== t.eProperty || isProto(edgeName[e])) continue;
      h = (Math.imul(h, 31) + edgeName[e] + 1) | 0;
      if (++props > 40) break;
    }
    return props === 0 ? 0 : h * 64 + props;
  };
  const isPlain = (ni: number) => {
    if (objectNameIdx < 0 && strings.get(ni) === 'Object') objectNameIdx = ni;
    return ni === objectNameIdx;
  };
  const shapeCount = new Map<number, number>();
  let plainTotal = 0;
  for (let n = 0; n < nodeCount; n++) {
    const ty = nodeType[n];
    if (ty === t.object || ty === t.native) {
      const ni = nodeName[n];
      if (ty === t.object && isPlain(ni)) {
        plainTotal++;
        const key = shapeKey(n);
        if (key !== 0) shapeCount.set(key, (shapeCount.get(key) ?? 0) + 1);
      }
      let c = byString[ni];
      if (c < 0) {
        let name = strings.get(ni);
        if (name.startsWith('<')) {
          const sp = name.indexOf(' ');
          if (sp !== -1) name = `${name.substring(0, sp)}>`;
        }
        c = byString[ni] = classFor(name);
      }
      classOf[n] = c;
    } else {
      classOf[n] = fixed(ty);
    }
  }
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, plainTotal / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const shapeClass = new Map<number, number>();
  if (objectNameIdx >= 0) {
    for (let n = 0; n < nodeCount; n++) {
      if (nodeType[n] !== t.object || nodeName[n] !== objectNameIdx) continue;
      const key = shapeKey(n);
      if (key === 0 || (shapeCount.get(key) ?? 0) < minCount) continue;
      let c = shapeClass.get(key);
      if (c === undefined) {
        c = classFor(shapeName(s, t, n, isProto));
        shapeClass.set(key, c);
      }
      classOf[n] = c;
    }
  }
  return { classOf, names };
}

function shapeName(s: HeapSnapshot, t: TypeCodes, n: number, isProto: (i: number) => boolean): string {
  let name = '{';
  for (let e = s.firstEdge[n], end = s.firstEdge[n + 1]; e < end; e++) {
    if (s.edgeType[e] !== t.eProperty || isProto(s.edgeName[e])) continue;
    const p = formatPropertyName(s.strings.get(s.edgeName[e]));
    if (name.length > 1 && name.length + p.length > MAX_INTERFACE_NAME_LENGTH) break;
    if (name.length !== 1) name += ', ';
    name += p;
  }
  return `${name}}`;
}

export interface ClassTotals {
  count: Float64Array;
  self: Float64Array;
  retained: Float64Array;
  distance: Int32Array;
}

/**
 * Per class: count and self size of objects with a non-zero self size (as DevTools), and
 * retained size = sum over objects not dominated by another object of the same class.
 */
export function classTotals(
  classes: Classes,
  selfSize: Uint32Array,
  retained: Float64Array,
  distance: Int32Array,
  domFirst: Uint32Array,
  domKids: Uint32Array,
  root: number,
): ClassTotals {
  const k = classes.names.length;
  const count = new Float64Array(k);
  const self = new Float64Array(k);
  const dist = new Int32Array(k).fill(0x7fffffff);
  const { classOf } = classes;
  const n = classOf.length;
  for (let i = 0; i < n; i++) {
    const sz = selfSize[i];
    if (!sz) continue;
    const c = classOf[i];
    count[c]++;
    self[c] += sz;
    if (distance[i] >= 0 && distance[i] < dist[c]) dist[c] = distance[i];
  }
  const ret = classRetained(classOf, k, selfSize, retained, domFirst, domKids, root);
  return { count, self, retained: ret, distance: dist };
}

/**
 * Retained size per class: sum of retained sizes of its objects that are not dominated by
 * another object of the same class (DevTools' calculateClassesRetainedSize). With `mask`,
 * only masked objects count, and only masked objects shadow their dominated ones.
 */
export function classRetained(
  classOf: Uint32Array,
  classCount: number,
  selfSize: Uint32Array,
  retained: Float64Array,
  domFirst: Uint32Array,
  domKids: Uint32Array,
  root: number,
  mask?: Uint8Array,
): Float64Array {
  const n = classOf.length;
  const ret = new Float64Array(classCount);
  // DFS over the dominator tree with a per-class "open ancestors" counter; the high bit
  // on a stack entry marks the exit of a node whose class was opened
  const open = new Uint32Array(classCount);
  // the stack starts small and grows: on real heaps it stays far below the node count
  let stack = new Uint32Array(Math.min(n + 2, 1 << 20));
  let sp = 0;
  stack[sp++] = root;
  const EXIT = 0x80000000;
  while (sp > 0) {
    const v = stack[--sp];
    if (v & EXIT) {
      open[classOf[v & 0x7fffffff]]--;
      continue;
    }
    const c = classOf[v];
    const kb = domFirst[v];
    const ke = domFirst[v + 1];
    if (sp + (ke - kb) + 1 > stack.length) {
      const bigger = new Uint32Array(Math.max(stack.length * 2, sp + (ke - kb) + 1));
      bigger.set(stack.subarray(0, sp));
      stack = bigger;
    }
    if (selfSize[v] && open[c] === 0 && (!mask || mask[v])) {
      ret[c] += retained[v];
      if (kb !== ke) {
        open[c]++;
        stack[sp++] = (v | EXIT) >>> 0;
      }
    }
    for (let j = kb; j < ke; j++) stack[sp++] = domKids[j];
  }
  return ret;
}

export function summaryRows(classes: Classes, totals: ClassTotals): ClassSummaryRow[] {
  const rows: ClassSummaryRow[] = [];
  for (let c = 0; c < classes.names.length; c++) {
    if (!totals.count[c]) continue;
    rows.push({
      name: classes.names[c],
      count: totals.count[c],
      selfSize: totals.self[c],
      retainedSize: totals.retained[c],
      distance: totals.distance[c] === 0x7fffffff ? -1 : totals.distance[c],
    });
  }
  rows.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize);
  return rows;
}
