// The desktop app's own log (Help → Open logs folder): one line per event, appended
// synchronously so the last lines before a crash are on disk.
import fs from 'node:fs';
import path from 'node:path';

export function createLog(dir: string): (message: string) => void {
  const file = path.join(dir, 'main.log');
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch {}
  return (message: string) => {
    const line = `${new Date().toISOString()} ${message.replace(/\s*\n\s*/g, ' ')}\n`;
    try {
      fs.appendFileSync(file, line);
    } catch {}
    if (process.env.LEAKHOUND_DEV_URL) process.stderr.write(line);
  };
}
