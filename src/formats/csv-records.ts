/**
 * CSV records with the line of the file each starts on, read past broken quoting.
 *
 * Generic: nothing here knows the columns of any one format. Lines are 1-based and
 * broken on `\r\n`, `\n` and `\r`; a record with a multi-line quoted cell has the
 * line it starts on; blank lines are skipped.
 */
import { parse } from 'csv-parse/sync';
import type { CsvError, CsvErrorCode, Info } from 'csv-parse/sync';

export interface CsvRecord {
  line: number;
  fields: string[];
}
export interface BrokenRecord {
  line: number;
  /** Index of the field where the parser gave up. */
  column?: number;
  message: string;
  /** The text of the line the record starts on. */
  text: string;
}

/** Broken quoting can swallow the lines after it; at most this many times do we re-read from the next line. */
const MAX_RECOVERIES = 100;

/**
 * All records of the file with the line each starts on. A record csv-parse cannot read
 * is skipped (`skip_records_with_error`) and reported; when its broken quoting swallowed
 * the lines after it, reading starts again on the line after the one it started on.
 */
export function readRecords(text: string): { records: CsvRecord[]; broken: BrokenRecord[] } {
  const buf = Buffer.from(text, 'utf8');
  const lines = new LineTable(buf);
  const records: CsvRecord[] = [];
  const broken: BrokenRecord[] = [];
  let from = 0;
  for (let pass = 0; from < buf.length; pass++) {
    const result = readFrom(buf, from, lines);
    const swallowing = pass < MAX_RECOVERIES ? result.broken.find((b) => b.swallowed) : undefined;
    const until = swallowing ? swallowing.start : Infinity;
    records.push(...result.records.filter((r) => r.start < until));
    broken.push(...result.broken.filter((b) => b.start <= until));
    if (!swallowing) break;
    from = lines.startOf(lines.lineOf(swallowing.start) + 1);
  }
  return { records, broken };
}

interface PassRecord extends CsvRecord {
  start: number;
  end: number;
}
interface PassBroken extends BrokenRecord {
  start: number;
  code: string;
  /** Whether the skipped record ran over lines that may hold records of their own. */
  swallowed: boolean;
}

function readFrom(buf: Buffer, from: number, lines: LineTable): { records: PassRecord[]; broken: PassBroken[] } {
  const skips: { error: CsvError; raw: string }[] = [];
  // With `info` each record comes as `{ record, info }`, which csv-parse's types do not express.
  const emitted = parse(buf.subarray(from), {
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    raw: true,
    on_skip: (error, raw) => {
      if (error) skips.push({ error, raw: raw ?? '' });
      return undefined;
    },
    info: true,
  }) as unknown as { record: string[]; info: Info }[];

  // A record ends on the line of its last byte and starts as many line breaks earlier as its cells hold.
  const records: PassRecord[] = emitted.map(({ record: fields, info }) => {
    const end = from + info.bytes;
    const line = lines.lineOf(end - 1) - fields.reduce((n, f) => n + countLineBreaks(f), 0);
    return { line, fields, start: lines.startOf(line), end };
  });

  // `raw` is the skipped record's text up to the error, so it is found where the record starts,
  // after the record emitted before it (`error.records` counts those).
  const broken: PassBroken[] = [];
  let previous: { raw: string; start: number; emittedBefore: number } | undefined;
  for (const { error, raw } of skips) {
    const emittedBefore = Number(error.records);
    const sameGap = previous !== undefined && previous.emittedBefore === emittedBefore;
    if (sameGap && raw.length > previous!.raw.length && raw.startsWith(previous!.raw)) {
      previous!.raw = raw; // a second error in the same record
      continue;
    }
    const searchFrom = sameGap ? previous!.start + Buffer.byteLength(previous!.raw) : emittedBefore > 0 ? records[emittedBefore - 1]!.end : from;
    const found = raw === '' ? -1 : buf.indexOf(raw, searchFrom, 'utf8');
    const start = found >= 0 ? found : searchFrom;
    const line = lines.lineOf(start);
    const text = buf.subarray(lines.startOf(line), lines.startOf(line + 1)).toString('utf8');
    broken.push({ line, start, text, ...describeCsvError(error), swallowed: false });
    previous = { raw, start, emittedBefore };
  }

  // A broken record whose quoting ran on past its own line may have swallowed good records.
  const starts = [...records, ...broken].map((r) => r.start).sort((a, b) => a - b);
  for (const b of broken) {
    const next = starts.find((s) => s > b.start) ?? buf.length;
    const quoting = b.code === 'CSV_QUOTE_NOT_CLOSED' || b.code === 'CSV_INVALID_CLOSING_QUOTE';
    b.swallowed = quoting && lines.lineOf(Math.max(next - 1, b.start)) > b.line;
  }
  return { records, broken };
}

/** Our words for the quoting errors people make in spreadsheets; csv-parse's own message otherwise. */
const CSV_ERROR_MESSAGES: Partial<Record<CsvErrorCode, string>> = {
  INVALID_OPENING_QUOTE: 'a quote (") inside an unquoted cell: quote the whole cell and double the quotes inside it ("")',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell has text after its closing quote: double the quotes inside a quoted cell ("")',
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed: its closing quote (") is missing',
};

function describeCsvError(error: CsvError): { column?: number; message: string; code: string } {
  const message = CSV_ERROR_MESSAGES[error.code] ?? error.message;
  return typeof error.column === 'number' ? { column: error.column, message, code: error.code } : { message, code: error.code };
}

const countLineBreaks = (s: string): number => s.match(/\r\n|\r|\n/g)?.length ?? 0;

/** Byte offset ↔ 1-based line number, breaking lines on `\r\n`, `\n` and `\r` as the parser does. */
class LineTable {
  readonly #starts: number[] = [0];
  readonly #length: number;

  constructor(buf: Buffer) {
    this.#length = buf.length;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (c === 0x0a || (c === 0x0d && buf[i + 1] !== 0x0a)) this.#starts.push(i + 1);
    }
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  startOf(line: number): number {
    return this.#starts[line - 1] ?? this.#length;
  }
}
