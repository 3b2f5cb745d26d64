// Source maps: the pure decoder and lookup on hand-written mappings, and the file side
// (inline data: maps, maps beside the script, broken maps) on real files in a temp folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSourceMap, originalPositionFor, SourceMapError } from '../../electron/engine/heap/sourcemap';
import { mapAllocationSites, SourceMaps } from '../../electron/engine/heap/sourcemap-files';
import type { Suspect } from '../../shared/result';
import { tmpDir } from '../helpers/cli';

describe('decodeSourceMap / originalPositionFor', () => {
  // line 0: col 0 → a.ts 0:0; col 4 → a.ts 0:4 named foo. line 1: nothing. line 2: col 0 → a.ts 1:0
  const map = decodeSourceMap({
    version: 3,
    sources: ['a.ts'],
    names: ['foo'],
    mappings: 'AAAA,IAAIA;;AACJ',
  });

  it('finds the segment that starts last at or before the column', () => {
    expect(originalPositionFor(map, 0, 0)).toEqual({ source: 'a.ts', line: 0, column: 0 });
    expect(originalPositionFor(map, 0, 3)).toEqual({ source: 'a.ts', line: 0, column: 0 });
    expect(originalPositionFor(map, 0, 40)).toEqual({ source: 'a.ts', line: 0, column: 4, name: 'foo' });
    expect(originalPositionFor(map, 2, 7)).toEqual({ source: 'a.ts', line: 1, column: 0 });
  });

  it('gives null for a line without segments, before the first segment, or past the end', () => {
    expect(originalPositionFor(map, 1, 0)).toBeNull();
    expect(originalPositionFor(map, 9, 0)).toBeNull();
    const late = decodeSourceMap({ version: 3, sources: ['a.ts'], mappings: 'gBAAA' }); // column 16
    expect(originalPositionFor(late, 0, 15)).toBeNull();
    expect(originalPositionFor(late, 0, 16)).toEqual({ source: 'a.ts', line: 0, column: 0 });
  });

  it('reads negative and multi-digit deltas, relative across lines, and the sourceRoot', () => {
    // line 0: → 0:5 ; line 1: → 0:4 (column −1) ; line 2: col 16 → 16:4 (line +16)
    const m = decodeSourceMap({
      version: 3,
      sourceRoot: 'src',
      sources: ['b.ts'],
      mappings: 'AAAK;AAAD;gBAgBA',
    });
    expect(originalPositionFor(m, 0, 0)).toEqual({ source: 'src/b.ts', line: 0, column: 5 });
    expect(originalPositionFor(m, 1, 0)).toEqual({ source: 'src/b.ts', line: 0, column: 4 });
    expect(originalPositionFor(m, 2, 20)).toEqual({ source: 'src/b.ts', line: 16, column: 4 });
  });

  it('follows the sections of an index map', () => {
    const m = decodeSourceMap({
      version: 3,
      sections: [
        { offset: { line: 0, column: 0 }, map: { version: 3, sources: ['one.ts'], mappings: 'AAAA' } },
        { offset: { line: 10, column: 0 }, map: { version: 3, sources: ['two.ts'], mappings: 'AAEA' } },
      ],
    });
    expect(originalPositionFor(m, 0, 3)?.source).toBe('one.ts');
    expect(originalPositionFor(m, 10, 3)).toEqual({ source: 'two.ts', line: 2, column: 0 });
  });

  it('rejects what is not a v3 map or not base64 VLQ', () => {
    expect(() => decodeSourceMap({ version: 2, mappings: '' })).toThrow(SourceMapError);
    expect(() => decodeSourceMap({ version: 3, mappings: 'AA!A' })).toThrow(/bad mappings character/);
    expect(() => decodeSourceMap({ version: 3, mappings: 'AA' })).toThrow(/2 fields/);
  });
});

describe('SourceMaps and mapAllocationSites (files)', () => {
  const site = (url: string, line: number, column: number) => ({
    functionName: 'issue',
    url,
    line,
    column,
    bytes: 100,
    count: 1,
  });
  const suspect = (url: string, line: number, column: number): Suspect => ({
    name: 'Ticket',
    countDelta: 10,
    countPerRequest: 1,
    selfSizeDelta: 10,
    retainedSizeDelta: 10,
    retainerPath: [],
    allocatedAt: [site(url, line, column)],
  });
  // generated line 1 (0-based 1), column 0 → src/app.ts line 4 (0-based 3), column 2
  const raw = { version: 3, sources: ['../src/app.ts'], names: [], mappings: ';AAGE' };

  function project(comment: (dir: string) => string | null, mapFile?: string) {
    const dir = tmpDir('lh-sm-');
    mkdirSync(path.join(dir, 'out'));
    const js = path.join(dir, 'out', 'app.js');
    const c = comment(dir);
    writeFileSync(js, `"use strict";\nfunction issue() {}\n${c ?? ''}`);
    if (mapFile) writeFileSync(path.join(dir, 'out', mapFile), JSON.stringify(raw));
    return { dir, js };
  }

  it('follows a sourceMappingURL comment to the map beside the script, sources relative to the map', () => {
    const { dir, js } = project(() => '//# sourceMappingURL=app.js.map', 'app.js.map');
    const [s] = mapAllocationSites([suspect(js, 2, 1)]);
    expect(s.allocatedAt?.[0]).toMatchObject({
      url: path.join(dir, 'src', 'app.ts'),
      line: 4,
      column: 3,
      generated: { url: js, line: 2, column: 1 },
    });
  });

  it('reads an inline data: map, and file:// script URLs (ES modules)', () => {
    const inline = `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(raw)).toString('base64')}`;
    const { dir, js } = project(() => inline);
    const o = new SourceMaps().original(`file://${js}`, 2, 1);
    expect(o).toEqual({ url: path.join(dir, 'src', 'app.ts'), line: 4, column: 3 });
  });

  it('tries <script>.map when there is no comment', () => {
    const { js } = project(() => null, 'app.js.map');
    expect(new SourceMaps().original(js, 2, 1)?.url).toMatch(/src\/app\.ts$/);
  });

  it('leaves a site as V8 gave it when there is no map, the map is broken, or the script is not a local .js', () => {
    const none = project(() => null);
    const broken = project(() => '//# sourceMappingURL=app.js.map');
    writeFileSync(path.join(broken.dir, 'out', 'app.js.map'), '{"version":3,"mappings":"AA!A"}');
    for (const url of [none.js, broken.js, 'node:internal/timers', '/etc/passwd', 'http://x/app.js']) {
      const [s] = mapAllocationSites([suspect(url, 2, 1)]);
      expect(s.allocatedAt?.[0]).toEqual(site(url, 2, 1));
    }
  });
});
