// Packaging, verified as far as this machine allows (no Electron binary): the builder
// config passes electron-builder's own schema validation and says what the issue asks;
// the icons are real images of the right sizes; the CLI wrapper finds the app binary in
// the Linux and macOS layouts and runs cli.js with it in Node mode.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');
const BUILD = path.join(ROOT, 'build');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-pack-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// electron-builder's Configuration is deeply optional; the test reads it as loose JSON.
// biome-ignore lint/suspicious/noExplicitAny: config shape asserted field by field below
type Config = Record<string, any>;
async function loadConfig(file: string): Promise<Config> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
  const cfg = await getConfig(ROOT, file, null);
  await validateConfiguration(cfg, { isEnabled: false, add() {} });
  return cfg;
}

describe('electron-builder config', () => {
  it('passes electron-builder schema validation, which does reject unknown keys', async () => {
    const cfg = await loadConfig(path.join(BUILD, 'electron-builder.yml'));
    expect(cfg.appId).toBe('dev.leakhound.app');
    expect(cfg.productName).toBe('leakhound');
    const bad = path.join(tmp, 'bad.yml');
    fs.writeFileSync(
      bad,
      `${fs.readFileSync(path.join(BUILD, 'electron-builder.yml'), 'utf8')}\nnotAnOption: 1\n`,
    );
    await expect(loadConfig(bad)).rejects.toThrow(/unknown property 'notAnOption'/);
  });

  it('builds AppImage + deb, dmg, nsis, with .heapsnapshot associated and the CLI shipped', async () => {
    const cfg = await loadConfig(path.join(BUILD, 'electron-builder.yml'));
    expect(cfg.linux.target).toEqual(['AppImage', 'deb']);
    expect(cfg.mac.target).toEqual(['dmg']);
    expect(cfg.win.target).toEqual(['nsis']);
    expect(cfg.fileAssociations.map((a: Config) => a.ext)).toEqual(['heapsnapshot']);
    // getConfig normalises the list into one filter set.
    const files: string[] = cfg.files.flatMap((f: string | { filter: string[] }) =>
      typeof f === 'string' ? [f] : f.filter,
    );
    expect(files).toContain('dist/**');
    expect(files).toContain('electron/engine/python/agent/**');
    expect(files).toContain('!**/*.heapsnapshot');
    // Plain files: Python reads the agent through PYTHONPATH, workers load from dist/.
    expect(cfg.asar).toBe(false);
    // The CLI wrapper runs the app binary as Node; debugging/NODE_OPTIONS entry points are shut.
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(cfg.extraResources).toEqual([{ from: 'build/bin', to: 'bin', filter: ['**/*'] }]);
    for (const f of [
      cfg.mac.entitlements,
      cfg.mac.icon,
      cfg.win.icon,
      'build/bin/leakhound',
      'build/bin/leakhound.cmd',
    ])
      expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
    const plist = fs.readFileSync(path.join(ROOT, cfg.mac.entitlements), 'utf8');
    expect(plist).toContain('com.apple.security.cs.allow-jit');
    expect(plist).not.toMatch(/device\.camera|device\.audio-input|personal-information/);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/electron/main.js');
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder --config build/electron-builder.yml');
  });
});

