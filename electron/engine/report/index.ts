// Public surface of the report module (HTML/PDF leak reports).
export { type ChartInput, chartSeries, growthChartSvg } from './chart';
export { parseReportArgs, REPORT_USAGE, type ReportCliOptions, reportCli } from './cli';
export { buildReportHtml, type ReportHtmlOptions, reportTitle, SECTION_IDS } from './html';
export { chromiumCandidates, findChromium, htmlToPdf, type PdfOptions, pdfFooterTemplate } from './pdf';
export { Redactor, redactedString, redactText } from './redact';
export { type RenderReportOptions, readResult, renderReport } from './render';
export { PAGE_MARGIN, type Paper, reportCss } from './styles';
