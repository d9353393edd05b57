/**
 * Signing in the way a browser does: GET P/login for the CSRF cookie and the form's token, then
 * POST the form with an Origin header. Returns the cookies to send afterwards.
 */
export interface SignInOutcome {
  ok: boolean;
  status: number;
  /** `name=value; …` for a Cookie header: the session and the CSRF cookie, as a browser holds them. */
  cookie: string;
  sessionCookie?: string;
}

function keepCookies(jar: Map<string, string>, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0]!;
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (value === '' || /max-age=0\b/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

export async function signIn(options: { base: string; prefix: string; email: string; password: string; cookieName: string }): Promise<SignInOutcome> {
  const jar = new Map<string, string>();
  const page = await fetch(`${options.base}${options.prefix}/login?rd=%2F`, { redirect: 'manual' });
  keepCookies(jar, page);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) return { ok: false, status: page.status, cookie: '' };
  const posted = await fetch(`${options.base}${options.prefix}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: options.base, cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _csrf: csrf, email: options.email, password: options.password, rd: '/' }),
  });
  keepCookies(jar, posted);
  await posted.arrayBuffer();
  const sessionCookie = jar.get(options.cookieName);
  return { ok: posted.status === 303 && sessionCookie !== undefined, status: posted.status, cookie: cookieHeader(jar), ...(sessionCookie ? { sessionCookie } : {}) };
}
