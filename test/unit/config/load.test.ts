import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../gateway/config/load.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-config-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = 'config.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The lines of the ConfigError a load throws; fails the test when it loads. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).lines;
  }
  throw new Error('expected the config to be refused');
}

describe('config problems', () => {
  it('reports every problem at once, one line each, starting with its key path', () => {
    const file = writeConfig([
      'server:',
      '  listen: nowhere',
      '  public_url: ftp://x',
      'session:',
      `  secret: ${SECRET}`,
      '  max_age: forever',
      'storage:',
      '  database_url: mysql://db',
      'apps:',
      '  - name: a',
      '    host: "*"',
      '    upstream: gopher://old',
    ].join('\n'));
    const lines = problemsOf(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).not.toContain('\n');
    expect(lines.find((l) => l.startsWith('server.listen: '))).toMatch(/host:port/);
    expect(lines.find((l) => l.startsWith('server.public_url: '))).toMatch(/http\(s\) URL/);
    expect(lines.find((l) => l.startsWith('session.max_age: '))).toMatch(/duration/);
    expect(lines.find((l) => l.startsWith('storage.database_url: '))).toMatch(/postgres/);
    expect(lines.find((l) => l.startsWith('apps[0].upstream: '))).toBeDefined();
  });

  it('names unknown keys, nested and top-level', () => {
    const file = writeConfig(`session:\n  secret: ${SECRET}\n  max_agee: 1h\nservr:\n  listen: 1.2.3.4:1\n`);
    const lines = problemsOf(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(lines).toContain('session.max_agee: unknown key');
    expect(lines).toContain('servr: unknown key');
  });

  it('refuses an idle timeout longer than the session lifetime, naming idle_timeout', () => {
    const lines = problemsOf(() => loadConfig({ object: { session: { secret: SECRET, max_age: '1h', idle_timeout: '2h' } }, env: {}, cwd: dir }));
    expect(lines).toEqual([expect.stringMatching(/^session\.idle_timeout: /)]);
  });

  it('refuses trust_proxy entries that are not addresses or CIDRs, naming the entry', () => {
    const lines = problemsOf(() => loadConfig({
      object: { session: { secret: SECRET }, server: { trust_proxy: ['10.0.0.0/8', '10.0.0.0/33', '999.1.1.1', '::1/129', 'fe80::/10'] } },
      env: {}, cwd: dir,
    }));
    expect(lines).toEqual([
      expect.stringMatching(/^server\.trust_proxy\[1\]: /),
      expect.stringMatching(/^server\.trust_proxy\[2\]: /),
      expect.stringMatching(/^server\.trust_proxy\[3\]: /),
    ]);
  });

  it('refuses an embedded shared_buffers that is not a PostgreSQL size, naming the key', () => {
    const lines = problemsOf(() => loadConfig({ object: { session: { secret: SECRET }, storage: { embedded_shared_buffers: '8MB; drop' } }, env: {}, cwd: dir }));
    expect(lines).toEqual([expect.stringMatching(/^storage\.embedded_shared_buffers: expected a size such as 8MB/)]);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    const lines = problemsOf(() => loadConfig({ object: { session: { secret: 'short' } }, env: {}, cwd: dir }));
    expect(lines).toEqual([expect.stringMatching(/^session\.secret: .*32/)]);
  });

  it('reports a YAML syntax error with the file, line and column, one line each', () => {
    const file = writeConfig('server:\n  listen: 127.0.0.1:8080\n\tprefix: /x\n');
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd: dir }))).toEqual(['config: config.yaml:3:1 Tabs are not allowed as indentation']);
  });

  it('reports a duplicate key at its line', () => {
    const file = writeConfig('server:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n');
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd: dir }))).toEqual([expect.stringMatching(/^config: config\.yaml:3:3 .*unique/)]);
  });

  it.each([['a list', '- server\n- session\n'], ['a scalar', 'just text\n']])('refuses a file that is %s, not a mapping', (_kind, text) => {
    const file = writeConfig(text);
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd: dir }))).toEqual([expect.stringMatching(/^config: expected a mapping/)]);
  });

  it('refuses a section that is not a mapping, naming it', () => {
    const file = writeConfig(`server: 8080\nsession:\n  secret: ${SECRET}\n`);
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd: dir }))).toEqual([expect.stringMatching(/^server: /)]);
  });

  it('says so when the named file cannot be read', () => {
    const lines = problemsOf(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {}, cwd: dir }));
    expect(lines).toEqual([expect.stringMatching(/^config: cannot read .*missing\.yaml: ENOENT/)]);
  });

  it('takes an empty file as all defaults', () => {
    const file = writeConfig('');
    const config = loadConfig({ file, env: { RECOURSE_SESSION_SECRET: SECRET }, cwd: dir });
    expect(config.server.listen).toBe('127.0.0.1:8080');
    expect(config.session.max_age).toBe(12 * 3_600_000);
    expect(config.session.idle_timeout).toBe(30 * 60_000);
    expect(config.apps).toMatchObject([{ name: 'demo', host: '*', upstream: 'builtin:demo', identity: { headers: { user: 'Remote-User' } } }]);
    expect(Object.isFrozen(config.server)).toBe(true);
  });
});

