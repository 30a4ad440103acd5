/**
 * Staff Excel files (exceljs): the import template, reading an uploaded workbook into raw rows,
 * and the export. Reading never trusts the file: anything that is not an .xlsx workbook is
 * IMPORT_FILE_INVALID.
 */
import ExcelJS from 'exceljs';
import { AppError } from '../../platform/errors.js';
import { ID_TYPE_LABELS, type IdType } from '../../../../contracts/identity.js';
import { IMPORT_COLUMNS, isBlankRow, mapHeader, MAX_IMPORT_ROWS, type RawRow } from './people.rules.js';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SHEET = '人员';
const TEXT_COLUMNS = new Set(['phone', 'idNumber', 'employeeNo', 'officePhone']);

function styleHeader(ws: ExcelJS.Worksheet) {
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8F0FE' } };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
}

function addStaffSheet(wb: ExcelJS.Workbook, maxRows: number) {
  const ws = wb.addWorksheet(SHEET);
  ws.columns = IMPORT_COLUMNS.map((c) => ({
    header: c.header,
    key: c.key,
    width: c.key === 'idNumber' ? 24 : c.key === 'unit' ? 26 : 16,
    // phone and ID numbers as text, so Excel keeps every digit
    style: TEXT_COLUMNS.has(c.key) ? { numFmt: '@' } : {},
  }));
  styleHeader(ws);
  const vpCol = IMPORT_COLUMNS.findIndex((c) => c.key === 'visitPermission') + 1;
  for (let r = 2; r <= maxRows + 1; r++) {
    ws.getCell(r, vpCol).dataValidation = { type: 'list', allowBlank: true, formulae: ['"是,否"'] };
  }
  return ws;
}

/** The import template: the staff sheet (header only) and a sheet of instructions with the units. */
export async function buildTemplate(units: Array<{ name: string; departments: string[] }>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Safeguard';
  addStaffSheet(wb, 500);
  const help = wb.addWorksheet('填写说明');
  help.columns = [
    { header: '说明', key: 'a', width: 40 },
    { header: '', key: 'b', width: 60 },
  ];
  styleHeader(help);
  const lines: Array<[string, string]> = [
    ['带 * 的列为必填项', '姓名、手机号码、单位'],
    ['手机号码', '11位数字；与已有人员相同时更新该人员，否则新增'],
    ['证件号码', '居民身份证号码（18位，含校验位）；可增加“证件类型”列填写其他证件'],
    ['单位 / 部门', '须与系统中的名称完全一致；部门须属于该单位'],
    ['访问权限(是/否)', '填“是”的人员可被访客搜索为受访人；新增人员留空为“否”'],
    ['更新已有人员', '留空的选填项保持原值；导出文件中打码的证件号码保持原值'],
    ['全部或全不', '任一行有误时不导入任何数据，并列出所有错误行'],
    ['', ''],
    ['单位', '部门'],
    ...units.map((u): [string, string] => [u.name, u.departments.join('、')]),
  ];
  for (const l of lines) help.addRow(l);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A cell's value as text: numbers without exponent, rich text joined, formulas by their result. */
export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((p) => p.text).join('');
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
  }
  return String(v);
}

/** Reads an uploaded workbook's first sheet (or the one named 人员) into raw rows. */
export async function readStaffWorkbook(buf: Buffer): Promise<RawRow[]> {
  // an .xlsx is a zip file: refuse anything else before handing it to the parser
  if (buf.length < 4 || buf[0] !== 0x50 || buf[1] !== 0x4b) throw new AppError('IMPORT_FILE_INVALID');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch {
    throw new AppError('IMPORT_FILE_INVALID');
  }
  const ws = wb.getWorksheet(SHEET) ?? wb.worksheets[0];
  if (!ws) throw new AppError('IMPORT_FILE_INVALID');
  const headerCells: Array<{ col: number; text: string }> = [];
  ws.getRow(1).eachCell({ includeEmpty: false }, (cell, col) => headerCells.push({ col, text: cellText(cell.value) }));
  const { map, missing } = mapHeader(headerCells);
  if (missing.length) throw new AppError('IMPORT_FILE_INVALID', { missingColumns: missing });
  const rows: RawRow[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const values: RawRow['values'] = {};
    for (const [col, key] of map) values[key] = cellText(row.getCell(col).value).trim();
    const raw = { row: r, values };
    if (isBlankRow(raw)) continue;
    rows.push(raw);
    if (rows.length > MAX_IMPORT_ROWS) throw new AppError('IMPORT_TOO_MANY_ROWS');
  }
  return rows;
}

export interface ExportRow {
  name: string;
  phone: string;
  idType: IdType | null;
  idNumberMasked: string | null;
  employeeNo: string | null;
  unitName: string;
  departmentName: string | null;
  officeRoom: string | null;
  officePhone: string | null;
  position: string | null;
  visitPermission: boolean;
}

/** The export: the template's columns (so an export can be edited and imported back), ID numbers masked. */
export async function buildExport(rows: ExportRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Safeguard';
  const ws = addStaffSheet(wb, 0);
  const hasOtherTypes = rows.some((r) => r.idType && r.idType !== 'prc_id');
  if (hasOtherTypes) ws.getCell(1, IMPORT_COLUMNS.length + 1).value = '证件类型';
  for (const r of rows) {
    const row = ws.addRow({
      name: r.name,
      phone: r.phone,
      idNumber: r.idNumberMasked ?? '',
      employeeNo: r.employeeNo ?? '',
      unit: r.unitName,
      department: r.departmentName ?? '',
      officeRoom: r.officeRoom ?? '',
      officePhone: r.officePhone ?? '',
      position: r.position ?? '',
      visitPermission: r.visitPermission ? '是' : '否',
    });
    if (hasOtherTypes && r.idNumberMasked) row.getCell(IMPORT_COLUMNS.length + 1).value = ID_TYPE_LABELS[r.idType ?? 'prc_id']['zh-CN'];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
