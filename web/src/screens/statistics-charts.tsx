import { useId } from 'react';
import { Num } from '../components/common';
import { formatNumber } from '../format';
import { currentLanguage } from '../i18n';
import './statistics.css';

export interface BarRow {
  label: string;
  /** One value per series (stacked left to right). */
  parts: number[];
}

const LABEL_WIDTH = 210;
const BAR_WIDTH = 440;
const ROW = 26;

/**
 * Horizontal bars, stacked when there are several series: plain SVG (no
 * chart library), colours from the stylesheet (the CSP allows no inline
 * style), every value also written as text beside its bar, and the same
 * figures in the table next to it for screen readers.
 */
export function BarChart({ title, rows, legend = [] }: { title: string; rows: BarRow[]; legend?: string[] }) {
  const id = useId();
  const lng = currentLanguage();
  const top = legend.length > 1 ? 26 : 6;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, b) => a + b, 0)));
  const width = LABEL_WIDTH + BAR_WIDTH + 80;
  const height = top + rows.length * ROW + 6;
  return (
    <figure className="bar-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={`${id}-title`}>
        <title id={`${id}-title`}>{title}</title>
        {legend.length > 1 &&
          legend.map((l, i) => (
            <g key={l} transform={`translate(${LABEL_WIDTH + i * 140}, 6)`}>
              <rect width="12" height="12" className={`series-${i}`} />
              <text x="18" y="11">
                {l}
              </text>
            </g>
          ))}
        {rows.map((r, i) => {
          const y = top + i * ROW;
          let x = LABEL_WIDTH;
          const total = r.parts.reduce((a, b) => a + b, 0);
          return (
            <g key={r.label}>
              <text x={LABEL_WIDTH - 8} y={y + 17} textAnchor="end">
                {r.label}
              </text>
              {r.parts.map((v, k) => {
                const w = (v / max) * BAR_WIDTH;
                const rect = w > 0 ? <rect key={k} x={x} y={y + 4} width={w} height={ROW - 8} className={`series-${k}`} /> : null;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + 17} className="value">
                {formatNumber(total, lng)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** `2026-07` → `2026年7月` / `Jul 2026`. */
export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const lng = currentLanguage();
  return new Intl.DateTimeFormat(lng === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: lng === 'ja' ? 'long' : 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** A table of counts: the first cell of each row is its header; numbers right-aligned. */
export function Table({ caption, head, rows, total }: { caption?: string; head: string[]; rows: (string | number)[][]; total?: (string | number)[] }) {
  const row = (cells: (string | number)[], cls?: string) => (
    <tr key={String(cells[0])} className={cls}>
      {cells.map((c, i) =>
        i === 0 ? (
          <th key={i} scope="row">
            {c}
          </th>
        ) : (
          <td key={i} className="num">
            {typeof c === 'number' ? <Num value={c} /> : c}
          </td>
        ),
      )}
    </tr>
  );
  return (
    <div className="table-wrap">
      <table className="statistics-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={h} scope="col" className={i === 0 ? undefined : 'num'}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => row(r))}
          {total && row(total, 'total')}
        </tbody>
      </table>
    </div>
  );
}
