/**
 * A known photograph as Chromium's fake camera: face-api's demo/sample1.jpg (it ships with the
 * detector's weights in @vladmandic/face-api), scaled to 640x480 and written as a one-frame y4m
 * that Chromium loops. The detector specs assert boxes around the faces this picture holds.
 *
 * The pixels go through the kernel-bridge's own code (its built lib: @napi-rs/canvas decodes the
 * JPEG, swscale makes I420), so nothing here converts colours by hand.
 */
import { readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { tmpdir } from 'os';
import * as path from 'path';

const bridge = createRequire(path.resolve(__dirname, '../../kernel-bridge/package.json'));

export const SAMPLE_WIDTH = 640;
export const SAMPLE_HEIGHT = 480;

/**
 * Where the faces of sample1.jpg are at 640x480, as [x, y, width, height]: what face-api's tiny face
 * detector (input 416) found on the JPEG itself, measured once (kernel-bridge/test/detectors has the
 * same figures). Boxes over the streamed picture land within a few pixels of these.
 */
export const SAMPLE_FACES: ReadonlyArray<[number, number, number, number]> = [
  [115, 152, 99, 80],
  [258, 165, 105, 94],
  [476, 79, 98, 89],
];

/** Writes the y4m and returns its path (synchronous, so a spec can pass it to `test.use`). */
export function writeSamplePicture(): string {
  const file = path.join(tmpdir(), `jupyterlab-webrtc-sample1-${SAMPLE_WIDTH}x${SAMPLE_HEIGHT}.y4m`);
  const { createCanvas, Image } = bridge('@napi-rs/canvas');
  const { frameFromRGBA } = bridge('./lib/index.js');
  const jpeg = path.join(path.dirname(bridge.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
  const canvas = createCanvas(SAMPLE_WIDTH, SAMPLE_HEIGHT);
  const g = canvas.getContext('2d');
  const image = new Image();
  image.src = readFileSync(jpeg); // decodes synchronously
  g.drawImage(image, 0, 0, SAMPLE_WIDTH, SAMPLE_HEIGHT);
  const rgba = new Uint8Array(g.getImageData(0, 0, SAMPLE_WIDTH, SAMPLE_HEIGHT).data.buffer);
  const frame = frameFromRGBA(SAMPLE_WIDTH, SAMPLE_HEIGHT, rgba);
  const header = `YUV4MPEG2 W${SAMPLE_WIDTH} H${SAMPLE_HEIGHT} F20:1 Ip A1:1 C420jpeg\nFRAME\n`;
  writeFileSync(file, Buffer.concat([Buffer.from(header), Buffer.from(frame.data)]));
  return file;
}
