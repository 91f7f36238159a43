import { describe, expect, it } from 'vitest';
import { readRecords } from './csv-records.js';

/** The records as `[line, fields]` and the broken ones as what a caller reports of them. */
const read = (text: string) => {
  const { records, broken } = readRecords(text);
  return {
    records: records.map((r) => [r.line, r.fields]),
    broken: broken.map(({ line, column, message, text }) => ({ line, column, message, text })),
  };
};

describe('readRecords', () => {
  it('gives each record the line it starts on, with CRLF, LF and CR line ends and blank lines', () => {
    expect(read('a,b\r\n1,2\n\n3,"x\r\ny"\r4,5\n')).toEqual({
      records: [
        [1, ['a', 'b']],
        [2, ['1', '2']],
        [4, ['3', 'x\r\ny']],
        [6, ['4', '5']],
      ],
      broken: [],
    });
  });

  it('counts lines, not bytes, in multi-byte text', () => {
    const { records } = read('名前,メモ\n"東京\n大阪",ok\n鈴木,3\n');
    expect(records).toEqual([
      [1, ['名前', 'メモ']],
      [2, ['東京\n大阪', 'ok']],
      [4, ['鈴木', '3']],
    ]);
  });

  it('keeps cells as written, and records of any length', () => {
    expect(read(' a , b \n1\n1,2,3\n').records).toEqual([
      [1, [' a ', ' b ']],
      [2, ['1']],
      [3, ['1', '2', '3']],
    ]);
  });

  it('reads nothing from empty or blank text', () => {
    expect(read('')).toEqual({ records: [], broken: [] });
    expect(read('\n\r\n\r')).toEqual({ records: [], broken: [] });
  });

  it('reports a stray quote inside an unquoted cell with its line, field and text, and reads on', () => {
    expect(read('a,b\n1,x"y\n2,3\n')).toEqual({
      records: [
        [1, ['a', 'b']],
        [3, ['2', '3']],
      ],
      broken: [{ line: 2, column: 1, message: expect.stringMatching(/^a quote \(".*unquoted cell/) as string, text: '1,x"y\n' }],
    });
  });

  it('recovers the records a quote never closed swallowed', () => {
    expect(read('a,b\n1,"open\n2,3\n4,5\n')).toEqual({
      records: [
        [1, ['a', 'b']],
        [3, ['2', '3']],
        [4, ['4', '5']],
      ],
      broken: [{ line: 2, column: 1, message: expect.stringMatching(/never closed/) as string, text: '1,"open\n' }],
    });
  });

  it('reports text after a closing quote, in multi-byte text, and reads on', () => {
    expect(read('名前,メモ\n山田,"bad"x\n鈴木,3\n')).toEqual({
      records: [
        [1, ['名前', 'メモ']],
        [3, ['鈴木', '3']],
      ],
      broken: [{ line: 2, column: 1, message: expect.stringMatching(/text after its closing quote/) as string, text: '山田,"bad"x\n' }],
    });
  });

  it('reports each broken record once among good ones', () => {
    const { records, broken } = read('a,b\n1,x"y\n2,3\n4,"z\n5,6\n');
    expect(records.map(([line]) => line)).toEqual([1, 3, 5]);
    expect(broken.map((b) => b.line)).toEqual([2, 4]);
  });
});
