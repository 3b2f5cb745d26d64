// The report's stylesheet. Print comes first: the document is mostly read as a PDF attached
// to a ticket, so tables repeat their header on each page and never split a row, and every
// colour has a greyscale-safe counterpart (weight, dash, border).
import { esc } from './format';

export type Paper = 'A4' | 'Letter';

/** Page margins shared by the CSS and the PDF renderer (footer template lives in the bottom one). */
export const PAGE_MARGIN = { top: '15mm', right: '14mm', bottom: '17mm', left: '14mm' } as const;

/** A CSS string literal; `<` is escaped too, since the CSS sits inside a <style> element. */
function cssString(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&').replace(/[<>\n\r]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}

/**
 * Page-number margin boxes for an HTML file printed from a browser. Off when the PDF renderer
 * adds its own footer template (Chromium would print both).
 */
function marginBoxes(footerLeft: string): string {
  const font =
    'font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; font-size: 7.5pt; color: #4b5563;';
  return `
  @bottom-left { content: ${cssString(footerLeft)}; ${font} }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); ${font} }`;
}

export function reportCss(paper: Paper, pageNumbers?: { footerLeft: string }): string {
  return `
@page {
  size: ${paper === 'Letter' ? 'Letter' : 'A4'};
  margin: ${PAGE_MARGIN.top} ${PAGE_MARGIN.right} ${PAGE_MARGIN.bottom} ${PAGE_MARGIN.left};${
    pageNumbers ? marginBoxes(pageNumbers.footerLeft) : ''
  }
}
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: #111827; background: #fff;
  font: 10pt/1.45 "Liberation Sans", "DejaVu Sans", "Helvetica Neue", Helvetica, Arial, sans-serif;
}
main { max-width: 190mm; margin: 0 auto; padding: 0; }
@media screen {
  body { background: #f3f4f6; }
  main { background: #fff; margin: 24px auto; padding: 28px 36px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
}
code, .mono { font-family: "Liberation Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.6pt; }
.doc-head {
  display: flex; justify-content: space-between; align-items: baseline;
  border-bottom: 2px solid #111827; padding-bottom: 4px; margin-bottom: 10px;
  font-size: 8.5pt; color: #374151; letter-spacing: .02em;
}
.doc-head .brand { font-weight: 700; color: #111827; text-transform: uppercase; letter-spacing: .12em; }
h1 { font-size: 19pt; line-height: 1.2; margin: 6px 0 4px; }
h1 .verdict { white-space: nowrap; }
.subtitle { color: #374151; margin: 0 0 10px; overflow-wrap: anywhere; }
h2 {
  font-size: 12.5pt; margin: 18px 0 6px; padding-bottom: 2px; border-bottom: 1px solid #d1d5db;
  break-after: avoid; page-break-after: avoid;
}
h3 { font-size: 10.5pt; margin: 12px 0 4px; break-after: avoid; }
p { margin: 0 0 6px; }
.summary p { text-align: left; }
.summary p.reason { font-size: 8.8pt; color: #374151; overflow-wrap: anywhere; }
.banner {
  border: 2px solid #991b1b; background: #fef2f2; color: #7f1d1d; padding: 8px 10px; margin: 8px 0 10px;
  font-weight: 700; break-inside: avoid;
}
.banner span { font-weight: 400; display: block; margin-top: 2px; }
.badge {
  display: inline-block; padding: 1px 9px; border-radius: 3px; font-size: 12pt; vertical-align: 2px;
  border: 2px solid currentColor;
}
.badge.leak { color: #991b1b; background: #fef2f2; }
.badge.no-leak { color: #166534; background: #f0fdf4; }
.badge.inconclusive { color: #92400e; background: #fffbeb; border-style: dashed; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; margin: 8px 0 10px; break-inside: avoid; }
.figure { border: 1px solid #d1d5db; border-left: 3px solid #1e3a8a; padding: 5px 8px; }
.figure .k { font-size: 7.5pt; text-transform: uppercase; letter-spacing: .06em; color: #4b5563; }
.figure .v { font-size: 13pt; font-weight: 700; line-height: 1.25; }
.figure .s { font-size: 7.8pt; color: #4b5563; }
.notes { margin: 6px 0 0; padding-left: 16px; font-size: 8.8pt; color: #374151; }
figure { margin: 4px 0 0; break-inside: avoid; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg.chart .tick { font-size: 9px; fill: #374151; }
svg.chart .axis { font-size: 10px; fill: #111827; font-weight: 700; }
svg.chart .snap { font-size: 9px; fill: #111827; font-weight: 700; }
svg.chart .legend { font-size: 9.5px; fill: #111827; }
svg.chart .panel-title { font-size: 10.5px; fill: #111827; font-weight: 700; }
svg.chart .fit-label { font-size: 9.5px; fill: #7f1d1d; font-weight: 700; }
figure.heap { margin-top: 10px; }
.panels { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; break-inside: avoid; }
.panels figure.heap { margin-top: 4px; }
figcaption { font-size: 8.6pt; color: #4b5563; margin-top: 2px; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; font-size: 8.8pt; }
thead { display: table-header-group; }
tr, tbody.suspect { break-inside: avoid; page-break-inside: avoid; }
th {
  text-align: left; font-weight: 700; color: #111827; background: #f3f4f6;
  border-bottom: 1.5px solid #111827; padding: 3px 6px; font-size: 8pt;
}
td { border-bottom: 1px solid #e5e7eb; padding: 3px 6px; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; }
table.kv th { width: 28%; background: none; border-bottom: 1px solid #e5e7eb; font-weight: 700; color: #374151; }
table.kv td { overflow-wrap: anywhere; }
table.kv.options { table-layout: fixed; }
table.kv.options col.k { width: 19%; }
table.kv.options col.v { width: 31%; }
table.kv.options th { width: auto; }
tbody.suspect td { border-bottom: none; }
tbody.suspect tr.detail td { border-bottom: 1px solid #d1d5db; padding-top: 0; padding-bottom: 6px; }
.strong-evidence { font-weight: 700; }
.path { font-size: 8.4pt; color: #1f2937; line-height: 1.5; overflow-wrap: anywhere; }
.path .step { font-family: "Liberation Mono", "DejaVu Sans Mono", monospace; background: #f3f4f6; border: 1px solid #e5e7eb; padding: 0 3px; border-radius: 2px; }
.path .arrow { color: #6b7280; padding: 0 3px; }
.path .label, .sites .label { font-weight: 700; color: #4b5563; font-size: 7.8pt; text-transform: uppercase; letter-spacing: .05em; margin-right: 4px; }
.sites { font-size: 8.4pt; margin-top: 2px; }
.owner { font-size: 8.4pt; margin: 0 0 2px; padding-left: 14px; color: #1f2937; }
.owner li { margin: 0; }
.muted { color: #6b7280; }
.repeat { background: #f9fafb; border: 1px solid #e5e7eb; padding: 6px 8px; white-space: pre-wrap; overflow-wrap: anywhere; break-inside: avoid; }
.doc-foot { margin-top: 18px; border-top: 1px solid #d1d5db; padding-top: 6px; font-size: 8pt; color: #4b5563; break-inside: avoid; }
`;
}

/** The document up to the page header, the same for a run report and a sweep report. */
export function documentStart(o: {
  title: string;
  version: string;
  css: string;
  brand: string;
  right: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="leakhound ${esc(o.version)}">
<meta name="color-scheme" content="light">
<title>${esc(o.title)}</title>
<style>${o.css}</style>
</head>
<body>
<main>
<header class="doc-head"><span class="brand">leakhound · ${esc(o.brand)}</span><span>${o.right}</span></header>`;
}
