// Messages between the API handler and its analysis worker thread.
export type AnalysisOp =
  | { op: 'diff'; fromFile: string; toFile: string; requestsBetween: number | null }
  | {
      op: 'instances';
      file: string;
      /** the snapshot before `file`, for "only new" (ids absent there) */
      baseFile: string | null;
      name: string;
      offset: number;
      limit: number;
      onlyNew: boolean;
      revealStrings: boolean;
    }
  | { op: 'retainers'; file: string; nodeId: number; revealStrings: boolean }
  | { op: 'forget'; files: string[] };

export type AnalysisRequest = { seq: number } & AnalysisOp;

export type AnalysisResponse =
  | { seq: number; ok: true; value: unknown }
  | { seq: number; ok: false; message: string; user: boolean };