function pngInfo(buf: Buffer): { width: number; height: number; opaqueShare: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  expect(buf[24]).toBe(8); // bit depth
  expect(buf[25]).toBe(6); // RGBA
  const idat: Buffer[] = [];
  for (let o = 8; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    if (buf.toString('latin1', o + 4, o + 8) === 'IDAT') idat.push(buf.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  // Alpha of the first pixel of each scanline's filtered bytes is not the true alpha, but
  // for filter type 0/1 rows a fully transparent image inflates to all zeros: count non-zero.
  let nonZero = 0;
  for (const b of raw) if (b !== 0) nonZero++;
  return { width, height, opaqueShare: nonZero / raw.length };
}

describe('icons rendered from build/icon.svg', () => {
  it('has the Linux PNG set at every size, none blank', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const info = pngInfo(fs.readFileSync(path.join(BUILD, 'icons', `${size}x${size}.png`)));
      expect([info.width, info.height]).toEqual([size, size]);
      expect(info.opaqueShare, `${size}px`).toBeGreaterThan(0.2);
    }
    expect(pngInfo(fs.readFileSync(path.join(BUILD, 'icon.png'))).width).toBe(1024);
    expect(fs.readFileSync(path.join(BUILD, 'icon.svg'), 'utf8')).toMatch(
      /^<svg [^>]*viewBox="0 0 1024 1024"/,
    );
  });

  it('has a Windows .ico holding 16–256 px PNGs', () => {
    const ico = fs.readFileSync(path.join(BUILD, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const n = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = 6 + i * 16;
      const size = ico[e] === 0 ? 256 : ico[e];
      const len = ico.readUInt32LE(e + 8);
      const off = ico.readUInt32LE(e + 12);
      expect(pngInfo(ico.subarray(off, off + len)).width).toBe(size);
      sizes.push(size);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS .icns whose entries are PNGs of the sizes their types declare', () => {
    const icns = fs.readFileSync(path.join(BUILD, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const want: Record<string, number> = {
      ic11: 32,
      ic12: 64,
      ic07: 128,
      ic13: 256,
      ic08: 256,
      ic14: 512,
      ic09: 512,
      ic10: 1024,
    };
    const seen: string[] = [];
    for (let o = 8; o < icns.length; ) {
      const type = icns.toString('latin1', o, o + 4);
      const len = icns.readUInt32BE(o + 4);
      expect(pngInfo(icns.subarray(o + 8, o + len)).width, type).toBe(want[type]);
      seen.push(type);
      o += len;
    }
    expect(seen.sort()).toEqual(Object.keys(want).sort());
  });
});

describe('CLI wrapper in a packaged layout', () => {
  // The Electron binary with ELECTRON_RUN_AS_NODE=1 *is* Node: stand it in with a script
  // that refuses to run unless that variable is set, then runs node.
  function fakeApp(exeDir: string, resources: string, appDir = 'app') {
    fs.mkdirSync(exeDir, { recursive: true });
    fs.mkdirSync(path.join(resources, 'bin'), { recursive: true });
    fs.writeFileSync(
      path.join(exeDir, 'leakhound'),
      `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "GUI started" >&2; exit 9; }\nexec "${process.execPath}" "$@"\n`,
      { mode: 0o755 },
    );
    const cli = path.join(resources, appDir, 'dist', 'electron');
    fs.mkdirSync(cli, { recursive: true });
    fs.writeFileSync(
      path.join(cli, 'cli.js'),
      'console.log(JSON.stringify({ file: __filename, args: process.argv.slice(2) }));',
    );
    fs.copyFileSync(path.join(BUILD, 'bin', 'leakhound'), path.join(resources, 'bin', 'leakhound'));
    fs.chmodSync(path.join(resources, 'bin', 'leakhound'), 0o755);
    return path.join(resources, 'bin', 'leakhound');
  }

  it('runs cli.js with the app binary as Node (Linux layout, and through a /usr/bin symlink)', () => {
    const app = path.join(tmp, 'opt', 'leakhound');
    const wrapper = fakeApp(app, path.join(app, 'resources'));
    const out = JSON.parse(execFileSync(wrapper, ['run', '--spawn', 'node a b.js'], { encoding: 'utf8' }));
    expect(out.args).toEqual(['run', '--spawn', 'node a b.js']);
    expect(out.file).toBe(path.join(fs.realpathSync(app), 'resources', 'app', 'dist', 'electron', 'cli.js'));
    const link = path.join(tmp, 'usr-bin-leakhound');
    fs.symlinkSync(wrapper, link);
    expect(JSON.parse(execFileSync(link, ['--version'], { encoding: 'utf8' })).args).toEqual(['--version']);
  });

  it('runs in the macOS bundle layout (and with an asar build)', () => {
    const contents = path.join(tmp, 'leakhound.app', 'Contents');
    const wrapper = fakeApp(path.join(contents, 'MacOS'), path.join(contents, 'Resources'), 'app.asar');
    expect(
      JSON.parse(execFileSync(wrapper, ['analyze', 'x.heapsnapshot'], { encoding: 'utf8' })).args,
    ).toEqual(['analyze', 'x.heapsnapshot']);
  });

  it('says what is wrong when the app binary is missing', () => {
    const lone = path.join(tmp, 'lone', 'bin');
    fs.mkdirSync(lone, { recursive: true });
    fs.copyFileSync(path.join(BUILD, 'bin', 'leakhound'), path.join(lone, 'leakhound'));
    fs.chmodSync(path.join(lone, 'leakhound'), 0o755);
    let stderr = '';
    let status = 0;
    try {
      execFileSync(path.join(lone, 'leakhound'), [], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      stderr = (e as { stderr: string }).stderr;
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakhound: cannot find the leakhound app/);
  });
});
