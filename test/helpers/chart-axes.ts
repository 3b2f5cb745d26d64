// Opens a report.html in Debian's Chromium and reads its two memory panels as drawn: each
// panel's y-axis labels (MB) and whether the fitted line and band are on screen.
import path from 'node:path';
import { chromium } from 'playwright-core';

export interface PanelAxes {
  title: string;
  yTicks: number[];
  fitLabel: string | null;
  /** height in CSS px of the drawn fitted line's box and the band's (0 when absent) */
  fitBandHeight: number;
}

export async function chartAxes(
  htmlFile: string,
  screenshot?: string,
): Promise<{ memory: PanelAxes; heap: PanelAxes | null }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    await page.goto(`file://${path.resolve(htmlFile)}`);
    const read = (cls: string) =>
      page.evaluate((c) => {
        const svg = document.querySelector(`svg.${c}`);
        if (!svg) return null;
        const band = svg.querySelector('polygon.fit-band');
        return {
          title: svg.querySelector('text.panel-title')?.textContent ?? '',
          yTicks: [...svg.querySelectorAll('text.tick[data-y]')].map((t) => Number(t.getAttribute('data-y'))),
          fitLabel: svg.querySelector('text.fit-label')?.textContent ?? null,
          fitBandHeight: band ? band.getBoundingClientRect().height : 0,
        };
      }, cls);
    const memory = await read('chart-memory');
    const heap = await read('chart-heap');
    if (!memory) throw new Error(`${htmlFile} has no process-memory panel`);
    if (screenshot) await page.locator('#growth').screenshot({ path: screenshot });
    return { memory, heap };
  } finally {
    await browser.close();
  }
}
