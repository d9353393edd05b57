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

});
