/**
 * A browser-like HTTP client for tests: a cookie jar, no redirect following, and the CSRF token
 * of the last page it fetched, added to every form it posts.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly base: string, readonly defaultHeaders: Record<string, string> = {}) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      const expired = attributes.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaultHeaders, ...(init.headers as Record<string, string> | undefined) });
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader());
    const res = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    this.keep(res);
    return res;
  }

  /** GET a page and remember its CSRF token; returns the response and its text. */
  async page(path: string, headers: Record<string, string> = {}): Promise<{ res: Response; html: string }> {
    const res = await this.request(path, { headers });
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { res, html };
  }

  async postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.base, ...headers },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }),
    });
  }

  async postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.base, 'x-csrf-token': this.csrf, ...headers },
      body: JSON.stringify(body),
    });
  }

  /** Signs in through the real login form. */
  async signIn(email: string, password: string, rd = '/'): Promise<Response> {
    await this.page(`/.recourse/login?rd=${encodeURIComponent(rd)}`);
    return this.postForm('/.recourse/login', { email, password, rd });
  }
}
