/**
 * The face-processing consent (X5; PIPL art. 28–29: separate consent for sensitive personal data;
 * the 2025 face-recognition security measures). The server stores the version a visitor agreed to
 * and refuses a photo unless that version is the current one; the visitor app shows this text.
 * Change the text → change the version (visitors then agree again for new photos).
 */
export const FACE_CONSENT_VERSION = 'face-2026-12-v2';

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
        body: '照片加密存储，与身份信息分开保存，仅授权的系统管理人员在必要时可以查看，每次查看都会记录。照片保存至您撤回授权，或自您最后一次来访起满{days}天后自动删除；您也可以随时在“我的数据”中注销账号。',
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
        body: 'The photo is encrypted and stored apart from your identity details. Only authorised administrators can view it when necessary, and every view is logged. It is kept until you withdraw consent, or deleted automatically {days} days after your last visit; you can also delete your account at any time under “My data”.',
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
 * checkbox and `detail` under it; so does the staff app's 代登记人员 (S10), where a colleague
 * registers someone else. `selfStatement` is the same consent in the staff member's own words, for
 * the photo they submit themselves in 修改个人信息 (S9). Change the wording → change the version.
 */
export const STAFF_FACE_CONSENT_VERSION = 'staff-face-2026-11-v1';

export interface StaffFaceConsentText {
  statement: string;
  selfStatement: string;
  detail: string;
}
export const STAFF_FACE_CONSENT: { version: string; 'zh-CN': StaffFaceConsentText; en: StaffFaceConsentText } = {
  version: STAFF_FACE_CONSENT_VERSION,
  'zh-CN': {
    statement: '已取得本人同意采集人脸信息用于门禁通行',
    selfStatement: '本人同意采集人脸信息用于门禁通行',
    detail: '照片仅用于闸机、门禁的人脸识别通行，加密存储，与身份信息分开保存；删除照片即视为撤回同意，人员删除时照片一并删除。未上传照片的人员仍可刷身份证通行。',
  },
  en: {
    statement: 'The staff member has agreed that their face is collected for gate access',
    selfStatement: 'I agree that my face is collected for gate access',
    detail: 'The photo is used only for face recognition at gates and doors, encrypted and stored apart from identity details. Removing the photo withdraws the consent; deleting the staff member deletes the photo. Staff without a photo can still enter with their ID card.',
  },
};

/**
 * 用户协议 and 隐私政策 (PIPL art. 13–17: inform before collecting; art. 28–29: an ID number is
 * sensitive personal information). A visitor agrees to both, at this version, to register: the
 * registration form has the checkbox and shows the texts; the server refuses a registration
 * without the current version (TERMS_REQUIRED) and records it in `consents` (kind 'terms').
 * Change either text → change the version.
 */
export const TERMS_VERSION = 'terms-2026-12-v2';

export interface TermsDocument {
  title: string;
  intro: string;
  sections: ConsentSection[];
}
export interface TermsText {
  /** the checkbox: 我已阅读并同意 + the two titles as links */
  agreePrefix: string;
  terms: TermsDocument;
  privacy: TermsDocument;
}

