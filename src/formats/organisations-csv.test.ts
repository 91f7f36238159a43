import { describe, expect, it } from 'vitest';
import type { OrganisationInput } from '../domain/organisation.schema.js';
import { ORGANISATION_CSV_COLUMNS, parseOrganisationsCsv, writeOrganisationsCsv } from './organisations-csv.js';

const HEADER = ORGANISATION_CSV_COLUMNS.join(',');

/** A CSV line from named cells, in the standard column order. */
const line = (cells: Partial<Record<(typeof ORGANISATION_CSV_COLUMNS)[number], string>>): string =>
  ORGANISATION_CSV_COLUMNS.map((c) => {
    const v = cells[c] ?? '';
    return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }).join(',');

const csv = (...lines: string[]) => [HEADER, ...lines].join('\r\n') + '\r\n';

const PGP_KEY = [
  '-----BEGIN PGP PUBLIC KEY BLOCK-----',
  '',
  'mDMEZbGq3BYJKwYBBAHaRw8BAQdAexample+key+material+only+for+tests',
  '=AbCd',
  '-----END PGP PUBLIC KEY BLOCK-----',
  '',
].join('\n');

const directory: OrganisationInput[] = [
  {
    name: '株式会社例示インターネット',
    kind: 'isp',
    country: 'JP',
    trustLevel: 'high',
    notes: '夜間は24x7窓口へ。\nSecond line, with a comma and "quotes".',
    contacts: [
      {
        name: '山田 太郎',
        email: 'abuse@example.jp',
        phone: '+81-3-0000-0000',
        role: 'abuse',
        language: 'ja',
        timezone: 'Asia/Tokyo',
        officeHours: '月-金 9:00-18:00',
        pgpFingerprint: '0123456789ABCDEF0123456789ABCDEF01234567',
        pgpKey: PGP_KEY,
      },
      { email: 'soc@example.jp', role: '24x7', language: 'en', timezone: 'Asia/Tokyo', officeHours: '24/7' },
    ],
    resources: [
      { kind: 'ip-range', value: '203.0.113.0/24' },
      { kind: 'ip-range', value: '2001:db8::/32' },
      { kind: 'asn', value: 'AS64500' },
      { kind: 'domain', value: 'example.jp' },
      { kind: 'domain', value: 'xn--r8jz45g.jp' },
    ],
  },
  {
    name: 'Example Hosting',
    kind: 'hosting',
    trustLevel: 'unknown',
    contacts: [],
    resources: [{ kind: 'ip-range', value: '198.51.100.0/24' }],
  },
  {
    name: 'JPCERT/CC',
    kind: 'csirt',
    country: 'JP',
    trustLevel: 'medium',
    contacts: [{ email: 'info@jpcert.example', role: 'general', language: 'en', timezone: 'UTC' }],
    resources: [],
  },
];

describe('writeOrganisationsCsv → parseOrganisationsCsv', () => {
  it('round-trips the directory, Japanese names, notes and a multi-line PGP key included', () => {
    const written = writeOrganisationsCsv(directory);
    expect(written.split('\r\n')[0]).toBe(HEADER);
    const parsed = parseOrganisationsCsv(written);
    expect(parsed.errors).toEqual([]);
    expect(parsed.rowsRead).toBe(4);
    expect(parsed.organisations).toEqual(directory);
  });

  it('round-trips through a Buffer with a BOM, as Excel wants it', () => {
    const written = writeOrganisationsCsv(directory, { bom: true });
    expect(written.charCodeAt(0)).toBe(0xfeff);
    expect(parseOrganisationsCsv(Buffer.from(written, 'utf8')).organisations).toEqual(directory);
    expect(parseOrganisationsCsv(written).organisations).toEqual(directory);
  });

  it('writes organisation-level cells on the first row of each organisation only', () => {
    const rows = writeOrganisationsCsv([directory[0]!]).trimEnd().split('\r\n');
    expect(rows.at(-1)).toBe('株式会社例示インターネット,,,,,,,,,soc@example.jp,,24x7,en,Asia/Tokyo,24/7,,');
  });
});

