/**
 * Image thumbnails drawn with `OffscreenCanvas` in the worker: aspect ratio kept, encoded
 * as a data URL no longer than the configured limit, shrinking until it fits.
 */

/** A thumbnail and the size of the image it was drawn from. */
export interface Thumbnail {
  /** `data:image/webp;base64,...` or `data:image/jpeg;base64,...`. */
  data_url: string;
  width: number;
  height: number;
  /** Pixel size of the original image, for sizing previews before the file arrives. */
  source_width: number;
  source_height: number;
}

/** Longest edge of the first attempt: sharp on a chat card at 2x density, small on the wire. */
export const THUMBNAIL_EDGE_PX = 320;
/** Below this the picture says nothing; give up and send no thumbnail. */
const SMALLEST_EDGE_PX = 16;
/** Each round that does not fit shrinks the edge by this factor (about half the pixels). */
const SHRINK_FACTOR = 0.7;
/** Encoder qualities tried at each size, best first. */
const QUALITIES = [0.82, 0.6, 0.4];

/**
 * Types the worker can decode. SVG is left out: it cannot be decoded off the main thread
 * and is a script-capable format we never want to rasterize implicitly.
 */
const DECODABLE = /^image\/(png|jpeg|jpg|pjpeg|gif|webp|bmp|avif|x-icon|vnd\.microsoft\.icon)$/i;

/** True when {@link makeThumbnail} will try this MIME type. */
export function canThumbnail(mimeType: string): boolean {
  return DECODABLE.test(mimeType);
}

function base64(bytes: Uint8Array): string {
  // String.fromCharCode takes arguments on the stack; 32 KiB at a time stays well inside it.
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function encode(
  bitmap: ImageBitmap,
  width: number,
  height: number,
  type: 'image/webp' | 'image/jpeg',
  quality: number,
): Promise<string | null> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  if (type === 'image/jpeg') {
    // JPEG has no alpha; transparent pixels would turn black.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
  }
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  const blob = await canvas.convertToBlob({ type, quality });
  // A browser without a WebP encoder silently returns PNG; let the caller fall back to JPEG.
  if (blob.type !== type) return null;
  return `data:${type};base64,${base64(new Uint8Array(await blob.arrayBuffer()))}`;
}

/**
 * Draws a thumbnail of an image no longer than `maxChars` as a data URL, or returns
 * `null` when the type is not an image the worker can decode or nothing small enough can
 * be produced.
 */
export async function makeThumbnail(
  blob: Blob,
  mimeType: string,
  maxChars: number,
): Promise<Thumbnail | null> {
  if (!canThumbnail(mimeType) || typeof OffscreenCanvas === 'undefined') return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    return null; // corrupt or undecodable image: no thumbnail, the share still goes on
  }
  try {
    return await thumbnailFromBitmap(bitmap, maxChars);
  } finally {
    bitmap.close();
  }
}

/**
 * Encodes an already decoded picture (an image, a PDF's first page) as a thumbnail no
 * longer than `maxChars`, shrinking until it fits; `null` when nothing small enough can
 * be produced. The bitmap stays open: the caller closes it.
 */
export async function thumbnailFromBitmap(
  bitmap: ImageBitmap,
  maxChars: number,
): Promise<Thumbnail | null> {
  const sourceWidth = bitmap.width;
  const sourceHeight = bitmap.height;
  if (sourceWidth === 0 || sourceHeight === 0) return null;
  let edge = Math.min(THUMBNAIL_EDGE_PX, Math.max(sourceWidth, sourceHeight));
  let webp = true;
  while (edge >= SMALLEST_EDGE_PX) {
    const scale = edge / Math.max(sourceWidth, sourceHeight);
    const width = Math.max(1, Math.round(sourceWidth * scale));
    const height = Math.max(1, Math.round(sourceHeight * scale));
    for (const quality of QUALITIES) {
      let dataUrl = webp ? await encode(bitmap, width, height, 'image/webp', quality) : null;
      if (dataUrl === null) {
        webp = false;
        dataUrl = await encode(bitmap, width, height, 'image/jpeg', quality);
      }
      if (dataUrl !== null && dataUrl.length <= maxChars) {
        return {
          data_url: dataUrl,
          width,
          height,
          source_width: sourceWidth,
          source_height: sourceHeight,
        };
      }
    }
    edge = Math.floor(edge * SHRINK_FACTOR);
  }
  return null;
}
