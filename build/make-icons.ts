// Renders build/icon.svg into every icon electron-builder needs, with the system Chromium
// (playwright-core), so no image tool beyond what the report PDF already needs:
//   build/icon.png (1024), build/icons/NxN.png (Linux), build/icon.ico (Windows),
//   build/icon.icns (macOS). Run: npx tsx build/make-icons.ts
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const HERE = __dirname;
const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// OSType → pixel size, as `iconutil` writes them (PNG payloads).
const ICNS_TYPES: [string, number][] = [
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];

function chromiumPath(): string {
  const candidates = [process.env.LEAKHOUND_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found)
    throw new Error("make-icons needs Chromium: install Debian's `chromium` or set LEAKHOUND_CHROMIUM");
  return found;
}

/** Small icons show the tile only (no macOS margin): at 16 px every pixel counts. */
function svgFor(size: number, svg: string): string {
  return size <= 48 ? svg.replace('viewBox="0 0 1024 1024"', 'viewBox="100 100 824 824"') : svg;
}

export function icoFile(pngs: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  const dir = Buffer.alloc(16 * pngs.length);
  let offset = 6 + dir.length;
  pngs.forEach((p, i) => {
    const e = i * 16;
    dir.writeUInt8(p.size >= 256 ? 0 : p.size, e);
    dir.writeUInt8(p.size >= 256 ? 0 : p.size, e + 1);
    dir.writeUInt8(0, e + 2);
    dir.writeUInt8(0, e + 3);
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(p.data.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += p.data.length;
  });
  return Buffer.concat([header, dir, ...pngs.map((p) => p.data)]);
}

export function icnsFile(entries: { type: string; data: Buffer }[]): Buffer {
  const parts = entries.map((e) => {
    const h = Buffer.alloc(8);
    h.write(e.type, 0, 'latin1');
    h.writeUInt32BE(e.data.length + 8, 4);
    return Buffer.concat([h, e.data]);
  });
  const total = 8 + parts.reduce((n, p) => n + p.length, 0);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'latin1');
  h.writeUInt32BE(total, 4);
  return Buffer.concat([h, ...parts]);
}

async function main(): Promise<void> {
  const svg = fs.readFileSync(path.join(HERE, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const rendered = new Map<number, Buffer>();
  try {
    const page = await browser.newPage();
    for (const size of [...new Set([...LINUX_SIZES, ...ICO_SIZES])].sort((a, b) => a - b)) {
      await page.setViewportSize({ width: size, height: size });
      const src = `data:image/svg+xml;base64,${Buffer.from(svgFor(size, svg)).toString('base64')}`;
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.waitForFunction(() => document.images[0]?.complete);
      rendered.set(
        size,
        await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }),
      );
    }
  } finally {
    await browser.close();
  }
  const icons = path.join(HERE, 'icons');
  fs.mkdirSync(icons, { recursive: true });
  for (const size of LINUX_SIZES)
    fs.writeFileSync(path.join(icons, `${size}x${size}.png`), rendered.get(size)!);
  fs.writeFileSync(path.join(HERE, 'icon.png'), rendered.get(1024)!);
  fs.writeFileSync(
    path.join(HERE, 'icon.ico'),
    icoFile(ICO_SIZES.map((size) => ({ size, data: rendered.get(size)! }))),
  );
  fs.writeFileSync(
    path.join(HERE, 'icon.icns'),
    icnsFile(ICNS_TYPES.map(([type, size]) => ({ type, data: rendered.get(size)! }))),
  );
  console.log(`icons written to ${HERE}: ${LINUX_SIZES.join(', ')} px PNG, icon.ico, icon.icns`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`make-icons: ${(e as Error).message}`);
    process.exit(1);
  });
}
