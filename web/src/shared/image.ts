/**
 * Shrinks a picked photo before upload: phone cameras produce 3–12 MB files, the server takes
 * at most 5 MB and keeps 1024 px anyway. The browser decodes it upright (EXIF orientation) and
 * re-encodes a JPEG. A file the browser cannot decode is returned as is, so the server answers
 * with its own error (PHOTO_NOT_IMAGE).
 */
export async function downscaleImage(file: File, maxSide = 1600, quality = 0.88): Promise<Blob> {
  if (typeof createImageBitmap !== 'function') return file;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size < 1024 * 1024 && /^image\/(jpeg|png)$/.test(file.type)) {
    bitmap.close();
    return file;
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const g = canvas.getContext('2d');
  if (!g) return file;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  return blob ?? file;
}
