// Empty / loading / error panels: each says what is happening and what to do next.
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {what}
    </div>
  );
}

export function ErrorBox({ error, action }: { error: Error | string; action?: ReactNode }) {
  return (
    <div className="state state-error" role="alert">
      <strong>Something went wrong.</strong> {typeof error === 'string' ? error : error.message}
      {action ? <div className="state-action">{action}</div> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}
