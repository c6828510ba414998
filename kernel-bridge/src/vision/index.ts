/**
 * The frame toolkit a notebook imports: resize and crop, pixel views, model input tensors, drawing
 * annotations and image encoding. Native work goes through swscale (node-av) and Skia.
 */
export { resize, crop } from './geometry';
export type { Size, Rect } from './geometry';
export { toRGB, toBGR, toRGBA, toGray } from './pixels';
export { toTensor, tensorToFrame } from './tensor';
export type { Tensor, TensorLayout, TensorOptions } from './tensor';
export { drawAnnotations } from './draw';
export { encodePng, encodeJpeg } from '../media/encode-image';
export type { JpegOptions } from '../media/encode-image';
