/**
 * `recourse user import FILE.csv` (CONTRACT §8.3): reading the file into accounts to invite, or
 * into problems, each with the row it is on (pure; the command adds the addresses already taken).
 * csv-parse does the CSV itself (quotes, doubled quotes, commas and line breaks inside quotes, a
 * UTF-8 byte-order mark, CRLF) as RFC 4180 has it, which a split on commas would get wrong for
 * names such as "Lovelace, Ada" and group lists in one quoted cell.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { checkNewAccount, NEW_ACCOUNT_FIELDS, type NewAccount, type NewAccountField } from './new-account.js';

/** One transaction holds every row, and the file crosses the admin socket whole: a sane bound on both. */
export const MAX_IMPORT_ROWS = 10_000;

/** A row is the file's line it starts on, the header being row 1 (a spreadsheet's numbering). */
export interface ImportRow { row: number; account: NewAccount }
export interface ImportProblem { row: number; message: string }
export interface ImportPlan { rows: ImportRow[]; problems: ImportProblem[] }

interface CsvRecord { values: string[]; row: number }

export function planImport(text: string): ImportPlan {
  const read = readRecords(text);
  if ('problem' in read) return { rows: [], problems: [read.problem] };
  const [header, ...records] = read.records;
  if (!header) return { rows: [], problems: [{ row: 1, message: `the file is empty; the first row names the columns (${NEW_ACCOUNT_FIELDS.join(',')})` }] };
  const columns = readHeader(header);
  if (!columns.ok) return { rows: [], problems: columns.problems };
  if (records.length === 0) return { rows: [], problems: [{ row: header.row, message: 'no users below the header row' }] };
  if (records.length > MAX_IMPORT_ROWS) return { rows: [], problems: [{ row: header.row, message: `${records.length} users; import at most ${MAX_IMPORT_ROWS} at a time` }] };
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const firstRowOf = new Map<string, number>();
  for (const record of records) {
    if (record.values.length !== columns.fields.length) {
      problems.push({ row: record.row, message: `${record.values.length} values where the header has ${columns.fields.length} columns` });
      continue;
    }
    const input = Object.fromEntries(columns.fields.map((field, i) => [field, record.values[i]])) as Partial<Record<NewAccountField, string>>;
    const checked = checkNewAccount(input);
    if (!checked.ok) {
      for (const problem of checked.problems) problems.push({ row: record.row, message: problem.message });
      continue;
    }
    const key = checked.value.email.toLowerCase();
    const earlier = firstRowOf.get(key);
    if (earlier !== undefined) {
      problems.push({ row: record.row, message: `email ${checked.value.email} is also on row ${earlier}` });
      continue;
    }
    firstRowOf.set(key, record.row);
    rows.push({ row: record.row, account: checked.value });
  }
  return { rows, problems };
}

function readRecords(text: string): { records: CsvRecord[] } | { problem: ImportProblem } {
  try {
    // With `info` each record comes as {record, info}; the typings only know arrays.
    // csv-parse counts a CRLF inside quotes as two lines; with LF alone its count is the file's.
    const parsed = parse(text.replace(/\r\n/g, '\n'), { bom: true, skip_empty_lines: true, skip_records_with_empty_values: true, relax_column_count: true, trim: true, info: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    // `lines` is where a record ends; line breaks inside its quoted values carried it over several.
    return { records: parsed.map(({ record, info }) => ({ values: record, row: info.lines - (record.join('').match(/\n/g)?.length ?? 0) })) };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const row = typeof error.lines === 'number' ? error.lines : 1;
    return { problem: { row, message: `not readable as CSV: ${error.message}` } };
  }
}

function readHeader(header: CsvRecord): { ok: true; fields: NewAccountField[] } | { ok: false; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const fields = header.values.map((name) => name.toLowerCase());
  const seen = new Set<string>();
  for (const field of fields) {
    if (!(NEW_ACCOUNT_FIELDS as readonly string[]).includes(field)) problems.push({ row: header.row, message: `unknown column ${JSON.stringify(field)} (the columns are ${NEW_ACCOUNT_FIELDS.join(',')})` });
    else if (seen.has(field)) problems.push({ row: header.row, message: `column ${field} appears twice` });
    seen.add(field);
  }
  if (!seen.has('email')) problems.push({ row: header.row, message: `no email column (the first row names the columns: ${NEW_ACCOUNT_FIELDS.join(',')})` });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, fields: fields as NewAccountField[] };
}
