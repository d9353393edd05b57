/**
 * A realistic access policy of 20 rules, written the way an organisation grows one: host, path,
 * method and role matchers, denies and bypasses first. The benchmark's request (GET /some/page by a
 * signed-in `user`) falls through the first 19 rules to the last, a one_factor rule, so every
 * request pays for the whole list.
 */
export const BENCH_ACCESS_RULES = [
  { paths: ['/.git/**', '/.env', '/.env.*'], policy: 'deny' },
  { paths: ['/static/**', '/favicon.ico', '/robots.txt'], methods: ['GET', 'HEAD'], policy: 'bypass' },
  { paths: ['/health', '/status'], methods: ['GET'], policy: 'bypass' },
  { hosts: ['docs.example.com'], paths: ['/public/**'], policy: 'bypass' },
  { hosts: ['wiki.internal.example'], roles: ['employee'], policy: 'one_factor' },
  { paths: ['/admin/**'], roles: ['customer'], policy: 'deny' },
  { paths: ['/admin/**'], roles: ['admin', 'owner', 'super_admin'], policy: 'two_factor' },
  { hosts: ['*.billing.example.com'], policy: 'two_factor' },
  { paths: ['/api/v2/**'], methods: ['POST', 'PUT', 'PATCH', 'DELETE'], roles: ['admin', 'owner'], policy: 'two_factor' },
  { paths: ['/reports/**', '/analytics/**'], roles: ['admin', 'employee'], policy: 'two_factor' },
  { hosts: ['grafana.internal.example'], paths: ['/d/**', '/dashboards/**'], policy: 'one_factor' },
  { hosts: ['*.partner.example.com'], roles: ['customer'], policy: 'one_factor' },
  { paths: ['/settings/security/**', '/account/delete'], policy: 'two_factor' },
  { paths: ['/uploads/**'], methods: ['POST', 'PUT'], policy: 'two_factor' },
  { hosts: ['crm.internal.example'], roles: ['employee', 'admin'], policy: 'two_factor' },
  { paths: ['/export/**', '/backup/**'], roles: ['owner', 'super_admin'], policy: 'two_factor' },
  { paths: ['/export/**', '/backup/**'], policy: 'deny' },
  { methods: ['DELETE'], roles: ['*'], policy: 'two_factor' },
  { paths: ['/**/*.map', '/**/*.bak'], policy: 'deny' },
  { roles: ['user', 'employee', 'customer'], policy: 'one_factor' },
] as const;

export const BENCH_POLICY = { access: { default: 'two_factor', rules: BENCH_ACCESS_RULES } };

if (BENCH_ACCESS_RULES.length !== 20) throw new Error('the benchmark policy has 20 rules');
