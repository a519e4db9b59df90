import { humanSize } from '../format';
import type { Point } from '../growth';

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/**
 * A small line chart of bytes over time, as SVG elements (no library, no inline style): the CSP allows it and it
 * scales with its box. Its text alternative names the first and the last value.
 */
export function GrowthChart({ points, label }: { points: Point[]; label: string }) {
  if (points.length === 0) {
    return <p class="chart-empty">No scan runs yet: growth shows once hosts report their scans.</p>;
  }
  const first = points[0];
  const last = points[points.length - 1];
  const span = Math.max(last.at - first.at, 1);
  const top = Math.max(...points.map((p) => p.value), 1);
  const x = (at: number) => PAD.left + ((at - first.at) / span) * (WIDTH - PAD.left - PAD.right);
  const y = (value: number) => HEIGHT - PAD.bottom - (value / top) * (HEIGHT - PAD.top - PAD.bottom);
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const area = `${line} L${x(last.at).toFixed(1)},${y(0)} L${x(first.at).toFixed(1)},${y(0)} Z`;
  const ticks = [0, 0.5, 1].map((f) => top * f);
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${label}: from ${humanSize(first.value)} to ${humanSize(last.value)}`}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
            <text class="axis" x={PAD.left - 6} y={y(t) + 4} text-anchor="end">
              {humanSize(Math.round(t))}
            </text>
          </g>
        ))}
        <path class="area" d={area} />
        <path class="line" d={line} />
        {points.map((p) => (
          <circle key={p.at} class="dot" cx={x(p.at)} cy={y(p.value)} r={3}>
            <title>{`${day(p.at)}: ${humanSize(p.value)}`}</title>
          </circle>
        ))}
        <text class="axis" x={PAD.left} y={HEIGHT - 8}>
          {day(first.at)}
        </text>
        <text class="axis" x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor="end">
          {day(last.at)}
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
