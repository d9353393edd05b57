/**
 * Access rules compiled once per policy version into plain predicates, so a request costs a few
 * set look-ups and precompiled glob tests; the answers are then remembered per policy version, so
 * a repeated request costs one map look-up.
 */
import picomatch from 'picomatch';
import { hostPattern, readHost } from '../core/host.js';
import { ACCESS_LEVELS, EVERYONE, type AccessLevel } from './fields.js';
import { pathReadings, type PathReading } from './request-target.js';
import type { AccessRule, Policy } from './schema.js';

export type { AccessLevel };

export interface AccessRequest {
  host: string;
  path: string;
  method: string;
  /** The user's role and user type; `[]` for an anonymous request. */
  roles: readonly string[];
  /** The user's named groups, sorted (the session view keeps them so); `[]` for an anonymous request. */
  groups: readonly string[];
}

export interface CompiledPolicy {
  readonly policy: Policy;
  decideAccess(request: AccessRequest): AccessLevel;
  /** How many answers this policy version remembers (at most DECISION_CACHE_SIZE). */
  cachedDecisions(): number;
}

/**
 * Remembered answers per policy version. Paths are chosen by whoever sends the request, so the
 * cache is bounded in entries and in key length: 10,000 keys of at most 512 characters stay under
 * ~10 MB even when every one is an attacker's, and an attacker's paths only evict, never grow.
 */
export const DECISION_CACHE_SIZE = 10_000;
export const DECISION_CACHE_MAX_KEY = 512;

type Test = (value: string) => boolean;

interface CompiledRule {
  host?: Test;
  path?: Test;
  /** The same globs without regard to case, for a case-folded reading of the path. */
  pathAnyCase?: Test;
  methods?: ReadonlySet<string>;
  /** `signed_in` for `roles: ["*"]`: any user, but never an anonymous request. */
  roles?: ReadonlySet<string> | 'signed_in';
  groups?: ReadonlySet<string>;
  level: AccessLevel;
}

function globTest(globs: readonly string[] | undefined, options: picomatch.PicomatchOptions): Test | undefined {
  if (!globs || globs.includes(EVERYONE)) return undefined;
  return picomatch([...globs], options);
}

function compileRule(rule: AccessRule): CompiledRule {
  const compiled: CompiledRule = { level: rule.policy };
  // `dot` so that `/public/**` also covers `/public/.well-known/…`; hosts are matched as read by
  // core/host.ts (lower case, no port, no trailing dot), the reading the app router uses.
  const host = globTest(rule.hosts?.map(hostPattern), { dot: true, nocase: true });
  const path = globTest(rule.paths, { dot: true });
  const pathAnyCase = globTest(rule.paths, { dot: true, nocase: true });
  if (host) compiled.host = host;
  if (path) compiled.path = path;
  if (pathAnyCase) compiled.pathAnyCase = pathAnyCase;
  if (rule.methods && !rule.methods.includes(EVERYONE)) compiled.methods = new Set(rule.methods);
  if (rule.roles) compiled.roles = rule.roles.includes(EVERYONE) ? 'signed_in' : new Set(rule.roles);
  if (rule.groups) compiled.groups = new Set(rule.groups);
  return compiled;
}

function matchesRoles(wanted: CompiledRule['roles'], roles: readonly string[]): boolean {
  if (wanted === undefined) return true;
  if (wanted === 'signed_in') return roles.length > 0;
  return roles.some((role) => wanted.has(role));
}

function firstMatch(
  rules: readonly CompiledRule[],
  fallback: AccessLevel,
  host: string,
  reading: PathReading,
  method: string,
  roles: readonly string[],
  groups: readonly string[],
): AccessLevel {
  for (const rule of rules) {
    if (rule.methods && !rule.methods.has(method)) continue;
    if (!matchesRoles(rule.roles, roles)) continue;
    if (rule.groups && !groups.some((group) => rule.groups!.has(group))) continue;
    if (rule.host && !rule.host(host)) continue;
    const path = reading.anyCase ? rule.pathAnyCase : rule.path;
    if (path && !path(reading.path)) continue;
    return rule.level;
  }
  return fallback;
}

function stricter(a: AccessLevel, b: AccessLevel): AccessLevel {
  return ACCESS_LEVELS.indexOf(b) > ACCESS_LEVELS.indexOf(a) ? b : a;
}

const compiledByPolicy = new WeakMap<Policy, CompiledPolicy>();

/** Compiles `policy.access`; the same (frozen) policy object always yields the same compiled one. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const cached = compiledByPolicy.get(policy);
  if (cached) return cached;
  const rules = policy.access.rules.map(compileRule);
  const fallback = policy.access.default;
  // Only the groups some rule names can change an answer, so only they go into the cache key:
  // users whose other groups differ share answers, and a user in many groups keeps a short key.
  const namedGroups = new Set(policy.access.rules.flatMap((rule) => rule.groups ?? []));
  const decisions = new Map<string, AccessLevel>();
  const compiled: CompiledPolicy = {
    policy,
    decideAccess({ host, path, method, roles, groups }) {
      // Method and host are sent by the client, so their lengths fix where each ends; roles and
      // groups are ours and cannot hold NUL (PostgreSQL text refuses it), and each list starts
      // with its length; the path, last, takes the rest.
      let key = `${method.length}:${host.length}:${method}${host}${roles.length}`;
      for (const role of roles) key += `\0${role}`;
      const relevant = namedGroups.size === 0 ? groups : groups.filter((group) => namedGroups.has(group));
      if (namedGroups.size > 0) {
        key += `\0${relevant.length}`;
        for (const group of relevant) key += `\0${group}`;
      }
      key += `\0${path}`;
      const known = decisions.get(key);
      if (known !== undefined) return known;
      // A Host with no one reading is routed nowhere (the proxy and verify answer 400), so no rule
      // may speak for it.
      const read = readHost(host);
      const verb = method.toUpperCase();
      // First match wins per reading of the path; across readings the strictest answer stands.
      const level = !read.ok ? 'deny' : pathReadings(path)
        .map((reading) => firstMatch(rules, fallback, read.host.name, reading, verb, roles, relevant))
        .reduce(stricter);
      if (key.length <= DECISION_CACHE_MAX_KEY) {
        // Oldest first: a Map iterates in insertion order.
        if (decisions.size >= DECISION_CACHE_SIZE) decisions.delete(decisions.keys().next().value!);
        decisions.set(key, level);
      }
      return level;
    },
    cachedDecisions: () => decisions.size,
  };
  compiledByPolicy.set(policy, compiled);
  return compiled;
}

export type FactorName = keyof Policy['factors'];

/** Whether `factor` is on for a user; a factor's `roles` list names roles or user types, `*` everyone. */
export function factorAllowed(policy: Policy, factor: FactorName, role: string, type: string): boolean {
  const settings = policy.factors[factor];
  if (!settings.enabled) return false;
  if (!('roles' in settings)) return true;
  const roles: readonly string[] = settings.roles;
  return roles.includes(EVERYONE) || roles.includes(role) || roles.includes(type);
}
