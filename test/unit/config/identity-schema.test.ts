import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../gateway/config/load.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';

function load(identity: unknown) {
  return loadConfig({ object: { session: { secret: SECRET }, apps: [{ name: 'grafana', host: '*', upstream: 'http://127.0.0.1:3000', identity }] }, env: {}, cwd: '/tmp' });
}

function problemsOf(identity: unknown): string[] {
  try {
    load(identity);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).lines;
  }
  throw new Error('expected the config to be refused');
}

describe('apps[].identity (CONTRACT §8.2)', () => {
  it('defaults to the Remote-* names and no assertion', () => {
    const [app] = load(undefined).apps;
    expect(app!.identity).toEqual({
      headers: { user: 'Remote-User', username: 'Remote-Username', email: 'Remote-Email', name: 'Remote-Name', groups: 'Remote-Groups', auth_level: 'Remote-Auth-Level' },
    });
  });

  it('takes other names, "" to leave a field out, and an assertion header', () => {
    const [app] = load({ headers: { user: 'X-WEBAUTH-USER', name: '' }, assertion: { header: 'X-Recourse-Assertion' } }).apps;
    expect(app!.identity.headers).toMatchObject({ user: 'X-WEBAUTH-USER', name: '', email: 'Remote-Email' });
    expect(app!.identity.assertion).toEqual({ header: 'X-Recourse-Assertion' });
  });

  it('names the key of a bad header name, a reserved one, a duplicate and an unknown field', () => {
    const lines = problemsOf({
      headers: { user: 'X WEBAUTH', email: 'Cookie', name: 'x_webauth_user', groups: 'X-Webauth-User', nickname: 'X-Nick' },
      assertion: { header: 'remote-auth-level' },
    });
    const text = lines.join('\n');
    expect(text).toMatch(/apps\[0\]\.identity\.headers\.user\b.*header name/);
    expect(text).toMatch(/apps\[0\]\.identity\.headers\.email\b.*owns/);
    expect(text).toMatch(/apps\[0\]\.identity\.headers\.nickname: unknown key/);
    expect(text).toMatch(/apps\[0\]\.identity\.headers\.groups\b.*already the header of headers\.name/);
  });

  it('refuses two fields under one name, in any case or spelling', () => {
    const text = problemsOf({ headers: { user: 'X-WEBAUTH-USER', name: 'x_webauth_user' }, assertion: { header: 'Remote-Auth-Level' } }).join('\n');
    expect(text).toMatch(/apps\[0\]\.identity\.headers\.name\b.*already the header of headers\.user/);
    expect(text).toMatch(/apps\[0\]\.identity\.assertion\.header\b.*already the header of headers\.auth_level/);
  });
});
