import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStorage } from '../../db/client.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { checkPolicyDir } from '../policy/check.js';
import { loadPolicyDir } from '../policy/load.js';
import { adminSocketPath, sendToGateway } from './admin-socket.js';
import { dataDirOwnedByOther } from './owner-lock.js';
import { COMMANDS } from './commands/registry.js';
import { EXIT, type CommandValues } from './context.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function helpText(): string {
  return ['Usage: recourse <command> [options]', '', ...Object.values(COMMANDS).map((spec) => `  ${spec.usage}\n      ${spec.summary}`)].join('\n');
}

/** Parses argv, runs one command and returns its exit code; never prints a stack trace for bad input. */
export async function runCli(argv: string[]): Promise<number> {
  // Every file the gateway and its commands create is theirs alone (SECURITY P1): the embedded
  // database's WAL segments and relations, the session key, outbox mail. PGlite creates them with
  // mode 0666 minus the umask and takes no mode of its own, so the process umask is the one place
  // that covers them all; set here, before any command runs, rather than per file. (Not in
  // startGateway: tests run that inside a test worker, whose umask is not the gateway's to change.)
  process.umask(0o077);
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((candidate) => candidate in COMMANDS);
  if (!name) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      out(helpText());
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    err(`recourse: unknown command "${argv.slice(0, 2).join(' ')}" (see recourse --help)`);
    return EXIT.usage;
  }
  const spec = COMMANDS[name]!;
  let values: CommandValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv.slice(name.split(' ').length), options: spec.options, allowPositionals: spec.positionals ?? false, strict: true }) as { values: CommandValues; positionals: string[] });
  } catch (error) {
    err(`recourse ${name}: ${(error as Error).message.split('\n')[0]}`);
    err(`usage: ${spec.usage}`);
    return EXIT.usage;
  }
  if (values.help) {
    out(`usage: ${spec.usage}\n\n${spec.summary}`);
    return EXIT.ok;
  }

  if (name === 'policy check' && positionals[0]) return printPolicyCheck(positionals[0]);
  let input: string | undefined;
  if (spec.file) {
    if (positionals.length !== 1) {
      err(`recourse ${name}: name one file`);
      err(`usage: ${spec.usage}`);
      return EXIT.usage;
    }
    const file = positionals[0]!;
    try {
      input = fs.readFileSync(file, 'utf8');
    } catch (error) {
      err(`recourse ${name}: ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
      return EXIT.refused;
    }
    values = { ...values, file: path.basename(file) };
  }
  let config: Config;
  try {
    config = loadConfig(typeof values.config === 'string' ? { file: values.config } : {});
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const line of error.lines) err(line);
      return EXIT.refused;
    }
    throw error;
  }
  // Loaded on demand: the server's whole dependency tree is not needed for a quick command.
  if (name === 'serve') return (await import('./serve.js')).serve(config);
  if (name === 'policy check') return printPolicyCheck(config.policies.dir);
  if (name === 'migrate') return migrate(config);
  return runDbCommand(name, config, values, input);
}

async function printPolicyCheck(dir: string): Promise<number> {
  const result = await checkPolicyDir(dir);
  for (const line of result.lines) (result.exitCode === 0 ? out : err)(line);
  return result.exitCode;
}

async function migrate(config: Config): Promise<number> {
  if (!config.storage.database_url) {
    const answer = await sendToGateway(adminSocketPath(config.storage.data_dir), { command: 'ping', values: {} });
    if (answer) {
      out('The running gateway owns this embedded database and migrated it at start; nothing to do.');
      return EXIT.ok;
    }
  }
  const storage = await openStorage({ databaseUrl: config.storage.database_url, dataDir: config.storage.data_dir, embeddedSharedBuffers: config.storage.embedded_shared_buffers });
  try {
    await storage.migrate();
    out(`Migrations applied (${storage.kind}).`);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

/** `input`: the text of the command's file, when it reads one; else stdin for --password-stdin. */
async function runDbCommand(name: string, config: Config, values: CommandValues, input?: string): Promise<number> {
  const spec = COMMANDS[name]!;
  const stdin = input ?? (values['password-stdin'] ? await readStdin() : undefined);
  if (!config.storage.database_url) {
    const request = { command: name, values, ...(stdin !== undefined ? { stdin } : {}) };
    // A gateway that is still starting owns the directory before its socket is up: wait for it.
    const deadline = performance.now() + 60_000;
    for (;;) {
      const answer = await sendToGateway(adminSocketPath(config.storage.data_dir), request);
      if (answer) {
        answer.stdout.forEach(out);
        answer.stderr.forEach(err);
        return answer.exitCode;
      }
      if (!dataDirOwnedByOther(config.storage.data_dir)) break;
      if (performance.now() > deadline) {
        err(`recourse ${name}: the gateway that owns ${config.storage.data_dir} is not answering on its admin socket`);
        return EXIT.refused;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const storage = await openStorage({ databaseUrl: config.storage.database_url, dataDir: config.storage.data_dir, embeddedSharedBuffers: config.storage.embedded_shared_buffers });
  try {
    if (storage.kind === 'embedded') await storage.migrate();
    const loaded = await loadPolicyDir(config.policies.dir);
    const policies = loaded.ok ? { current: () => ({ policy: loaded.policy }) } : undefined;
    return await spec.db!.run({ db: storage.db, config, clock: systemClock, out, err, ...(policies ? { policies } : {}) }, values, stdin);
  } catch (error) {
    err(`recourse ${name}: ${(error as Error).message.split('\n')[0]}`);
    return EXIT.refused;
  } finally {
    await storage.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
