/**
 * The face-processing consent (X5; PIPL art. 28–29: separate consent for sensitive personal data;
 * the 2025 face-recognition security measures). The server stores the version a visitor agreed to
 * and refuses a photo unless that version is the current one; the visitor app shows this text.
 * Change the text → change the version (visitors then agree again for new photos).
 */
export const FACE_CONSENT_VERSION = 'face-2026-11-v1';

export interface ConsentSection {
  heading: string;
  body: string;
}
export interface ConsentText {
  title: string;
  intro: string;
  sections: ConsentSection[];
  agree: string;
  decline: string;
}

export const FACE_CONSENT: { version: string; 'zh-CN': ConsentText; en: ConsentText } = {
  version: FACE_CONSENT_VERSION,
  'zh-CN': {
    title: '人脸信息处理授权',
    intro: '人脸信息属于敏感个人信息。上传照片前，请仔细阅读以下内容，并单独作出是否同意的决定。不同意不影响您注册和预约，您可以携带身份证件或使用访客预约码通行。',
    sections: [
      {
        heading: '处理目的',
        body: '仅用于行政中心闸机、门禁的人脸识别通行，核验来访人员为本人。不用于其他目的，不向第三方提供，不用于营销。',
      },
      {
        heading: '处理范围',
        body: '您上传的一张正面照片（系统会统一转为JPEG格式并缩小尺寸，去除拍摄地点等附加信息）。照片仅在您的预约审核通过后、在预约时段内下发到受访单位所在楼宇的闸机，时段结束或预约取消后从闸机删除。',
      },
      {
        heading: '存储与保存期限',
        body: '照片加密存储，与身份信息分开保存，仅授权的系统管理人员在必要时可以查看，每次查看都会记录。照片保存至您撤回授权，或自最后一次来访起超过管理机构规定的保存期限后自动删除。',
      },
      {
        heading: '撤回授权',
        body: '您可以随时在“我的注册信息”中点击“撤回人脸授权”，照片将立即删除，已下发到闸机的人脸也会随之删除。撤回后您仍可携带身份证件或使用访客预约码通行。',
      },
    ],
    agree: '同意',
    decline: '不同意',
  },
  en: {
    title: 'Consent to face processing',
    intro: 'A face image is sensitive personal information. Please read the following before you upload a photo and decide separately whether you agree. If you do not agree you can still register and book visits, and enter with your ID document or your appointment code.',
    sections: [
      {
        heading: 'Purpose',
        body: 'Only face recognition at the gates and doors of the administrative center, to confirm that the visitor is you. It is not used for anything else, not given to third parties and not used for marketing.',
      },
      {
        heading: 'Scope',
        body: 'One front-facing photo that you upload (converted to JPEG, reduced in size, with location and other metadata removed). It is sent to the gates of your host’s building only for confirmed visits and only for the visit window, and removed from the gates when the window ends or the visit is cancelled.',
      },
      {
        heading: 'Storage and retention',
        body: 'The photo is encrypted and stored apart from your identity details. Only authorised administrators can view it when necessary, and every view is logged. It is kept until you withdraw consent, or deleted automatically after the retention period set by the center has passed since your last visit.',
      },
      {
        heading: 'Withdrawal',
        body: 'You can withdraw at any time under “My registration” → “Withdraw face consent”: the photo is deleted at once, and so are the faces sent to gates. You can still enter with your ID document or appointment code.',
      },
    ],
    agree: 'Agree',
    decline: 'Do not agree',
  },
};

/**
 * Staff photos (A1) are taken by an administrator, who confirms that the staff member agreed to
 * face processing for gate access; the server records that consent (subject 'staff') with this
 * version and the administrator as the recorder. The admin console shows `statement` beside the
 * checkbox and `detail` under it. Change the wording → change the version.
 */
export const STAFF_FACE_CONSENT_VERSION = 'staff-face-2026-11-v1';

export const STAFF_FACE_CONSENT: { version: string; 'zh-CN': { statement: string; detail: string }; en: { statement: string; detail: string } } = {
  version: STAFF_FACE_CONSENT_VERSION,
  'zh-CN': {
    statement: '已取得本人同意采集人脸信息用于门禁通行',
    detail: '照片仅用于闸机、门禁的人脸识别通行，加密存储，与身份信息分开保存；删除照片即视为撤回同意，人员删除时照片一并删除。未上传照片的人员仍可刷身份证通行。',
  },
  en: {
    statement: 'The staff member has agreed that their face is collected for gate access',
    detail: 'The photo is used only for face recognition at gates and doors, encrypted and stored apart from identity details. Removing the photo withdraws the consent; deleting the staff member deletes the photo. Staff without a photo can still enter with their ID card.',
  },
};
