/**
 * The text formats inside abuse reports: the YAML subset of X-ARF 0.1/0.2
 * `report.txt`, and JSON flattened to field paths (with a salvage reader for
 * broken documents).
 */
import { addField, asArray, quote, type Fields } from './abuse-report.values.js';

const MAX_JSON_DEPTH = 64;

/**
 * The YAML X-ARF 0.1/0.2 writes: one `Key: value` per line after `---` (keys
 * start with a letter, digit or `_`), plain or quoted scalars, indented lines
 * continuing the value, `- item` lists under an empty key, `#` comments.
 * Not a YAML parser: no nested maps, flow collections, anchors or block
 * scalars; a line it cannot read is a problem and is skipped.
 */
export function readYamlSubset(source: string, fields: Fields, problems: string[]): void {
  let last: string | null = null;
  let lineNo = 0;
  for (const rawLine of source.split(/\r?\n/)) {
    lineNo++;
    const line = rawLine.trimEnd();
    const trimmed = line.trim();
    if (trimmed === '' || trimmed === '---' || trimmed === '...' || trimmed.startsWith('#')) continue;
    const item = /^\s*-\s+(.*)$/.exec(line);
    const colon = line.indexOf(':');
    if (item && last !== null) {
      const current = fields[last];
      fields[last] = current === '' || current === undefined ? [scalar(item[1]!)] : [...asArray(current), scalar(item[1]!)];
    } else if (/^\s/.test(line) && last !== null) {
      const current = fields[last]!;
      if (typeof current === 'string') fields[last] = current ? `${current} ${trimmed}` : trimmed;
      else current.push(`${current.pop() ?? ''} ${trimmed}`.trim());
    } else if (colon > 0 && /^\w[^:]*$/.test(line.slice(0, colon)) && (colon === line.length - 1 || /\s/.test(line[colon + 1]!))) {
      last = line.slice(0, colon).trim();
      addField(fields, last, scalar(line.slice(colon + 1).trim()));
    } else {
      problems.push(`line ${lineNo} of report.txt is not "Key: value": ${quote(trimmed)}`);
      last = null;
    }
  }
}

function scalar(value: string): string {
  if (/^"(?:[^"\\]|\\.)*"$/.test(value)) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  if (/^'(?:[^']|'')*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
  const comment = value.search(/\s#/);
  return comment === -1 ? value : value.slice(0, comment).trimEnd();
}

export const isXarfJson = (fields: Fields): boolean =>
  Object.hasOwn(fields, 'xarf_version') || Object.keys(fields).some((k) => k.startsWith('Report.') || k.startsWith('ReporterInfo.'));

export function flatten(value: unknown, path: string, fields: Fields, depth: number, problems: string[]): void {
  if (depth > MAX_JSON_DEPTH && value !== null && typeof value === 'object') {
    problems.push(`${path} is nested deeper than ${MAX_JSON_DEPTH}: not read`);
  } else if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) addField(fields, path, value.map(plain));
    else value.forEach((v, i) => flatten(v, `${path}[${i}]`, fields, depth + 1, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, fields, depth + 1, problems);
  } else if (path) {
    addField(fields, path, plain(value));
  }
}

const plain = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The values of a broken JSON document up to its first fault: a small parser
 * that attaches each container to its parent before filling it, so what was
 * complete when it stopped stays in the tree.
 */
export function salvageJson(source: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < source.length && ' \t\r\n'.includes(source[i]!)) i++;
  };
  const fail = (): never => {
    throw new Error('stop');
  };
  const str = (): string => {
    // eslint-disable-next-line no-control-regex -- JSON strings may not hold raw control characters
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = i;
    const hit = m.exec(source) ?? fail();
    i = m.lastIndex;
    return JSON.parse(hit[0]) as string;
  };
  const value = (set: (v: unknown) => void, depth: number): void => {
    ws();
    if (depth > MAX_JSON_DEPTH) fail();
    const c = source[i];
    if (c === '{' || c === '[') {
      const isObject = c === '{';
      const container: unknown[] | Record<string, unknown> = isObject ? (Object.create(null) as Record<string, unknown>) : [];
      set(container);
      i++;
      ws();
      if (source[i] === (isObject ? '}' : ']')) {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = isObject ? str() : '';
        if (isObject) {
          ws();
          if (source[i++] !== ':') fail();
        }
        value((v) => {
          if (Array.isArray(container)) container.push(v);
          else container[key] = v;
        }, depth + 1);
        ws();
        const next = source[i++];
        if (next === (isObject ? '}' : ']')) return;
        if (next !== ',') fail();
      }
    }
    if (c === '"') return set(str());
    const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    m.lastIndex = i;
    const hit = m.exec(source) ?? fail();
    i = m.lastIndex;
    set(JSON.parse(hit[0]) as unknown);
  };
  let root: unknown;
  try {
    value((v) => (root = v), 0);
  } catch {
    // The fault ends reading; what was attached until then is the result.
  }
  return root;
}
