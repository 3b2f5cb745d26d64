// printToPDF options for the desktop export, matched to the headless renderer's layout
// (same margins and footer as electron/engine/report/pdf.ts) so both PDFs look alike.
import type { PrintToPDFOptions } from 'electron';
import { pdfFooterTemplate } from '../engine/report/pdf';
import { PAGE_MARGIN, type Paper } from '../engine/report/styles';

/** '15mm' → inches, the unit Electron's printToPDF margins take. */
export function mmToInches(value: string): number {
  const m = /^([\d.]+)mm$/.exec(value);
  if (!m) throw new Error(`margin ${value} is not in mm`);
  return Math.round((Number(m[1]) / 25.4) * 10_000) / 10_000;
}

export function printToPdfOptions(paper: Paper, footerLeft: string): PrintToPDFOptions {
  return {
    pageSize: paper === 'Letter' ? 'Letter' : 'A4',
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate: pdfFooterTemplate(footerLeft),
    margins: {
      top: mmToInches(PAGE_MARGIN.top),
      right: mmToInches(PAGE_MARGIN.right),
      bottom: mmToInches(PAGE_MARGIN.bottom),
      left: mmToInches(PAGE_MARGIN.left),
    },
    preferCSSPageSize: false,
    generateTaggedPDF: true,
    generateDocumentOutline: true,
  };
}
