/**
 * Requests and lockouts per day as a bar chart drawn on the server (SVG, no script), so an attack
 * wave stands out at a glance; the same numbers follow as a table for screen readers and for
 * anyone who wants them exactly. `requests` is absent for an administrator who may not see them.
 */
import type { DayPoint } from '../../../gateway/admin/daily-series.js';

const WIDTH = 600;
const HEIGHT = 140;
const TOP = 10;
const BOTTOM = 20;
const LEFT = 28;

interface Series {
  key: 'requests' | 'lockouts';
  label: string;
}

function peak(points: readonly DayPoint[], key: Series['key']): DayPoint | null {
  return points.reduce<DayPoint | null>((best, point) => (point[key] > (best?.[key] ?? 0) ? point : best), null);
}

function summary(points: readonly DayPoint[], series: readonly Series[]): string {
  return series.map(({ key, label }) => {
    const total = points.reduce((sum, point) => sum + point[key], 0);
    const top = peak(points, key);
    return `${label}: ${total} in ${points.length} days${top ? `, most on ${top.day} (${top[key]})` : ''}.`;
  }).join(' ');
}

export function DailyChart(props: { points: readonly DayPoint[]; showRequests: boolean }) {
  const { points } = props;
  const series: Series[] = [...(props.showRequests ? [{ key: 'requests', label: 'Requests' } as const] : []), { key: 'lockouts', label: 'Lockouts' }];
  const max = Math.max(1, ...points.flatMap((point) => series.map(({ key }) => point[key])));
  const slot = (WIDTH - LEFT) / Math.max(points.length, 1);
  const bar = Math.max(1, (slot - 2) / series.length);
  const plot = HEIGHT - TOP - BOTTOM;
  const y = (value: number) => TOP + plot - (value / max) * plot;
  const first = points[0]?.day ?? '';
  const last = points.at(-1)?.day ?? '';
  return (
    <figure class="daily-chart" id="daily-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-labelledby="daily-chart-title daily-chart-desc" xmlns="http://www.w3.org/2000/svg">
        <title id="daily-chart-title">{series.map((s) => s.label).join(' and ')} per day, last {points.length} days</title>
        <desc id="daily-chart-desc">{summary(points, series)}</desc>
        <line class="axis" x1={LEFT} y1={TOP + plot} x2={WIDTH} y2={TOP + plot} />
        <text class="tick" x={LEFT - 4} y={TOP + 4} text-anchor="end">{max}</text>
        <text class="tick" x={LEFT - 4} y={TOP + plot} text-anchor="end">0</text>
        {points.map((point, i) => series.map(({ key, label }, j) => {
          const top = y(point[key]);
          return (
            <rect class={`bar bar-${key}`} x={(LEFT + i * slot + 1 + j * bar).toFixed(1)} y={top.toFixed(1)} width={bar.toFixed(1)} height={(TOP + plot - top).toFixed(1)}>
              <title>{`${point.day}: ${point[key]} ${label.toLowerCase()}`}</title>
            </rect>
          );
        }))}
        <text class="tick" x={LEFT} y={HEIGHT - 4}>{first}</text>
        <text class="tick" x={WIDTH} y={HEIGHT - 4} text-anchor="end">{last}</text>
      </svg>
      <figcaption>
        {series.map(({ key, label }) => <span class={`legend legend-${key}`}>{label}</span>)}
        <span class="muted"> · {summary(points, series)}</span>
      </figcaption>
      <details>
        <summary>Numbers per day</summary>
        <table id="daily-numbers">
          <thead><tr><th scope="col">Day</th>{series.map(({ label }) => <th scope="col">{label}</th>)}</tr></thead>
          <tbody>{points.map((point) => <tr><th scope="row">{point.day}</th>{series.map(({ key }) => <td>{point[key]}</td>)}</tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}
