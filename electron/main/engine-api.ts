// The slice of the UI engineer's ApiHandler (electron/engine/api/handler.ts) that the shell
// uses, as a structural type: main depends on the contract, not on the implementation.
import type { ApiEvent } from '../../shared/api';

export interface EngineApi {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  dispose(): Promise<void>;
}
