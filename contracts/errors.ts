/**
 * The one error catalogue. Every error the API returns has a stable code, an HTTP status and a
 * message in zh-CN and en. The web apps show `message[locale]`; integrators match on `code`.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, zh: '输入有误，请检查后重试', en: 'The input is not valid' },
  PHONE_INVALID: { status: 400, zh: '手机号码应为11位数字', en: 'The phone number must be 11 digits' },
  ID_NUMBER_INVALID: { status: 400, zh: '身份证号码校验失败', en: 'The ID number is not valid (checksum)' },
  DOCUMENT_NUMBER_INVALID: { status: 400, zh: '证件号码格式不正确', en: 'The document number is not valid' },
  SMS_CODE_INVALID: { status: 400, zh: '验证码错误', en: 'The verification code is wrong' },
  SMS_CODE_EXPIRED: { status: 400, zh: '验证码已失效，请重新获取', en: 'The verification code has expired or was already used' },
  SMS_CODE_TOO_MANY_TRIES: { status: 429, zh: '验证码错误次数过多，请重新获取', en: 'Too many wrong codes; request a new one' },
  SMS_TOO_SOON: { status: 429, zh: '发送过于频繁，请60秒后再试', en: 'Please wait 60 seconds before requesting another code' },
  SMS_RATE_LIMITED: { status: 429, zh: '验证码请求次数过多，请稍后再试', en: 'Too many code requests; try again later' },
  AUTH_REQUIRED: { status: 401, zh: '请先登录', en: 'Please sign in' },
  LOGIN_FAILED: { status: 401, zh: '账号或密码错误', en: 'Wrong username or password' },
  ACCOUNT_LOCKED: { status: 423, zh: '登录失败次数过多，账号已锁定15分钟', en: 'Too many failed sign-ins; the account is locked for 15 minutes' },
  CSRF_REJECTED: { status: 403, zh: '请求来源不被允许', en: 'Request origin not allowed' },
  FORBIDDEN: { status: 403, zh: '没有权限', en: 'You do not have permission' },
  NOT_FOUND: { status: 404, zh: '记录不存在或无权访问', en: 'Not found or no access' },
  HOST_NOT_FOUND: { status: 404, zh: '无此受访人', en: 'No such host' },
  NOT_REGISTERED: { status: 404, zh: '该手机号尚未注册', en: 'This phone number is not registered' },
  ALREADY_REGISTERED: { status: 409, zh: '该手机号已注册', en: 'This phone number is already registered' },
  PHONE_TAKEN: { status: 409, zh: '手机号已被其他人员使用', en: 'The phone number is already used by someone else' },
  EMPLOYEE_NO_TAKEN: { status: 409, zh: '工号已存在', en: 'The employee number already exists' },
  NAME_TAKEN: { status: 409, zh: '名称已存在', en: 'The name already exists' },
  IN_USE: { status: 409, zh: '仍有关联数据，无法删除', en: 'Still in use; cannot delete' },
  STAFF_NOT_FOUND: { status: 400, zh: '人员不存在或已删除', en: 'The staff member does not exist or was deleted' },
  APPROVAL_NODE_DUPLICATE: { status: 400, zh: '审批节点重复', en: 'The same approval node appears more than once' },
  APPROVAL_CHAIN_TOO_LONG: { status: 400, zh: '审批节点最多10个', en: 'An approval chain has at most 10 nodes' },
  APPROVAL_ROLE_INVALID: { status: 400, zh: '审批角色不存在', en: 'The approval role does not exist' },
  CC_DUPLICATE: { status: 400, zh: '抄送人重复', en: 'The same CC recipient appears more than once' },
  CC_TOO_MANY: { status: 400, zh: '抄送人最多20个', en: 'At most 20 CC recipients' },
  PHOTO_NOT_IMAGE: { status: 400, zh: '照片格式不正确，请上传 JPG 或 PNG 图片', en: 'The photo must be a JPEG or PNG image' },
  PHOTO_TOO_LARGE: { status: 413, zh: '照片不能超过5MB', en: 'The photo must be at most 5 MB' },
  CONSENT_REQUIRED: { status: 400, zh: '上传照片前请先同意人脸信息处理规则', en: 'Please agree to face processing before uploading a photo' },
  UPLOAD_NOT_FOUND: { status: 400, zh: '照片已失效，请重新上传', en: 'The uploaded photo expired; please upload it again' },
  IMPORT_FILE_INVALID: { status: 400, zh: '文件无法读取，请使用导入模板（.xlsx）', en: 'The file could not be read; use the .xlsx import template' },
  UNIT_NOT_FOUND: { status: 400, zh: '单位不存在', en: 'The unit does not exist' },
  DEPARTMENT_NOT_IN_UNIT: { status: 400, zh: '部门不存在或不属于该单位', en: 'The department does not exist in this unit' },
  BUILDING_NOT_FOUND: { status: 400, zh: '楼宇不存在', en: 'The building does not exist' },
  REQUIRED_FIELD_MISSING: { status: 400, zh: '必填项不能为空', en: 'A required field is empty' },
  VALUE_TOO_LONG: { status: 400, zh: '填写内容过长', en: 'The value is too long' },
  VISIT_PERMISSION_VALUE_INVALID: { status: 400, zh: '访问权限请填写“是”或“否”', en: 'Visit permission must be 是 (yes) or 否 (no)' },
  PHONE_DUPLICATE_IN_FILE: { status: 400, zh: '手机号码在文件中重复', en: 'The phone number appears more than once in the file' },
  EMPLOYEE_NO_DUPLICATE_IN_FILE: { status: 400, zh: '工号在文件中重复', en: 'The employee number appears more than once in the file' },
  IMPORT_TOO_MANY_ROWS: { status: 400, zh: '单次最多导入5000行', en: 'At most 5,000 rows can be imported at once' },
  IMPORT_ROWS_INVALID: { status: 422, zh: '导入文件存在错误行，未导入任何数据', en: 'The file has invalid rows; nothing was imported' },
  DEVICE_TOKEN_INVALID: { status: 401, zh: '设备令牌无效或已停用', en: 'The device token is invalid or revoked' },
  OAUTH_FAILED: { status: 401, zh: '授权登录失败', en: 'OAuth sign-in failed' },
  OAUTH_NOT_CONFIGURED: { status: 404, zh: '未配置该登录方式', en: 'This sign-in method is not configured' },
  PASSWORD_TOO_WEAK: { status: 400, zh: '密码至少8位', en: 'The password must be at least 8 characters' },
  JOB_NOT_RETRYABLE: { status: 409, zh: '只有失败的任务可以重试', en: 'Only a failed job can be retried' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '提交内容过大', en: 'The request is too large' },
  INTERNAL: { status: 500, zh: '系统繁忙，请稍后再试', en: 'Something went wrong; please try again' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: { 'zh-CN': string; en: string }; details?: unknown };
}
