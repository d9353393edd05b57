/** `recourse policy check [DIR]`: the same load path as the gateway, reported for a terminal. */
import { formatPolicyErrors, loadPolicyDir } from './load.js';

export interface PolicyCheck {
  exitCode: 0 | 1;
  lines: string[];
}

export async function checkPolicyDir(dir: string): Promise<PolicyCheck> {
  const outcome = await loadPolicyDir(dir);
  if (!outcome.ok) return { exitCode: 1, lines: formatPolicyErrors(outcome.errors) };
  const count = outcome.files.length;
  // Say so when nothing was read: a mistyped DIR would otherwise look like a valid policy.
  const files = count === 0 ? `no policy files in ${dir}, built-in defaults` : `${count} file${count === 1 ? '' : 's'}`;
  // A value set twice is valid, but the earlier file's edits no longer do anything (issue 28).
  const warnings = outcome.warnings.length;
  const noted = warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
  return { exitCode: 0, lines: [`policies OK (version ${outcome.version}, ${files}${noted})`, ...formatPolicyErrors(outcome.warnings.map((w) => ({ ...w, message: `warning: ${w.message}` })))] };
}