describe('parseOrganisationsCsv', () => {
  it('merges rows of the same organisation (trimmed, case-insensitive) and unions the lists', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'Example ISP', kind: 'ISP', country: 'jp', ip_ranges: '203.0.113.77/24;198.51.100.0/24', asns: 'as 64500 AS64501', contact_email: 'a@example.jp' }),
        line({ organisation: ' example isp ', kind: 'isp', ip_ranges: '203.0.113.0/24 192.0.2.0/24', asns: '64501', domains: '例え.JP Example.JP.', contact_email: 'b@example.jp' }),
        line({ organisation: 'EXAMPLE ISP', trust_level: 'High', ip_ranges: '10.0.0.0-10.0.2.255' }),
      ),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.organisations).toEqual([
      {
        name: 'Example ISP',
        kind: 'isp',
        country: 'JP',
        trustLevel: 'high',
        contacts: [
          { email: 'a@example.jp', role: 'general', language: 'en', timezone: 'UTC' },
          { email: 'b@example.jp', role: 'general', language: 'en', timezone: 'UTC' },
        ],
        resources: [
          { kind: 'ip-range', value: '203.0.113.0/24' },
          { kind: 'ip-range', value: '198.51.100.0/24' },
          { kind: 'asn', value: 'AS64500' },
          { kind: 'asn', value: 'AS64501' },
          { kind: 'ip-range', value: '192.0.2.0/24' },
          { kind: 'domain', value: 'xn--r8jz45g.jp' },
          { kind: 'domain', value: 'example.jp' },
          { kind: 'ip-range', value: '10.0.0.0/23' },
          { kind: 'ip-range', value: '10.0.2.0/24' },
        ],
      },
    ]);
  });

  it('accepts the columns in any order, and leaves out missing ones', () => {
    const parsed = parseOrganisationsCsv('Contact_Email,Organisation,KIND\r\nsoc@example.jp,Example,csirt\r\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.organisations).toEqual([
      {
        name: 'Example',
        kind: 'csirt',
        trustLevel: 'unknown',
        contacts: [{ email: 'soc@example.jp', role: 'general', language: 'en', timezone: 'UTC' }],
        resources: [],
      },
    ]);
  });

  it('skips blank lines and counts data rows', () => {
    const parsed = parseOrganisationsCsv(`${HEADER}\n\n${line({ organisation: 'A', kind: 'isp' })}\n,,,,,,,,,,,,,,,,\n`);
    expect(parsed).toMatchObject({ rowsRead: 1, errors: [], organisations: [{ name: 'A' }] });
  });

  it('reports broken quoting for its record and reads on, even past a quote never closed', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'Good One', kind: 'isp', contact_email: 'a@one.example' }),
        'Bad Quote,isp,,,,,,,,"not"quoted@example.jp,,,,,,,',
        line({ organisation: 'Good Two', kind: 'isp', notes: 'two\nlines' }),
        'Never Closed,"isp,,,,,,,,x@y.example,,,,,,,',
        line({ organisation: 'Good Three', kind: 'csirt' }),
      ),
    );
    expect(parsed.organisations.map((o) => o.name)).toEqual(['Good One', 'Good Two', 'Good Three']);
    expect(parsed.rowsRead).toBe(5);
    expect(parsed.errors).toEqual([
      { row: 3, organisation: 'Bad Quote', errors: [{ column: 'contact_email', message: expect.stringContaining('text after its closing quote') as string }] },
      { row: 6, organisation: 'Never Closed', errors: [{ column: 'kind', message: expect.stringContaining('never closed') as string }] },
    ]);
  });

  it('reports a stray quote inside an unquoted cell, with LF line ends', () => {
    const parsed = parseOrganisationsCsv(
      [HEADER, line({ organisation: 'Good', kind: 'isp' }), 'Bad,isp,,,,,,O"Brien note,,,,,,,,,', line({ organisation: 'Also Good', kind: 'isp' })].join('\n'),
    );
    expect(parsed.organisations.map((o) => o.name)).toEqual(['Good', 'Also Good']);
    expect(parsed.errors).toEqual([{ row: 3, organisation: 'Bad', errors: [{ column: 'notes', message: expect.stringContaining('inside an unquoted cell') as string }] }]);
  });

  it('reports a record with the wrong number of cells', () => {
    const parsed = parseOrganisationsCsv(csv('Short,isp,JP', line({ organisation: 'Fine', kind: 'isp' })));
    expect(parsed.organisations.map((o) => o.name)).toEqual(['Fine']);
    expect(parsed.errors).toEqual([{ row: 2, errors: [{ column: '*', message: expect.stringContaining('3 cells but the header has 17') as string }] }]);
  });

  it('reports a conflicting organisation-level value on the later row, and keeps the rest', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'Example', kind: 'isp', country: 'JP', contact_email: 'a@example.jp' }),
        line({ organisation: 'example', kind: 'hosting', country: 'jp', contact_email: 'b@example.jp' }),
        line({ organisation: 'Example', contact_email: 'c@example.jp' }),
      ),
    );
    expect(parsed.errors).toEqual([
      { row: 3, organisation: 'example', errors: [{ column: 'kind', message: '"hosting" conflicts with "isp" given on row 2 for the same organisation' }] },
    ]);
    expect(parsed.organisations).toHaveLength(1);
    expect(parsed.organisations[0]!.contacts.map((c) => c.email)).toEqual(['a@example.jp', 'c@example.jp']);
  });

  it('leaves out a bad row of an organisation and keeps its good rows', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'Example', kind: 'isp', contact_email: 'a@example.jp' }),
        line({ organisation: 'Example', contact_email: 'not-an-email', ip_ranges: '192.0.2.0/24' }),
        line({ organisation: 'Example', contact_email: 'c@example.jp' }),
      ),
    );
    expect(parsed.errors).toEqual([
      { row: 3, organisation: 'Example', errors: [{ column: 'contact_email', message: 'Invalid email address (got "not-an-email")' }] },
    ]);
    expect(parsed.organisations[0]!.contacts.map((c) => c.email)).toEqual(['a@example.jp', 'c@example.jp']);
    expect(parsed.organisations[0]!.resources).toEqual([]);
  });

  it('reports bad IP ranges, AS numbers and domains per row and column', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'A', kind: 'isp', ip_ranges: '203.0.113.0/24; 203.0.113.0/33', asns: 'AS-FOO', domains: 'exa mple' }),
        line({ organisation: 'B', kind: 'isp', ip_ranges: '10.0.2.0-10.0.0.0' }),
      ),
    );
    expect(parsed.organisations).toEqual([]);
    expect(parsed.errors).toEqual([
      {
        row: 2,
        organisation: 'A',
        errors: [
          { column: 'ip_ranges', message: expect.stringContaining('"203.0.113.0/33" is not an IP range') as string },
          { column: 'asns', message: expect.stringContaining('"AS-FOO" is not an AS number') as string },
          { column: 'domains', message: expect.stringContaining('"exa" is not a domain name') as string },
          { column: 'domains', message: expect.stringContaining('"mple" is not a domain name') as string },
        ],
      },
      { row: 3, organisation: 'B', errors: [{ column: 'ip_ranges', message: expect.stringContaining('the start is after the end') as string }] },
    ]);
  });

  it('reports a bad time zone, office hours, role and kind with their columns', () => {
    const parsed = parseOrganisationsCsv(
      csv(
        line({ organisation: 'A', kind: 'isp', contact_email: 'a@example.jp', contact_timezone: 'Mars/Olympus' }),
        line({ organisation: 'B', kind: 'isp', contact_email: 'b@example.jp', contact_office_hours: 'Funday 9-5', contact_role: 'boss' }),
        line({ organisation: 'C', kind: 'bank', country: 'Japan' }),
      ),
    );
    expect(parsed.organisations).toEqual([]);
    expect(parsed.errors).toEqual([
      { row: 2, organisation: 'A', errors: [{ column: 'contact_timezone', message: expect.stringContaining('not a known IANA time zone') as string }] },
      {
        row: 3,
        organisation: 'B',
        errors: [
          { column: 'contact_role', message: expect.stringContaining('Invalid option') as string },
          { column: 'contact_office_hours', message: expect.stringContaining('unknown day "Funday"') as string },
        ],
      },
      {
        row: 4,
        organisation: 'C',
        errors: [
          { column: 'kind', message: expect.stringContaining('Invalid option') as string },
          { column: 'country', message: expect.stringContaining('ISO 3166-1 alpha-2') as string },
        ],
      },
    ]);
  });

  it('requires the organisation on every row, and a contact e-mail when a contact is given', () => {
    const parsed = parseOrganisationsCsv(csv(line({ kind: 'isp' }), line({ organisation: 'A', kind: 'isp', contact_name: 'Taro' })));
    expect(parsed.errors).toEqual([
      { row: 2, errors: [{ column: 'organisation', message: expect.stringContaining('required') as string }] },
      { row: 3, organisation: 'A', errors: [{ column: 'contact_email', message: 'a contact needs an e-mail address' }] },
    ]);
  });

  it('reports an organisation that no row gives a kind, once, on its first row', () => {
    const parsed = parseOrganisationsCsv(csv(line({ organisation: 'Nameless', contact_email: 'a@example.jp' }), line({ organisation: 'Nameless', contact_email: 'b@example.jp' })));
    expect(parsed.organisations).toEqual([]);
    expect(parsed.errors).toEqual([
      { row: 2, organisation: 'Nameless', errors: [{ column: 'kind', message: expect.stringContaining('no row of "Nameless" gives its kind') as string }] },
    ]);
  });

  it('leaves out contacts past the limit of 100 per organisation', () => {
    const rows = Array.from({ length: 101 }, (_, i) => line({ organisation: 'Big', kind: 'isp', contact_email: `c${i}@example.jp` }));
    const parsed = parseOrganisationsCsv(csv(...rows));
    expect(parsed.organisations[0]!.contacts).toHaveLength(100);
    expect(parsed.errors).toEqual([{ row: 102, organisation: 'Big', errors: [{ column: 'contact_email', message: expect.stringContaining('100') as string }] }]);
  });

  describe('file-level problems', () => {
    const fileError = (input: string | Buffer) => {
      const parsed = parseOrganisationsCsv(input);
      expect(parsed.organisations).toEqual([]);
      expect(parsed.errors).toHaveLength(1);
      expect(parsed.errors[0]!.row).toBe(1);
      return parsed.errors[0]!.errors[0]!.message;
    };

    it('refuses an empty file', () => {
      expect(fileError('')).toContain('the file is empty');
      expect(fileError('\uFEFF \r\n')).toContain('the file is empty');
    });

    it('names unknown columns', () => {
      expect(fileError('organisation,kind,fax,Twitter\r\nA,isp,1,2\r\n')).toContain('unknown columns "fax", "Twitter"');
      expect(fileError('organisation,kind,\r\nA,isp,\r\n')).toContain('unknown column an unnamed column (3)');
    });

    it('needs an organisation column, each column once', () => {
      expect(fileError('kind,contact_email\r\nisp,a@example.jp\r\n')).toContain('no "organisation" column');
      expect(fileError('organisation,kind,Kind\r\nA,isp,isp\r\n')).toContain('column "kind" appears more than once');
    });

    it('refuses what is not UTF-8 CSV', () => {
      // "organisation" in Shift_JIS-like bytes: not valid UTF-8.
      expect(fileError(Buffer.from([0x83, 0x41, 0x83, 0x43, 0x2c, 0x0d, 0x0a]))).toContain('not UTF-8');
      expect(fileError('"organisation,kind\r\n')).toContain('header row is not CSV');
      expect(fileError('%PDF-1.7 binary\r\n')).toContain('unknown column');
    });

    it('accepts a header with no data rows', () => {
      expect(parseOrganisationsCsv(`${HEADER}\r\n`)).toEqual({ organisations: [], errors: [], rowsRead: 0 });
    });
  });
});
