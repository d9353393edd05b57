import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_ROWS, planImport } from '../../../gateway/admin/import-plan.js';

describe('planImport: a CSV of people to invite', () => {
  it('reads quoted values, a byte-order mark, CRLF, columns in any order and blank lines', () => {
    // A spreadsheet's export: empty rows come out as bare commas.
    const text = '\uFEFFname,Email,groups,role,type,phone\r\n"Lovelace, Ada",ada@example.com,"ops, readers",admin,employee,+4915112345678\r\n\r\nBo,bo@example.com,,,,\r\n,,,,,\r\n';
    expect(planImport(text)).toEqual({
      problems: [],
      rows: [
        { row: 2, account: { email: 'ada@example.com', name: 'Lovelace, Ada', role: 'admin', type: 'employee', groups: ['ops', 'readers'], phone: '+4915112345678' } },
        // The header is row 1, the blank line row 3.
        { row: 4, account: { email: 'bo@example.com', name: 'Bo', role: 'user', type: 'user', groups: [], phone: null } },
      ],
    });
  });

  it('numbers a row by the line it starts on, also after a value spread over lines', () => {
    const plan = planImport('email,name\r\nada@example.com,"Two\r\nlines"\r\nbad,Bo\r\n');
    expect(plan.problems).toEqual([
      { row: 2, message: 'name contains control characters' },
      { row: 4, message: 'email "bad" is not a valid address' },
    ]);
  });

  it('reports one problem per line with its row: bad values, duplicates in the file, wrong value counts', () => {
    const text = [
      'email,name,role,type,groups,phone',
      'ada@example.com,Ada,user,user,,',
      'not-an-email,X,emperor,user,,',
      'ADA@example.com,Ada again,user,user,,',
      'cy@example.com,Cy,user,user,bad*name,',
      'dee@example.com,Dee',
    ].join('\n');
    const plan = planImport(text);
    expect(plan.problems).toEqual([
      { row: 3, message: 'email "not-an-email" is not a valid address' },
      { row: 3, message: 'role "emperor" is not one of super_admin, owner, admin, user' },
      { row: 4, message: 'email ADA@example.com is also on row 2' },
      { row: 5, message: expect.stringMatching(/^groups: invalid group name "bad\*name"/) },
      { row: 6, message: '2 values where the header has 6 columns' },
    ]);
    expect(plan.rows.map((r) => r.row)).toEqual([2]);
  });

  it('refuses a header without email, unknown or repeated columns, an empty file and a file of headers only', () => {
    expect(planImport('name,mail\nAda,ada@example.com\n').problems).toEqual([
      { row: 1, message: 'unknown column "mail" (the columns are email,name,role,type,groups,phone)' },
      { row: 1, message: 'no email column (the first row names the columns: email,name,role,type,groups,phone)' },
    ]);
    expect(planImport('email,email\na@example.com,b@example.com\n').problems).toEqual([{ row: 1, message: 'column email appears twice' }]);
    expect(planImport('').problems).toEqual([{ row: 1, message: expect.stringMatching(/^the file is empty/) }]);
    expect(planImport('email\n').problems).toEqual([{ row: 1, message: 'no users below the header row' }]);
  });

  it('reports a file that is not CSV on the row where reading stopped', () => {
    expect(planImport('email,name\na@example.com,"Ada\nb@example.com,Bo\n').problems).toEqual([
      { row: 3, message: expect.stringMatching(/^not readable as CSV: Quote Not Closed/) },
    ]);
    expect(planImport('email,name\na@example.com,"Ada"x\n').problems).toEqual([{ row: 2, message: expect.stringMatching(/^not readable as CSV: Invalid Closing Quote/) }]);
  });

  it('takes at most MAX_IMPORT_ROWS people at a time', () => {
    const text = `email\n${Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `u${i}@example.com`).join('\n')}\n`;
    expect(planImport(text).problems).toEqual([{ row: 1, message: `${MAX_IMPORT_ROWS + 1} users; import at most ${MAX_IMPORT_ROWS} at a time` }]);
  });
});
