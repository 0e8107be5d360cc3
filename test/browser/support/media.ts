/**
 * Real media files made in the page: a PNG drawn on a canvas and a short WebM video
 * recorded from a canvas, so previews and media sync are tested on bytes Chromium decodes.
 */

/** A PNG of the given size with a gradient and a label. */
export async function makePng(width = 64, height = 48, name = 'picture.png'): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, '#2f5bd3');
  gradient.addColorStop(1, '#f2a33a');
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new File([blob], name, { type: 'image/png' });
}

/** A WebM video of about `seconds`, recorded from an animated canvas. */
export async function makeWebm(seconds = 2, name = 'clip.webm'): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 120;
  const context = canvas.getContext('2d')!;
  const stream = canvas.captureStream(15);
  const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(100);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const draw = () => {
      const t = (performance.now() - started) / 1000;
      context.fillStyle = `hsl(${(t * 120) % 360} 70% 50%)`;
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.fillStyle = '#fff';
      context.fillRect((t * 60) % canvas.width, 50, 20, 20);
      if (t < seconds) requestAnimationFrame(draw);
      else resolve();
    };
    draw();
  });
  recorder.stop();
  await stopped;
  return new File(chunks, name, { type: 'video/webm' });
}

/** Resolves when `check` returns true, polling every 25 ms; rejects after `timeout` ms. */
export async function until(
  check: () => boolean,
  timeout = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A one-page PDF (A6) with a filled coloured rectangle and a line of text, written by hand
 * with a correct cross-reference table.
 */
export function makePdf(name = 'letter.pdf', label = 'Hello PDF'): File {
  const content = `0.18 0.36 0.83 rg 20 200 250 120 re f BT /F1 24 Tf 30 150 Td (${label}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new File([body], name, { type: 'application/pdf' });
}

/** Share of a picture's pixels that are not white. */
export function inkRatio(bitmap: ImageBitmap | HTMLCanvasElement): number {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) ink += 1;
  }
  return ink / (data.length / 4);
}
