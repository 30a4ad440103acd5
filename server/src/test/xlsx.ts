/** Reading an exported .xlsx back in a test, as a user's spreadsheet program would. */
import ExcelJS from 'exceljs';

/** The first sheet: its name, the header row, the data rows as text, and the sheet (for styles). */
export async function readXlsx(buf: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buf as unknown as ArrayBuffer);
  const sheet = book.worksheets[0]!;
  const rows: string[][] = [];
  const width = sheet.getRow(1).cellCount;
  // every column of each row, an empty cell as ''
  sheet.eachRow((r) => rows.push(Array.from({ length: width }, (_, i) => r.getCell(i + 1).value).map((v) => (v == null ? '' : String(v)))));
  return { name: sheet.name, header: rows[0]!, rows: rows.slice(1), sheet };
}
