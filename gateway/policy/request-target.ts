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
 * One way an upstream might read a request path. `anyCase`: the reading as a case-insensitive
 * upstream sees it (Express's default router, IIS, a Windows or macOS file system serve `/ADMIN`
 * as `/admin`), so it is matched against the rules without regard to case.
 */
export interface PathReading {
  path: string;
  anyCase: boolean;
}

/**
 * The readings of a request path that an upstream might act on: fully decoded (with `\` as `/`)
 * before dot segments are resolved; when escapes are present, resolved first and decoded segment
 * by segment; when `;` is present, without the path parameters servlet containers ignore; when a
 * segment ends in dots or spaces, without them, as Windows (IIS, a file system) drops them. Each
 * reading is taken both as spelled and case-folded. The engine applies the strictest decision
 * across them, so neither an escape nor a spelling can steer a request into a `bypass` rule, or
 * around a `deny` rule, while the upstream serves it as the guarded resource.
 */
export function pathReadings(rawPath: string): PathReading[] {
  const paths = spelledReadings(targetPath(rawPath));
  return [...paths.map((path) => ({ path, anyCase: false })), ...paths.map((path) => ({ path, anyCase: true }))];
}

function spelledReadings(path: string): string[] {
  const trailing = path.endsWith('/');
  const decoded = decode(path).replaceAll('\\', '/').split('/');
  const full = resolveSegments(decoded, trailing);
  const readings = new Set([full]);
  if (path.includes('%') || path.includes('\\')) readings.add(resolveSegments(path.split('/'), trailing).split('/').map(literalSegment).join('/'));
  if (path.includes(';') || /%3b/i.test(path)) readings.add(withoutPathParameters(path, trailing));
  const stripped = decoded.map(withoutTrailingDotsAndSpaces);
  if (stripped.some((segment, i) => segment !== decoded[i])) readings.add(resolveSegments(stripped, trailing));
  return [...readings];
}

/** Windows drops trailing dots and spaces from a file name: `admin.` and `admin ` are `admin`. */
function withoutTrailingDotsAndSpaces(segment: string): string {
  if (segment === '.' || segment === '..') return segment;
  return segment.replace(/[. ]+$/, '');
}

/**
 * Servlet containers (Tomcat, Jetty) drop `;parameters` from every segment before resolving dot
 * segments, so `/public/..;/admin` is `/admin` to them while it looks like a file under `/public`.
 */
function withoutPathParameters(path: string, trailing: boolean): string {
  const segments = decode(path).replaceAll('\\', '/').split('/').map((segment) => segment.split(';')[0]!);
  return resolveSegments(segments, trailing);
}
