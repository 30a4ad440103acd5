/** Test helpers of the visitors module; the image and multipart helpers live in test/images.ts. */
import { FACE_CONSENT_VERSION } from '../../../../contracts/consent.js';
import { signInVisitor, type Client, type TestApp } from '../../test/harness.js';
import { randomPhone } from '../../test/factories.js';
import { multipart } from '../../test/images.js';

export { makeImage, makeNoisePng, multipart } from '../../test/images.js';

export async function uploadPhoto(c: Client, data: Buffer, consentVersion: string | null = FACE_CONSENT_VERSION, type = 'image/jpeg') {
  const m = await multipart(consentVersion === null ? {} : { consentVersion }, { data, type });
  return c.req('POST', '/api/visitor/photos', m.payload, m.headers);
}

let ipSeq = 0;
/** A signed-in verified phone (not registered yet); each from its own IP so per-IP SMS limits stay out of the way. */
export async function signInNewPhone(t: TestApp, phone = randomPhone()) {
  const c = await signInVisitor(t, phone, `10.77.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`);
  return { c, phone };
}
