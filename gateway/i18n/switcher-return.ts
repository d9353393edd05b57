/**
 * Where the language switcher returns to: the page's own path and query, except an `rd` that is
 * not a plain local path. The page's `rd` is checked again when it is followed, so this is not
 * the open-redirect defence; it keeps an attacker's `rd` (`https://evil.example`, `//evil`) out of
 * the links every page renders (SECURITY S7), at the cost of an app URL's `rd` being dropped.
 */
export function languageSwitcherReturn(pathAndQuery: string): string {
  const query = pathAndQuery.indexOf('?');
  if (query === -1) return pathAndQuery;
  const params = new URLSearchParams(pathAndQuery.slice(query + 1));
  if (!params.has('rd')) return pathAndQuery;
  const kept = params.getAll('rd').filter(isPlainLocalPath);
  params.delete('rd');
  for (const rd of kept) params.append('rd', rd);
  const rest = params.toString();
  return `${pathAndQuery.slice(0, query)}${rest ? `?${rest}` : ''}`;
}

/** `/path…`, never `//host`, `/\host`, a backslash or a control character a browser would drop. */
function isPlainLocalPath(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.startsWith('/') && !value.startsWith('//') && !/[\\\u0000-\u001f\u007f]/.test(value);
}
