/**
 * What a model (or any code) says about one video frame: boxes with a label and score, points,
 * polylines and text, in that frame's pixel coordinates. One vocabulary for the three places that
 * use it: the results side channel (sent to the widget and drawn by the browser over the video,
 * no re-encode), the drawing toolkit (burnt into a frame kernel-side), and the detectors (which
 * emit it). Validation and size limits live beside it (annotations/validate.ts).
 */

/** A CSS colour the browser and the canvas both read: '#rgb', '#rrggbb', '#rrggbbaa' or a name. */
export type Colour = string;

/** An axis-aligned rectangle: top-left corner and size, in pixels of the frame it describes. */
export interface BoxAnnotation {
  kind: 'box';
  x: number;
  y: number;
  width: number;
  height: number;
  label?: string;
  /** Confidence in [0, 1], shown after the label. */
  score?: number;
  colour?: Colour;
}

/** Separate points (keypoints, landmarks): [x, y] pairs. */
export interface PointsAnnotation {
  kind: 'points';
  points: Array<[number, number]>;
  label?: string;
  colour?: Colour;
}

/** A line through points; `closed` joins the last to the first (a polygon). */
export interface PolylineAnnotation {
  kind: 'polyline';
  points: Array<[number, number]>;
  closed?: boolean;
  label?: string;
  colour?: Colour;
}

/** Text whose top-left corner is at (x, y). */
export interface TextAnnotation {
  kind: 'text';
  x: number;
  y: number;
  text: string;
  colour?: Colour;
}

export type Annotation = BoxAnnotation | PointsAnnotation | PolylineAnnotation | TextAnnotation;

/** The annotations of one frame. Coordinates are in pixels of a `width` x `height` frame. */
export interface FrameAnnotations {
  /** The described frame's `timestamp` (ms): what aligns the overlay with the picture it belongs to. */
  timestamp: number;
  width: number;
  height: number;
  items: Annotation[];
}
