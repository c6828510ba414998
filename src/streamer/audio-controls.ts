/**
 * The widget's audio controls, shown only for streams with `audio: true`: the microphone picker
 * (beside the camera picker, remembered per key like the camera) and the output's mute toggle. The
 * kernel's audio plays through the output <video> element, which carries the remote audio track;
 * muting it only stops playback here (the kernel still sends). Kept apart from view.ts so the
 * view only creates one and forwards its lifecycle.
 */
import { IDevice, loadDeviceChoice, showDeviceChoices } from './device-choice';
import type { WebRtcStreamerModel } from './model';
import type { IStreamerTexts } from './texts';

export class AudioControls {
  /** `.jp-webrtc-microphone`: the microphone picker inside its label. */
  readonly microphone: HTMLSelectElement;
  /** `.jp-webrtc-mute`: toggles the output's sound (aria-pressed = muted). */
  readonly mute: HTMLButtonElement;
  private readonly label: HTMLLabelElement;
  private microphones: IDevice[] = [];

  constructor(
    private readonly model: WebRtcStreamerModel,
    private readonly output: HTMLVideoElement,
    private texts: IStreamerTexts,
  ) {
    this.label = document.createElement('label');
    this.label.className = 'jp-webrtc-device-label jp-webrtc-microphone-label';
    this.label.textContent = texts.microphone;
    this.microphone = document.createElement('select');
    this.microphone.className = 'jp-webrtc-device jp-webrtc-microphone';
    this.microphone.dataset.testid = 'webrtc-microphone';
    this.microphone.title = texts.microphone;
    this.label.append(this.microphone);
    this.mute = document.createElement('button');
    this.mute.type = 'button';
    this.mute.className = 'jp-webrtc-button jp-webrtc-mute';
    this.mute.dataset.testid = 'webrtc-mute';
    this.microphone.addEventListener('change', () => model.chooseMicrophone(this.microphone.value || null));
    this.mute.addEventListener('click', () => model.setOutputMuted(!model.outputMuted));
  }

  /** New texts (translator or labels changed): the label now, the rest at the next render and refresh. */
  setTexts(texts: IStreamerTexts): void {
    this.texts = texts;
    const labelText = this.label.firstChild;
    if (labelText && labelText !== this.microphone) {
      labelText.textContent = texts.microphone;
    }
    this.microphone.title = texts.microphone;
  }

  /** Puts the controls right after `after` (the camera picker's label). */
  insertAfter(after: HTMLElement): void {
    after.after(this.label, this.mute);
  }

  /**
   * Shows or hides the controls per the `audio` trait and the mode (recvonly opens no microphone,
   * sendonly has no output to mute), and plays or mutes the output.
   */
  render(): void {
    const on = this.model.audioOn;
    const mode = this.model.mode ?? 'sendrecv';
    this.label.hidden = !on || mode === 'recvonly';
    this.mute.hidden = !on || mode === 'sendonly';
    const muted = !on || this.model.outputMuted;
    // property and attribute: the DOM (and the UI tests) show which
    this.output.muted = muted;
    this.output.toggleAttribute('muted', muted);
    this.mute.textContent = this.model.outputMuted ? this.texts.unmute : this.texts.mute;
    this.mute.title = this.model.outputMuted ? this.texts.unmuteTitle : this.texts.muteTitle;
    this.mute.setAttribute('aria-pressed', String(this.model.outputMuted));
    // Like the camera picker: a switch while playing replaces the track; only a session still
    // connecting has no sender settled to switch on.
    this.microphone.disabled = this.model.streamState === 'connecting';
  }

  /** The microphone chosen for this key (or in this picker), and whether it is a listed one. */
  request(): { deviceId: string | null; listed: boolean } {
    const deviceId = this.microphone.value || loadDeviceChoice('microphone', this.model.cameraKey);
    return { deviceId, listed: this.microphones.some((m) => m.deviceId === deviceId) };
  }

  /** Another view chose a microphone. */
  showChoice(deviceId: string | null): void {
    if (!deviceId) {
      this.microphone.value = '';
    } else if (this.microphones.some((m) => m.deviceId === deviceId)) {
      this.microphone.value = deviceId;
    }
  }

  /** Lists the microphones (labels and ids appear once the page may use one). */
  async refresh(inUse?: string): Promise<void> {
    if (!this.model.audioOn) {
      return;
    }
    const { env, cameraKey } = this.model;
    this.microphones = await showDeviceChoices(
      this.microphone,
      'microphone',
      env.devices,
      cameraKey,
      inUse,
      this.texts,
    );
  }
}
