// The name the orchestrator imports; same exports as ./index.
export * from './index';
