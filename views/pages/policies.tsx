/** `P/admin/policies`: the policy in force, where it came from, and what it would do to one user. */
import { AdminNav, SoleSuperAdminWarning } from '../components/admin-nav.js';
import { Deadline, describeRequirement, describeTrigger, type ObligationView } from '../components/obligations-notice.js';
import { Layout } from '../layout.js';

export interface PolicyRuleView {
  on: string;
  require: string;
  /** `immediate` or a duration such as `7d`. */
  within: string;
  roles: readonly string[];
  types: readonly string[];
  /** The rule's roles and types include this user. */
  applies: boolean;
  /** The policy leaves the user a factor to meet it with (else the trigger opens nothing). */
  meetable: boolean;
}

export type PolicyLookup =
  | { email: string; found: false }
  | {
      email: string;
      found: true;
      user: { email: string; role: string; type: string };
      rules: readonly PolicyRuleView[];
      obligations: ReadonlyArray<ObligationView & { nagging: boolean }>;
    };

export interface PoliciesPageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string };
  timeZone: string;
  superAdmins: number;
  policy: { yaml: string; version: string; files: readonly string[]; loadedAt: Date; lastError: readonly string[] | null; warnings: readonly string[] };
  lookup: PolicyLookup | null;
}

function WhatWouldHappen(props: { lookup: PolicyLookup; timeZone: string }) {
  const { lookup } = props;
  if (!lookup.found) return <p class="error" role="alert">No user with the email {lookup.email}.</p>;
  const snoozed = (o: { nagging: boolean; blocking: boolean }) => !o.blocking && !o.nagging;
  return (
    <section class="card" id="what-would-happen">
      <p><strong>{lookup.user.email}</strong> <span class="badge">{lookup.user.role}</span> <span class="badge">{lookup.user.type}</span></p>
      <h3>Re-enrolment rules</h3>
      {lookup.rules.length === 0 ? <p class="muted">The policy has no re-enrolment rules.</p> : (
        <table id="rules">
          <thead><tr><th>When</th><th>Then</th><th>Within</th><th>For this user</th></tr></thead>
          <tbody>
            {lookup.rules.map((rule) => (
              <tr data-on={rule.on} data-applies={String(rule.applies && rule.meetable)}>
                <td><span class="code">{rule.on}</span><br /><span class="muted">{describeTrigger(rule.on)}</span></td>
                <td>{describeRequirement(rule.require)}</td>
                <td>{rule.within}</td>
                <td>
                  {!rule.applies ? <span class="badge">Does not apply (roles {rule.roles.join(', ')}; types {rule.types.join(', ')})</span>
                    : rule.meetable ? <span class="badge warn">Applies</span>
                      : <span class="badge bad">Applies, but the policy gives this user no way to meet it: nothing is opened</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Open obligations</h3>
      {lookup.obligations.length === 0 ? <p class="muted" id="no-obligations">None.</p> : (
        <table id="obligations">
          <thead><tr><th>Requirement</th><th>Because</th><th>Deadline</th><th>Now</th></tr></thead>
          <tbody>
            {lookup.obligations.map((o) => (
              <tr data-requirement={o.requirement}>
                <td>{describeRequirement(o.requirement)}</td>
                <td><span class="code">{o.trigger}</span></td>
                <td><Deadline obligation={o} timeZone={props.timeZone} /></td>
                <td>{o.blocking ? 'Blocks every application' : snoozed(o) ? 'Postponed by the user' : 'Asks on the next page load'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function PoliciesPage(props: PoliciesPageProps) {
  const { prefix, policy } = props;
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: props.timeZone, dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <Layout title="Policies" prefix={prefix} user={{ ...props.user, isAdmin: true }} csrfToken={props.csrfToken} wide>
      <AdminNav prefix={prefix} section="policies" />
      <SoleSuperAdminWarning superAdmins={props.superAdmins} />
      <h1>Policies</h1>
      {policy.lastError ? (
        <div class="error" role="alert" id="policy-error">
          <p><strong>The last change was refused; the policy below stays in force.</strong></p>
          <pre class="code">{policy.lastError.join('\n')}</pre>
        </div>
      ) : null}
      {policy.warnings.length ? (
        <div class="warning" role="status" id="policy-warnings">
          <p><strong>A later file overrides a value set earlier; the earlier value does nothing.</strong> Keep each key in one file.</p>
          <pre class="code">{policy.warnings.join('\n')}</pre>
        </div>
      ) : null}
      <section class="card" id="policy-source">
        <p>Version <span class="code" id="policy-version">{policy.version}</span> · loaded {when.format(policy.loadedAt)} ({props.timeZone})</p>
        {policy.files.length === 0 ? <p class="muted">No policy files: the built-in defaults apply.</p> : (
          <ul id="policy-files">{policy.files.map((file) => <li class="code">{file}</li>)}</ul>
        )}
        <p class="aside">Files are merged in this order: <span class="code">default.yaml</span> first, then the others in name order; a later file wins key by key. Files are watched: a valid change applies within two seconds, on every gateway reading this directory.</p>
      </section>

      <h2>What would happen to…</h2>
      <form method="get" action={`${prefix}/admin/policies`} class="card">
        <label for="email">User's email</label>
        <input id="email" name="email" type="email" required value={props.lookup?.email ?? ''} />
        <button type="submit" class="secondary">Show</button>
      </form>
      {props.lookup ? <WhatWouldHappen lookup={props.lookup} timeZone={props.timeZone} /> : null}

      <h2>If a super administrator is locked out</h2>
      <section class="card" id="escape-hatch">
        <p>Nobody can reset the only super administrator's second factor from the dashboard. From a shell on the gateway host:</p>
        <p class="code">npx recourse user reset-2fa --email ADMIN@EXAMPLE.COM --reason "Lost phone"</p>
        <p class="aside">It is audited with actor <span class="code">cli</span>, and the user is then asked to set up a new second factor (<span class="code">admin_reset</span>).</p>
      </section>

      <h2>Effective policy</h2>
      <p class="aside">All files merged, with the defaults for every key they leave out.</p>
      <pre class="card code" id="effective-policy">{policy.yaml}</pre>
    </Layout>
  );
}
