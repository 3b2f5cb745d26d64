// Allocation sites of class suspects from a sampling heap profile: the `new Cls` line, found
// through the constructor's frame or, when the constructor allocates nothing itself, in the
// function whose live samples do the `new`; no site (and a note) when nothing can tell.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachAllocationSites } from '../../electron/engine/heap/allocation';
import type { Suspect } from '../../shared/result';
import { tmpDir } from '../helpers/cli';

const SOURCE = [
  'class SessionTicket {', // 1
  '  constructor(id) { this.id = id; }', // 2
  '}', // 3
  'const tickets = [];', // 4
  'function issue(owner) {', // 5
  "  const label = 'for ' + owner;", // 6
  '  const t = new SessionTicket(label);', // 7
  '  tickets.push(t);', // 8
  '  return t;', // 9
  '}', // 10
  'function other() { return new Array(64); }', // 11
].join('\n');

const frame = (functionName: string, url: string, lineNumber: number, columnNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
});

function profile(url: string, top: ReturnType<typeof frame>) {
  // (root) → handler → top, with live samples at top only
  return {
    head: {
      id: 1,
      callFrame: frame('(root)', '', 0),
      selfSize: 0,
      children: [
        {
          id: 2,
          callFrame: frame('handler', url, 20),
          selfSize: 0,
          children: [{ id: 3, callFrame: top, selfSize: 4096, children: [] }],
        },
      ],
    },
    samples: [
      { size: 2048, nodeId: 3, ordinal: 1 },
      { size: 2048, nodeId: 3, ordinal: 2 },
    ],
  };
}

const suspect = (name: string): Suspect => ({
  name,
  countDelta: 100,
  countPerRequest: 1,
  selfSizeDelta: 4800,
  retainedSizeDelta: 4800,
  retainerPath: [],
  kind: 'class',
});

describe('attachAllocationSites', () => {
  const file = path.join(tmpDir('lh-alloc-'), 'server.js');
  writeFileSync(file, SOURCE);

  it('finds `new Cls` in the function whose samples are live when no frame is named Cls', () => {
    // V8 lines are 0-based: `issue` starts on line 5
    const [s] = attachAllocationSites([suspect('SessionTicket')], profile(file, frame('issue', file, 4, 0)));
    expect(s.siteNote).toBeUndefined();
    expect(s.allocatedAt?.[0]).toMatchObject({ functionName: 'issue', url: file, line: 7, column: 13 });
  });

  it('says the profile cannot tell when no live sample is in a function doing the `new`', () => {
    const [s] = attachAllocationSites([suspect('SessionTicket')], profile(file, frame('other', file, 10, 0)));
    expect(s.allocatedAt).toBeUndefined();
    expect(s.siteNote).toMatch(/cannot tell where these were allocated/);
  });

  it("takes the constructor frame's caller when the constructor allocates", () => {
    const p = profile(file, frame('SessionTicket', file, 1, 2));
    // the caller of the constructor frame is `issue`
    p.head.children[0].callFrame = frame('issue', file, 4, 0);
    const [s] = attachAllocationSites([suspect('SessionTicket')], p);
    expect(s.allocatedAt?.[0]).toMatchObject({ functionName: 'issue', line: 7 });
  });
});
