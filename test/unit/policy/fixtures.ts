/** Policies for the engine's tests, parsed the way the gateway parses a policy file. */
import { formatPolicyErrors, parsePolicyFiles } from '../../../gateway/policy/load.js';
import type { Policy } from '../../../gateway/policy/schema.js';
import { yaml } from './policy-dir.js';

export function policyOf(text: string): Policy {
  const outcome = parsePolicyFiles([{ name: 'p.yaml', path: 'p.yaml', text }]);
  if (!outcome.ok) throw new Error(formatPolicyErrors(outcome.errors).join('\n'));
  return outcome.policy;
}

/** The rules engine.test.ts argues each answer from; decision-cache.test.ts replays them cached. */
export const ENGINE_POLICY = yaml(
  'access:',
  '  default: two_factor',
  '  rules:',
  '    - paths: ["/static/**", "/favicon.ico"]',
  '      methods: [GET, HEAD]',
  '      policy: bypass',
  '    - paths: ["/admin/**"]',
  '      roles: [customer]',
  '      policy: deny',
  '    - hosts: ["*.internal.example"]',
  '      roles: [employee]',
  '      policy: one_factor',
  '    - hosts: ["legacy.example.com"]',
  '      policy: deny',
  '    - paths: ["/reports/**"]',
  '      roles: ["*"]',
  '      policy: one_factor',
  '    - hosts: ["*"]',
  '      paths: ["/open"]',
  '      policy: bypass',
);
