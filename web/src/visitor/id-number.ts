/**
 * The 证件号码 field of 注册, 修改注册信息 and 帮同伴填写, decided once: its label follows 证件类型
 * (身份证号码 / 护照号码 / 通行证号码), and the number is checked as the field is left (the check
 * digit of a resident ID, the shape of the others — contracts/identity), as the kiosk does; the
 * server checks again.
 */
import { computed, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { checkIdNumber, type IdType } from '@contracts/identity';
import { errorCatalogue } from '@contracts/errors';
import { currentLocale } from '@shared/i18n';

export function useIdNumberField(idType: Ref<IdType>) {
  const { t } = useI18n();
  const locale = currentLocale();
  const label = computed(() => t(`info.idNumberOf.${idType.value}`));
  const placeholder = computed(() => t('info.idNumberPh', { label: label.value }));
  const rules = computed(() => [
    { required: true, message: t('info.required', { field: label.value }) },
    {
      trigger: ['onBlur', 'onSubmit'] as ('onBlur' | 'onSubmit')[],
      validator: (v: string) => {
        if (!v?.trim()) return true; // an empty field is the required rule's, on submit
        const problem = checkIdNumber(idType.value, v);
        return problem ? (locale === 'en' ? errorCatalogue[problem].en : errorCatalogue[problem].zh) : true;
      },
    },
  ]);
  return { label, placeholder, rules };
}
