/**
 * What Recourse reads from a directory, per implementation: filters, attribute names, how a
 * disabled account shows, how a password is changed. Config keys left empty take the preset's.
 * Learnt from the defaults Authelia, Authentik and Keycloak ship for the same two servers.
 */
import type { LdapConfig } from '../config/directory-schema.js';

export interface DirectoryAttributes {
  /** Immutable id: the local row links to it, so a rename keeps the user's factors. */
  id: string;
  username: string;
  email: string;
  name: string;
  phone: string;
  /** An attribute listing the user's group DNs (memberOf), or '' when groups are searched. */
  groups: string;
}

export interface DirectorySettings {
  /** `{input}` is what the user typed (escaped); for listing it becomes `*` (a presence test). */
  usersFilter: string;
  /** `{dn}` is the user's DN (escaped); null when the groups attribute lists them. */
  groupsFilter: string | null;
  attributes: DirectoryAttributes;
  /** A second attribute for the name when the first is empty (OpenLDAP: displayName, else cn). */
  nameFallback: string | null;
  /** objectGUID is 16 bytes, shown as a UUID; entryUUID is text already. */
  idFormat: 'text' | 'guid';
  /** How a disabled account shows: AD's userAccountControl bit, OpenLDAP ppolicy's lock, or only the filter. */
  disabled: 'user_account_control' | 'ppolicy_lock' | 'filter';
  /** RFC 3062 Password Modify, or AD's unicodePwd replace. */
  passwordChange: 'password_modify' | 'unicode_pwd';
}

// MS-ADTS 2.2.16: ACCOUNTDISABLE.
export const UAC_ACCOUNT_DISABLE = 0x2;
// MS-SAMR 2.2.1.9: SAM_USER_OBJECT, the sAMAccountType of every user account (not computers).
const SAM_USER_OBJECT = 805306368;

const PRESETS: Record<'openldap' | 'activedirectory', DirectorySettings> = {
  openldap: {
    usersFilter: '(&(|(uid={input})(mail={input}))(objectClass=inetOrgPerson))',
    // groupOfNames lists members in `member`, groupOfUniqueNames in `uniqueMember` (RFC 4519 §3.5, §3.6).
    groupsFilter: '(|(&(member={dn})(objectClass=groupOfNames))(&(uniqueMember={dn})(objectClass=groupOfUniqueNames)))',
    attributes: { id: 'entryUUID', username: 'uid', email: 'mail', name: 'displayName', phone: 'mobile', groups: '' },
    nameFallback: 'cn',
    idFormat: 'text',
    disabled: 'ppolicy_lock',
    passwordChange: 'password_modify',
  },
  activedirectory: {
    usersFilter: `(&(|(sAMAccountName={input})(userPrincipalName={input})(mail={input}))(sAMAccountType=${SAM_USER_OBJECT}))`,
    groupsFilter: null,
    attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', name: 'displayName', phone: 'mobile', groups: 'memberOf' },
    nameFallback: 'cn',
    idFormat: 'guid',
    disabled: 'user_account_control',
    passwordChange: 'unicode_pwd',
  },
};

/** The preset with the config's own filters and attributes laid over it. */
export function directorySettings(ldap: Pick<LdapConfig, 'implementation' | 'users_filter' | 'groups_filter' | 'attributes'>): DirectorySettings {
  const preset: DirectorySettings = ldap.implementation === 'custom'
    ? {
        usersFilter: '', groupsFilter: null, nameFallback: null, idFormat: 'text', disabled: 'filter', passwordChange: 'password_modify',
        attributes: { id: '', username: '', email: '', name: '', phone: '', groups: '' },
      }
    : PRESETS[ldap.implementation];
  const own = Object.fromEntries(Object.entries(ldap.attributes).filter(([, value]) => value !== '')) as Partial<DirectoryAttributes>;
  const attributes = { ...preset.attributes, ...own };
  // An own groups attribute means memberOf is read; an own groups_filter means groups are searched.
  const groupsFilter = ldap.groups_filter || (own.groups ? null : preset.groupsFilter);
  return {
    ...preset,
    usersFilter: ldap.users_filter || preset.usersFilter,
    groupsFilter,
    attributes: groupsFilter ? { ...attributes, groups: '' } : attributes,
    idFormat: attributes.id.toLowerCase() === 'objectguid' ? 'guid' : 'text',
  };
}

/** The attributes a user search asks for (entryUUID is operational: it comes only when named). */
export function requestedAttributes(settings: DirectorySettings): string[] {
  const { attributes } = settings;
  const names = [attributes.id, attributes.username, attributes.email, attributes.name, attributes.phone, attributes.groups, settings.nameFallback ?? ''];
  if (settings.disabled === 'user_account_control') names.push('userAccountControl');
  if (settings.disabled === 'ppolicy_lock') names.push('pwdAccountLockedTime');
  return [...new Set(names.filter(Boolean))];
}
