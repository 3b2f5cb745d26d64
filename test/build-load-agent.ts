// npm run build: the remote load generator as one file, for the host's node (remote/load-bundle.ts).
import path from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE_NAME, bundleOptions } from '../electron/engine/remote/load-bundle';

const root = path.resolve(__dirname, '..');
buildSync({
  ...bundleOptions(path.join(root, 'electron/engine/remote/load-agent.ts')),
  outfile: path.join(root, 'dist/electron/engine/remote', BUNDLE_NAME),
});
