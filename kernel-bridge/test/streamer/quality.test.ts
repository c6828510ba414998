/**
 * The streamer's quality options (streamer/quality.ts): notebook names to the synced state, the
 * widget's fields over the site setting, and the caps the kernel's encoder gets.
 */
import { effectiveQuality, encoderCapsOf, qualityState } from '../../src/streamer/quality';

const none = { max_width: null, max_height: null, max_fps: null, bitrate_kbps: null, degradation: null };

describe('quality options', () => {
  it('maps the notebook names to the state; unset = null (the site setting)', () => {
    expect(qualityState(undefined)).toBeNull();
    expect(qualityState(null)).toBeNull();
    expect(qualityState({})).toEqual(none);
    expect(
      qualityState({ maxWidth: 640, maxHeight: 480, maxFps: 15, bitrateKbps: 800, degradation: 'maintain-framerate' }),
    ).toEqual({ max_width: 640, max_height: 480, max_fps: 15, bitrate_kbps: 800, degradation: 'maintain-framerate' });
  });

  it('refuses a misspelt option and a non-object', () => {
    expect(() => qualityState({ maxwidth: 640 } as never)).toThrow("quality has no option 'maxwidth'");
    expect(() => qualityState('hd' as never)).toThrow(/must be an object/);
  });

  it("takes the widget's fields where set, else the site's", () => {
    const site = { ...none, max_width: 1280, max_fps: 30, degradation: 'balanced' as const };
    const widget = { ...none, max_width: 320, bitrate_kbps: 500 };
    expect(effectiveQuality(widget, site)).toEqual({
      max_width: 320,
      max_height: null,
      max_fps: 30,
      bitrate_kbps: 500,
      degradation: 'balanced',
    });
    expect(effectiveQuality(null, null)).toEqual(none);
    expect(effectiveQuality(null, site)).toEqual(site);
  });

  it('gives the encoder bit/s', () => {
    expect(encoderCapsOf({ ...none, max_height: 240, bitrate_kbps: 800 })).toEqual({
      maxWidth: null,
      maxHeight: 240,
      maxFps: null,
      bitrate: 800_000,
    });
  });
});
