import { formatWhen } from '../i18n.js';

/**
 * A moment in the viewer's language and zone: rendered by the server in the zone the browser
 * reported (UTC, named, before it has), and brought to the browser's zone by static/local-time.js.
 */
export function LocalTime(props: { at: Date }) {
  return <time datetime={props.at.toISOString()} data-local="">{formatWhen(props.at)}</time>;
}
