/**
 * The path a rule is matched against (the host is read by core/host.ts). Path rules guard upstream
 * resources, so every spelling that an upstream might resolve to the same resource has to be
 * matched the same way.
 */

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Malformed escapes elsewhere must not stop `%2e` or `%2f` from being decoded.
    return text.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** RFC 3986 §5.2.4: drop `.` segments and let `..` remove its parent, never climbing above `/`. */
function resolveSegments(segments: string[], trailingSlash: boolean): string {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const last = segments[segments.length - 1];
  const slash = trailingSlash || last === '.' || last === '..';
  return `/${out.join('/')}${slash && out.length > 0 ? '/' : ''}`;
}

/** A segment as an upstream that never decodes `/`, `\` or dot segments would see it. */
function literalSegment(raw: string): string {
  const text = decode(raw);
  if (text === '.' || text === '..') return raw;
  return text.replaceAll('/', '%2F').replaceAll('\\', '%5C');
}

/** The path of a request target: what comes before its query or fragment. */
export function targetPath(target: string): string {
  const cut = target.search(/[?#]/);
  return cut === -1 ? target : target.slice(0, cut);
}

/**
 * The readings of a request path that an upstream might act on: fully decoded (with `\` as `/`)
 * before dot segments are resolved; when escapes are present, resolved first and decoded segment
 * by segment; and when `;` is present, without the path parameters servlet containers ignore. The
 * engine applies the strictest decision across them, so an escape cannot steer a request into a
 * `bypass` rule while the upstream resolves it somewhere else.
 */
export function pathReadings(rawPath: string): string[] {
  const path = targetPath(rawPath);
  const trailing = path.endsWith('/');
  const full = resolveSegments(decode(path).replaceAll('\\', '/').split('/'), trailing);
  const escaped = path.includes('%') || path.includes('\\');
  if (!escaped && !path.includes(';')) return [full];
  const readings = new Set([full]);
  if (escaped) readings.add(resolveSegments(path.split('/'), trailing).split('/').map(literalSegment).join('/'));
  if (path.includes(';') || /%3b/i.test(path)) readings.add(withoutPathParameters(path, trailing));
  return [...readings];
}

/**
 * Servlet containers (Tomcat, Jetty) drop `;parameters` from every segment before resolving dot
 * segments, so `/public/..;/admin` is `/admin` to them while it looks like a file under `/public`.
 */
function withoutPathParameters(path: string, trailing: boolean): string {
  const segments = decode(path).replaceAll('\\', '/').split('/').map((segment) => segment.split(';')[0]!);
  return resolveSegments(segments, trailing);
}