describe('environment overrides', () => {
  it('overrides strings, numbers, booleans and lists by RECOURSE_ + key path', () => {
    const file = writeConfig(`server:\n  listen: 127.0.0.1:1\nsession:\n  secret: ${SECRET}\n`);
    const config = loadConfig({
      file, cwd: dir,
      env: {
        RECOURSE_SERVER_LISTEN: '0.0.0.0:9000',
        RECOURSE_STORAGE_DATABASE_URL: 'postgres://u@db/recourse',
        RECOURSE_REDIS_URL: 'redis://cache:6379',
        RECOURSE_SERVER_BODY_LIMIT: '1024',
        RECOURSE_MAIL_TLS_REJECT_UNAUTHORIZED: 'false',
        RECOURSE_SERVER_TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
        RECOURSE_SESSION_MAX_AGE: '8h',
        RECOURSE_UNRELATED: 'ignored',
      },
    });
    expect(config.server.listen).toBe('0.0.0.0:9000');
    expect(config.storage.database_url).toBe('postgres://u@db/recourse');
    expect(config.redis.url).toBe('redis://cache:6379');
    expect(config.server.body_limit).toBe(1024);
    expect(config.mail.tls_reject_unauthorized).toBe(false);
    expect(config.server.trust_proxy).toEqual(['10.0.0.0/8', '192.168.1.1']);
    expect(config.session.max_age).toBe(8 * 3_600_000);
  });

  it('takes the secret from the environment', () => {
    const config = loadConfig({ object: {}, env: { RECOURSE_SESSION_SECRET: SECRET }, cwd: dir });
    expect(config.session.secret).toBe(SECRET);
  });

  it('reports bad values with the key path and the variable, together with file problems', () => {
    const file = writeConfig(`session:\n  secret: ${SECRET}\n  max_age: soon\n`);
    const lines = problemsOf(() => loadConfig({
      file, cwd: dir,
      env: { RECOURSE_SERVER_BODY_LIMIT: 'lots', RECOURSE_SERVER_PASSWORD_HASH_QUEUE: '-1', RECOURSE_MAIL_TLS_REJECT_UNAUTHORIZED: 'yes', RECOURSE_REDIS_URL: 'http://x' },
    }));
    expect(lines).toContain('server.body_limit: RECOURSE_SERVER_BODY_LIMIT="lots" is not a whole number (digits only)');
    expect(lines).toContain('server.password_hash_queue: RECOURSE_SERVER_PASSWORD_HASH_QUEUE="-1" is not a whole number (digits only)');
    expect(lines).toContain('mail.tls_reject_unauthorized: RECOURSE_MAIL_TLS_REJECT_UNAUTHORIZED="yes" is not a boolean');
    expect(lines.find((l) => l.startsWith('redis.url: '))).toBeDefined();
    expect(lines.find((l) => l.startsWith('session.max_age: '))).toBeDefined();
    expect(lines).toHaveLength(5);
  });

  it('reports a bad duration from the environment under its key path', () => {
    const lines = problemsOf(() => loadConfig({ object: { session: { secret: SECRET } }, env: { RECOURSE_PROXY_TIMEOUT: '30 seconds' }, cwd: dir }));
    expect(lines).toEqual([expect.stringMatching(/^proxy\.timeout: expected a duration/)]);
  });
});

