// What a report render is asked for: the CLI, the API and the desktop shell pass this.
import type { Paper } from './styles';

export interface RenderReportOptions {
  /** where to write the HTML report */
  html?: string;
  /** where to write the PDF report */
  pdf?: string;
  paper?: Paper;
  revealStrings?: boolean;
  /** the browser for the PDF (default: $LEAKHOUND_CHROMIUM or the system Chromium) */
  chromium?: string;
}