export const TERMS: { version: string; 'zh-CN': TermsText; en: TermsText } = {
  version: TERMS_VERSION,
  'zh-CN': {
    agreePrefix: '我已阅读并同意',
    terms: {
      title: '用户协议',
      intro: '本服务由行政中心管理机构提供，用于来访人员在线注册、预约来访、接收审核结果和凭证通行。注册即表示您已阅读并同意本协议。',
      sections: [
        { heading: '服务内容', body: '您可以在线注册来访人员信息、向行政中心内的工作人员预约来访、查看预约进度、为同行人员代填或转发填写信息，并凭照片、身份证件或访客预约码通过闸机。预约须经受访人（必要时还有审批人员）审核，审核结果以短信通知。' },
        { heading: '如实填写', body: '请使用本人手机号码注册，如实填写姓名、证件信息和来访事由。代同行人员填写时，应事先取得其同意。冒用他人身份、提供虚假信息或扰乱办公秩序的，管理机构可以取消预约、限制使用本服务，并依法处理。' },
        { heading: '通行与安全', body: '请在预约时段内来访，遵守行政中心的安全管理规定，配合安检和身份核验。访客预约码仅限本人使用，请勿转发或截图给他人。' },
        { heading: '账号与安全', body: '您通过手机短信验证码登录。请妥善保管手机，勿向他人透露验证码。发现账号被他人使用时，请及时联系行政中心前台。' },
        { heading: '协议变更', body: '本协议更新时，我们会在您下次使用时提示并请您重新确认；您不同意的，可以停止使用本服务，不影响您在前台办理现场登记。' },
      ],
    },
    privacy: {
      title: '隐私政策',
      intro: '我们依照《中华人民共和国个人信息保护法》处理您的个人信息，仅收集来访管理所必需的信息。请您仔细阅读，特别是关于敏感个人信息的内容。',
      sections: [
        { heading: '我们收集的信息', body: '手机号码（登录和短信通知）；姓名、证件类型和证件号码（身份核验和刷证通行）；单位、职务、车牌号（选填）；预约信息（受访人、来访事由、时间、同行人员手机号码）；通行记录（时间、地点、通行方式）。照片（人脸信息）另行单独征得您的同意，不上传照片不影响使用。' },
        { heading: '处理目的与依据', body: '上述信息仅用于核验来访人员身份、安排受访人审核、向闸机下发通行凭证、发送审核和到访通知，以及行政中心的安全管理，属于履行法定职责和安全管理所必需（个人信息保护法第十三条）。证件号码属于敏感个人信息，仅用于身份核验和通行，不用于其他目的。' },
        { heading: '存储与保护', body: '信息存储在中华人民共和国境内。证件号码和照片加密存储，页面上以部分隐藏的形式显示；只有您的受访人、相关审批人员和授权的管理人员能看到完成工作所必需的信息，每次查看都记录在审计日志中。' },
        { heading: '提供与共享', body: '我们不向任何第三方出售或提供您的个人信息。仅在完成来访所必需的范围内，向受访人及其单位的审批人员展示预约信息，向闸机下发通行凭证；法律、行政法规另有规定的除外。' },
        { heading: '保存期限', body: '照片和证件号码自您最后一次来访（预约时段结束或离开，以较晚者为准）起满{days}天后自动删除；注册后从未预约的，注册信息自注册或最后一次修改起满{days}天后删除。预约和通行记录作为不含个人信息的统计记录保留。' },
        { heading: '您的权利', body: '您可以在"我的注册信息"中查阅和更正您的信息，可以随时撤回人脸授权；在"我的数据"中可以查看我们保存了您的哪些信息、哪些人员何时查看过，导出您的全部数据，或注销账号（删除照片、证件号码、姓名和手机号码，过往来访仅保留不含个人信息的记录）。如需解释处理规则，请联系行政中心前台，我们将在十五个工作日内答复。不满十四周岁的未成年人应由监护人陪同办理。' },
      ],
    },
  },
  en: {
    agreePrefix: 'I have read and agree to the ',
    terms: {
      title: 'Terms of Use',
      intro: 'This service is provided by the administrative center\'s management office for visitors to register online, book visits, receive review results and pass the gates. By registering you confirm that you have read and agree to these terms.',
      sections: [
        { heading: 'The service', body: 'You can register your details, book a visit with a member of staff in the administrative center, follow its progress, fill in or forward the form for companions, and pass the gates with your photo, ID document or appointment code. A booking is reviewed by your host (and approvers where required); you are told the result by SMS.' },
        { heading: 'Accurate information', body: 'Register with your own phone number and give your real name, ID details and reason for the visit. When you fill in details for a companion, ask them first. Using another person\'s identity, giving false information or disturbing the work of the center may lead to cancelled visits, a ban from the service and action under the law.' },
        { heading: 'Access and safety', body: 'Come within the booked time, follow the center\'s security rules and cooperate with security and identity checks. Your appointment code is for you only: do not forward it or share screenshots of it.' },
        { heading: 'Your account', body: 'You sign in with a code sent to your phone by SMS. Keep your phone safe and never tell anyone the code. If someone else has used your account, tell the reception desk at once.' },
        { heading: 'Changes', body: 'When these terms change, you are asked to agree again the next time you use the service. If you do not agree you can stop using it; you can still register at the reception desk.' },
      ],
    },
    privacy: {
      title: 'Privacy Policy',
      intro: 'We process your personal information under the Personal Information Protection Law of the People\'s Republic of China (PIPL) and collect only what visitor management needs. Please read this carefully, in particular the parts about sensitive personal information.',
      sections: [
        { heading: 'What we collect', body: 'Your phone number (sign-in and SMS notices); your name, ID type and ID number (identity checks and ID-card access); your company, position and car plate (optional); your bookings (host, reason, times, companions\' phone numbers); your passes (time, place, how you passed). A photo (face information) is asked for separately, with its own consent; you can use the service without one.' },
        { heading: 'Why, and on what basis', body: 'Only to check who visitors are, have hosts review bookings, give the gates your access, send review and arrival notices, and keep the center secure — necessary for the center\'s statutory duties and security management (PIPL art. 13). An ID number is sensitive personal information and is used only for identity checks and access.' },
        { heading: 'Storage and protection', body: 'Your information is stored in the People\'s Republic of China. ID numbers and photos are encrypted and shown partly hidden on screen. Only your host, the approvers concerned and authorised administrators see what their work needs, and every view is recorded in the audit log.' },
        { heading: 'Sharing', body: 'We never sell your personal information or give it to third parties. Your booking is shown only to your host and the approvers of their unit, and your access is sent only to the gates, as far as your visit needs, unless laws or administrative regulations require otherwise.' },
        { heading: 'Retention', body: 'Photos and ID numbers are deleted automatically {days} days after your last visit (the end of the booked window or when you left, whichever is later); a registration never used for a booking is deleted {days} days after it was made or last edited. Bookings and passes are kept only as records without personal information.' },
        { heading: 'Your rights', body: 'Under "My registration" you can view and correct your details and withdraw your face consent at any time. Under "My data" you can see what we hold about you and who viewed it when, export all of it, or delete your account (your photo, ID number, name and phone are deleted; past visits are kept only as records without personal information). To ask how your information is processed, contact the reception desk, which answers within 15 working days. Children under 14 should come with a guardian.' },
      ],
    },
  },
};

/**
 * The texts above name the retention period as `{days}`: VISITOR_RETENTION_DAYS, which the apps
 * read from GET /api/config (visitorRetentionDays). Render a text with the configured number before
 * showing it; the server renders the same way wherever it sends a text.
 */
export function withRetentionDays<T>(doc: T, days: number): T {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll('{days}', String(days));
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(doc) as T;
}
