/** A directory entry read into the fields Recourse keeps (pure: no network). */
import type { DirectorySettings } from './presets.js';
import { UAC_ACCOUNT_DISABLE } from './presets.js';

export interface DirectoryGroup {
  dn: string;
  /** The first RDN's value (the cn), which role_groups may name instead of the DN. */
  name: string;
}

export interface DirectoryPerson {
  /** The immutable id (entryUUID, objectGUID as a UUID). */
  id: string;
  dn: string;
  username: string;
  email: string;
  name: string;
  phone: string | null;
  groups: DirectoryGroup[];
  disabled: boolean;
}

type RawEntry = { dn: string; [attribute: string]: Buffer | Buffer[] | string[] | string };

export type ReadEntryOutcome = { ok: true; person: DirectoryPerson } | { ok: false; dn: string; problem: string };

/** Reads an entry; an entry without an id or an email cannot be linked or reached, and is refused. */
export function readEntry(entry: RawEntry, settings: DirectorySettings, groupsOf: (dn: string) => DirectoryGroup[] = () => []): ReadEntryOutcome {
  const { attributes } = settings;
  const id = settings.idFormat === 'guid' ? guidToUuid(firstBuffer(entry, attributes.id)) : first(entry, attributes.id).toLowerCase();
  if (!id) return { ok: false, dn: entry.dn, problem: `no ${attributes.id}` };
  const email = first(entry, attributes.email).trim();
  if (!email) return { ok: false, dn: entry.dn, problem: `no ${attributes.email}` };
  const name = first(entry, attributes.name) || (settings.nameFallback ? first(entry, settings.nameFallback) : '');
  const groups = attributes.groups ? all(entry, attributes.groups).map(groupFromDn) : groupsOf(entry.dn);
  return {
    ok: true,
    person: {
      id, dn: entry.dn, email, name,
      username: first(entry, attributes.username),
      phone: (attributes.phone && first(entry, attributes.phone)) || null,
      groups,
      disabled: isDisabled(entry, settings),
    },
  };
}

function isDisabled(entry: RawEntry, settings: DirectorySettings): boolean {
  if (settings.disabled === 'user_account_control') return (Number(first(entry, 'userAccountControl')) & UAC_ACCOUNT_DISABLE) !== 0;
  // ppolicy: any lock time marks the account locked (000001010000Z is "until an admin unlocks it").
  if (settings.disabled === 'ppolicy_lock') return first(entry, 'pwdAccountLockedTime') !== '';
  return false;
}

export function groupFromDn(dn: string): DirectoryGroup {
  const rdn = /^[^=]+=((?:\\.|[^,+\\])*)/.exec(dn);
  return { dn, name: rdn ? rdn[1]!.replace(/\\(.)/g, '$1').trim() : dn };
}

/**
 * objectGUID's 16 bytes as the UUID AD shows: the first three fields little-endian, the rest as
 * stored (MS-DTYP 2.3.4.2, GUID packet representation).
 */
export function guidToUuid(bytes: Buffer | undefined): string {
  if (!bytes || bytes.length !== 16) return '';
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = bytes.subarray(from, to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The inverse of guidToUuid: the bytes AD stores for a UUID as it shows it. */
export function uuidToGuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) return Buffer.alloc(0);
  const bytes = Buffer.from(hex, 'hex');
  const swap = (from: number, to: number) => Buffer.from([...bytes.subarray(from, to)].reverse());
  return Buffer.concat([swap(0, 4), swap(4, 6), swap(6, 8), bytes.subarray(8, 16)]);
}

function lookup(entry: RawEntry, attribute: string): RawEntry[string] | undefined {
  if (!attribute) return undefined;
  if (attribute in entry) return entry[attribute];
  // Servers answer in their own case (entryUUID vs entryuuid).
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  return key === undefined ? undefined : entry[key];
}

function all(entry: RawEntry, attribute: string): string[] {
  const value = lookup(entry, attribute);
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

function first(entry: RawEntry, attribute: string): string {
  return all(entry, attribute)[0] ?? '';
}

function firstBuffer(entry: RawEntry, attribute: string): Buffer | undefined {
  const value = lookup(entry, attribute);
  const one = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(one) ? one : undefined;
}