describe('secrets from files', () => {
  it('creates a missing secret_file with mode 0600 and reuses it afterwards', () => {
    const file = writeConfig('session:\n  secret_file: keys/session.key\n');
    const first = loadConfig({ file, env: {}, cwd: '/' });
    const keyFile = path.join(dir, 'keys', 'session.key');
    expect(first.session.secret_file).toBe(keyFile);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.byteLength(first.session.secret)).toBeGreaterThanOrEqual(32);
    const second = loadConfig({ file, env: {}, cwd: '/' });
    expect(second.session.secret).toBe(first.session.secret);
  });

  it('uses an existing secret_file and refuses one that is too short', () => {
    fs.writeFileSync(path.join(dir, 'good.key'), `${SECRET}\n`);
    fs.writeFileSync(path.join(dir, 'short.key'), 'tiny\n');
    expect(loadConfig({ file: writeConfig('session:\n  secret_file: good.key\n'), env: {}, cwd: '/' }).session.secret).toBe(SECRET);
    const lines = problemsOf(() => loadConfig({ file: writeConfig('session:\n  secret_file: short.key\n'), env: {}, cwd: '/' }));
    expect(lines).toEqual([expect.stringMatching(/^session\.secret_file: .*fewer than 32 bytes/)]);
  });

  it('prefers an explicit secret and then creates no file', () => {
    const config = loadConfig({ file: writeConfig(`session:\n  secret: ${SECRET}\n  secret_file: never.key\n`), env: {}, cwd: '/' });
    expect(config.session.secret).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, 'never.key'))).toBe(false);
  });

  it('reads smtp_url_file (trimmed) relative to the config file', () => {
    fs.mkdirSync(path.join(dir, 'secrets'));
    fs.writeFileSync(path.join(dir, 'secrets', 'smtp'), 'smtp://user:pass@mail.example:587\n');
    const config = loadConfig({ file: writeConfig(`session:\n  secret: ${SECRET}\nmail:\n  smtp_url_file: secrets/smtp\n`), env: {}, cwd: '/' });
    expect(config.mail.smtp_url).toBe('smtp://user:pass@mail.example:587');
    expect('smtp_url_file' in config.mail).toBe(false);
  });

  it('reports an unreadable smtp_url_file under its key path', () => {
    const lines = problemsOf(() => loadConfig({ file: writeConfig(`session:\n  secret: ${SECRET}\nmail:\n  smtp_url_file: nope\n`), env: {}, cwd: '/' }));
    expect(lines).toEqual([expect.stringMatching(/^mail\.smtp_url_file: cannot read .*ENOENT/)]);
  });
});

describe('paths', () => {
  it('resolves relative paths against the config file directory, not the working directory', () => {
    const nested = path.join(dir, 'etc');
    fs.mkdirSync(nested);
    const file = path.join(nested, 'recourse.yaml');
    fs.writeFileSync(file, [
      'session:', `  secret: ${SECRET}`,
      'storage:', '  data_dir: ./state',
      'mail:', '  outbox_dir: ../mailbox',
      'policies:', '  dir: policies',
      'geoip:', '  city_db: /abs/city.mmdb', '  asn_db: ""',
    ].join('\n'));
    const config = loadConfig({ file: 'etc/recourse.yaml', env: {}, cwd: dir });
    expect(config.file).toBe(file);
    expect(config.baseDir).toBe(nested);
    expect(config.storage.data_dir).toBe(path.join(nested, 'state'));
    expect(config.mail.outbox_dir).toBe(path.join(dir, 'mailbox'));
    expect(config.policies.dir).toBe(path.join(nested, 'policies'));
    expect(config.geoip.city_db).toBe('/abs/city.mmdb');
    expect(config.geoip.asn_db).toBe('');
  });

  it('finds the config via RECOURSE_CONFIG, then config.yaml, then config.example.yaml', () => {
    writeConfig(`session:\n  secret: ${SECRET}\nserver:\n  listen: 127.0.0.1:1111\n`, 'config.example.yaml');
    expect(loadConfig({ env: {}, cwd: dir }).server.listen).toBe('127.0.0.1:1111');
    writeConfig(`session:\n  secret: ${SECRET}\nserver:\n  listen: 127.0.0.1:2222\n`, 'config.yaml');
    expect(loadConfig({ env: {}, cwd: dir }).server.listen).toBe('127.0.0.1:2222');
    writeConfig(`session:\n  secret: ${SECRET}\nserver:\n  listen: 127.0.0.1:3333\n`, 'other.yaml');
    expect(loadConfig({ env: { RECOURSE_CONFIG: 'other.yaml' }, cwd: dir }).server.listen).toBe('127.0.0.1:3333');
  });

  it('strips a trailing slash from public_url', () => {
    expect(loadConfig({ object: { server: { public_url: 'https://id.example/' }, session: { secret: SECRET } }, env: {}, cwd: dir }).server.public_url).toBe('https://id.example');
  });
});
