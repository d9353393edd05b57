import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { describe, expect, it } from 'vitest';
import { readCookie } from '../../../gateway/http/session-cookie.js';

const NAME = 'recourse_session';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJhYmMifQ.c2lnbmF0dXJl';

describe('readCookie', () => {
  it.each([
    ['the only cookie', `${NAME}=${TOKEN}`, TOKEN],
    ['among several, first', `${NAME}=${TOKEN}; theme=dark; lang=en`, TOKEN],
    ['among several, last', `theme=dark; lang=en; ${NAME}=${TOKEN}`, TOKEN],
    ['without the space after ;', `theme=dark;${NAME}=${TOKEN};lang=en`, TOKEN],
    ['with blanks around name and value', `theme=dark; \t${NAME} = ${TOKEN} ; lang=en`, TOKEN],
    ['a quoted value loses its quotes', `${NAME}="${TOKEN}"`, TOKEN],
    ['a quoted value among others', `a=1; ${NAME}="${TOKEN}"; b="2"`, TOKEN],
    ['percent escapes are decoded', `${NAME}=a%20b%3Dc`, 'a b=c'],
    ['a malformed escape is kept as sent', `${NAME}=a%zzb`, 'a%zzb'],
    ['an empty value', `${NAME}=; other=1`, ''],
    ['duplicates: the first wins', `${NAME}=first; other=1; ${NAME}=second`, 'first'],
    ['duplicates with the same path order a browser sends', `${NAME}=specific; ${NAME}=general`, 'specific'],
    ['an unusable first duplicate gives way to the next', `${NAME}=bad\\value; ${NAME}=${TOKEN}`, TOKEN],
  ])('finds the value: %s', (_, header, expected) => {
    expect(readCookie(header, NAME)).toBe(expected);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['only other cookies', 'theme=dark; lang=en'],
    ['a longer name that starts with ours', `${NAME}_csrf=abc`],
    ['a longer name that ends with ours', `x${NAME}=abc; my_${NAME}=def`],
    ['our name inside another cookie\'s value', `other=${NAME}=abc`],
    ['our name inside a quoted value', `other="${NAME}=abc"`],
    ['our name without =', `${NAME}; other=1`],
    ['a value with a forbidden character', `${NAME}=a"b`],
  ])('finds nothing: %s', (_, header) => {
    expect(readCookie(header, NAME)).toBeUndefined();
  });

  it('reads the cookie the way hono getCookie does, for the headers above and the CSRF cookie', async () => {
    const app = new Hono();
    app.get('/', (c) => c.json({ session: getCookie(c, NAME) ?? null, csrf: getCookie(c, `${NAME}_csrf`) ?? null }));
    const headers = [
      `${NAME}=${TOKEN}; ${NAME}_csrf=t0k3n`, `${NAME}_csrf=t0k3n; ${NAME}=${TOKEN}`, `a=1;${NAME}="${TOKEN}"`,
      `${NAME}=first; ${NAME}=second`, `other=${NAME}=abc`, `x${NAME}=abc`, `${NAME}=a%20b`, `${NAME} = spaced `,
      `${NAME}=bad\\value; ${NAME}=good`, 'theme=dark',
    ];
    for (const header of headers) {
      const fromHono = (await (await app.request('/', { headers: { cookie: header } })).json()) as Record<string, string | null>;
      expect({ session: readCookie(header, NAME) ?? null, csrf: readCookie(header, `${NAME}_csrf`) ?? null }, header).toEqual(fromHono);
    }
  });
});
