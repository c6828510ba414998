/**
 * The min/max rules of the numeric controls (IntSlider, FloatSlider, IntRangeSlider, Play), written
 * once so they all refuse and clamp exactly as ipywidgets does, with its error messages.
 */
import { TraitError } from '../traits';

/** ipywidgets' bounded rules: min <= max is required, the value is clamped into [min, max]. */
export function clampValue(next: { value: number; min: number; max: number }, touched: ReadonlySet<PropertyKey>): void {
  checkBounds(next, touched);
  next.value = clamp(next.value, next.min, next.max);
}

export function clampRange(
  next: { value: [number, number]; min: number; max: number },
  touched: ReadonlySet<PropertyKey>,
): void {
  checkBounds(next, touched);
  const [lower, upper] = next.value;
  if (lower > upper) throw new TraitError('setting lower > upper');
  next.value = [clamp(lower, next.min, next.max), clamp(upper, next.min, next.max)];
}

function checkBounds(next: { min: number; max: number }, touched: ReadonlySet<PropertyKey>): void {
  if (next.min <= next.max) return;
  throw new TraitError(touched.has('min') ? 'setting min > max' : 'setting max < min');
}

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);
