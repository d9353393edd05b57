import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, runCli, startServe, writeInstall, type Install } from './child.js';

const SLOW = 180_000;
const PASSWORD = 'restart test password';

afterAll(cleanUp, SLOW);

/** Adds a user to a running gateway, restarts it with SIGTERM, and finds user and session again. */
async function survivesRestart(install: Install): Promise<void> {
  const first = await startServe(install);
  const added = await runCli(['user', 'add', '--email', 'kept@example.com', '--password-stdin', '--config', install.configFile], { input: PASSWORD });
  expect(added.code).toBe(0);
  const client = new TestClient(install.url);
  expect((await client.signIn('kept@example.com', PASSWORD)).status).toBe(303);
  expect((await client.request('/')).status).toBe(200);
  expect(await first.stop()).toBe(0);

  const second = await startServe(install);
  try {
    // The session issued before the restart is still valid: same secret file, same session row.
    const page = await client.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('kept@example.com');
    const fresh = new TestClient(install.url);
    expect((await fresh.signIn('kept@example.com', PASSWORD)).status).toBe(303);
    expect((await fresh.request('/')).status).toBe(200);
    const listed = await runCli(['user', 'list', '--json', '--config', install.configFile]);
    expect((JSON.parse(listed.stdout) as Array<{ email: string }>).map((u) => u.email)).toContain('kept@example.com');
  } finally {
    expect(await second.stop()).toBe(0);
  }
}

describe('data survives a restart', () => {
  it('with embedded storage in data_dir', async () => {
    await survivesRestart(await writeInstall());
  }, SLOW);

  it.runIf(Boolean(process.env.DATABASE_URL))('with PostgreSQL', async () => {
    await survivesRestart(await writeInstall({ databaseUrl: await createDatabase(process.env.DATABASE_URL!) }));
  }, SLOW);
});
