/**
 * The 普通访客 form: state, client-side checks (the server is the real check), the request body,
 * and reuse of a visitor's details from 当日访客来访 / 访客最后来访.
 */
import { nextTick, reactive, ref, watch } from 'vue';
import { checkIdNumber, isValidPhone, type IdType } from '@contracts/identity';
import { errorCatalogue } from '@contracts/errors';
import { currentLocale } from '@shared/i18n';
import type { IdCardData } from '@contracts/kiosk-bridge';
import type { KioskHost, LastVisit, TodayWalkIn, WalkInBody } from './api';
import { VISIT_TYPE_VALUE, zoneTimeToIso, type VisitType } from './walkin';

type T = (key: string, args?: Record<string, unknown>) => string;
export const HEALTH_CODES = ['green', 'yellow', 'red'] as const;
const HEALTH_CODE_ZH = { green: '绿码', yellow: '黄码', red: '红码' } as const;
/** the center's kiosk settings (GET /api/kiosk/me): 体温 threshold, whether 健康码 is asked */
export interface KioskChecks {
  feverThresholdC: number;
  healthCode: boolean;
}

export function useWalkInForm(t: T, checks: () => KioskChecks = () => ({ feverThresholdC: 37.3, healthCode: false })) {
  const blank = () => ({
    name: '',
    idType: 'prc_id' as IdType,
    idNumber: '',
    phone: '',
    company: '',
    position: '',
    reason: '',
    remark: '',
    visitType: 'official' as VisitType,
    temperature: '',
    healthCode: '' as '' | (typeof HEALTH_CODES)[number],
    start: '', // HH:mm in the center's zone; '' = now (server default)
    end: '', // '' = end of today (server default)
    photoUploadId: null as string | null,
    replacePhoto: false,
  });
  const form = reactive(blank());
  const host = ref<KioskHost | null>(null);
  const errors = reactive<Record<string, string>>({});
  /** the ID number the library holds (masked), shown as a hint after a reuse */
  const idHint = ref('');

  // an error goes away as soon as its field is changed
  for (const key of ['name', 'idNumber', 'phone', 'reason', 'temperature', 'end'] as const) watch(() => form[key], () => delete errors[key]);
  watch(() => form.idType, () => delete errors.idNumber);
  watch(host, () => delete errors.host);

  const req = (field: string) => t('walkIn.required', { field: field === 'healthCode' ? t('bridge.healthCode') : t(`walkIn.${field}`) });
  watch(() => form.healthCode, () => delete errors.healthCode);

  /** 异常: a temperature at or above the center's threshold stops confirmation */
  function fever(): boolean {
    const v = Number(form.temperature);
    return form.temperature.trim() !== '' && Number.isFinite(v) && v >= checks().feverThresholdC;
  }
  const feverMessage = () => t('bridge.fever', { value: Number(form.temperature).toFixed(1), limit: checks().feverThresholdC.toFixed(1) });
  function idProblem(): string {
    if (!form.idNumber.trim()) return req('idNumber');
    const p = checkIdNumber(form.idType, form.idNumber);
    return p ? (currentLocale() === 'en' ? errorCatalogue[p].en : errorCatalogue[p].zh) : '';
  }

  /** the checksum hint as soon as the number is typed (blur) */
  function checkId() {
    errors.idNumber = form.idNumber.trim() ? idProblem() : '';
  }

  function validate(): boolean {
    for (const k of Object.keys(errors)) delete errors[k];
    if (!form.name.trim()) errors.name = req('name');
    const id = idProblem();
    if (id) errors.idNumber = id;
    if (!form.phone.trim()) errors.phone = req('phone');
    else if (!isValidPhone(form.phone.trim())) errors.phone = t('walkIn.phoneInvalid');
    if (!host.value) errors.host = t('walkIn.hostPick');
    if (!form.reason.trim()) errors.reason = req('reason');
    if (form.temperature.trim()) {
      const v = Number(form.temperature);
      if (!Number.isFinite(v) || v < 35 || v > 42) errors.temperature = t('walkIn.temperatureInvalid');
      else if (fever()) errors.temperature = feverMessage();
    }
    if (checks().healthCode) {
      if (!form.healthCode) errors.healthCode = req('healthCode');
      else if (form.healthCode !== 'green') errors.healthCode = t('bridge.healthCodeBad');
    }
    if (form.start && form.end && form.end <= form.start) errors.end = t('walkIn.endBeforeStart');
    return Object.keys(errors).length === 0;
  }

  function body(tz: string): WalkInBody {
    const opt = (v: string) => v.trim() || undefined;
    return {
      name: form.name.trim(),
      idType: form.idType,
      idNumber: form.idNumber.trim().toUpperCase(),
      phone: form.phone.trim(),
      company: opt(form.company),
      position: opt(form.position),
      hostId: host.value!.id,
      reason: form.reason.trim(),
      // 健康码 (when the center asks for it) goes with the remark, as 体温 does on the server
      remark: opt([form.remark.trim(), checks().healthCode && form.healthCode ? `健康码：${HEALTH_CODE_ZH[form.healthCode]}` : ''].filter(Boolean).join('；')),
      visitType: VISIT_TYPE_VALUE[form.visitType],
      startAt: form.start ? zoneTimeToIso(tz, form.start) : undefined,
      endAt: form.end ? zoneTimeToIso(tz, form.end) : undefined,
      temperature: form.temperature.trim() ? Number(form.temperature) : undefined,
      photoUploadId: form.photoUploadId ?? undefined,
      replacePhoto: form.photoUploadId ? form.replacePhoto : undefined,
    };
  }

  /** an ID card read through the bridge: 姓名, 居民身份证 and its number — nothing else from the card */
  function fillFromCard(card: IdCardData) {
    Object.assign(form, { name: card.name.trim(), idType: 'prc_id' as IdType, idNumber: card.idNumber.trim().toUpperCase() });
    idHint.value = '';
  }
  /** a reading from the bridge's thermometer; 异常 is shown at once */
  function setTemperature(celsius: number) {
    form.temperature = celsius.toFixed(1);
    void nextTick(() => {
      if (fever()) errors.temperature = feverMessage();
    });
  }

  function reset() {
    Object.assign(form, blank());
    host.value = null;
    idHint.value = '';
    for (const k of Object.keys(errors)) delete errors[k];
  }

  /** 当日访客来访: phone and ID come masked, so they are typed again (the visitor has the card). */
  function reuseToday(it: TodayWalkIn) {
    reset();
    Object.assign(form, { name: it.name, idType: it.idType, company: it.company ?? '', reason: it.reason });
    host.value = { id: it.hostId, name: it.hostName, unitName: '', departmentName: null, officeRoom: null, officePhone: null };
    idHint.value = it.idNumberMasked ?? '';
  }
  /** 访客最后来访: the library's details and the last visit's host and reason. */
  function reuseLast(d: LastVisit) {
    const keepId = form.idType === d.visitor.idType ? form.idNumber : '';
    reset();
    Object.assign(form, { name: d.visitor.name, phone: d.visitor.phone, idType: d.visitor.idType, idNumber: keepId, company: d.visitor.company ?? '', position: d.visitor.position ?? '' });
    if (d.lastVisit) {
      form.reason = d.lastVisit.reason;
      host.value = { id: d.lastVisit.hostId, name: d.lastVisit.hostName, unitName: d.lastVisit.unitName, departmentName: null, officeRoom: null, officePhone: null };
    }
    idHint.value = keepId ? '' : (d.visitor.idNumberMasked ?? '');
  }

  return { form, host, errors, idHint, validate, checkId, body, reset, reuseToday, reuseLast, fillFromCard, setTemperature, fever };
}
