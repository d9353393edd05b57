#!/usr/bin/env node
// The `recourse` command: TypeScript run through tsx's loader, no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
