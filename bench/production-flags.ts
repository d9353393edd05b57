/**
 * The Node flags production runs the gateway with, read from docker/Dockerfile's ENTRYPOINT (the
 * one place they are written; `npm start` repeats them and test/integration/deploy-files.test.ts
 * holds the two together), so the bench measures what is deployed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'docker/Dockerfile');

export function productionNodeFlags(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): string[] {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!entrypoint) throw new Error('docker/Dockerfile has no ENTRYPOINT ["node", …] line');
  const argv = JSON.parse(entrypoint[1]!) as string[];
  if (argv[0] !== 'node') throw new Error(`docker/Dockerfile's ENTRYPOINT does not start node: ${entrypoint[1]}`);
  return argv.slice(1).filter((arg) => arg.startsWith('--'));
}
