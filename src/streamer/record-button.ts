/**
 * The widget's record button and the recording's file names: its own small
 * piece of DOM so the view only places it and feeds it the `recording` trait
 * and the session state. Clicking asks the kernel (`record` message) to start
 * recording input and output under default names, or to stop; the kernel's
 * `recording` trait, not the click, decides what the button shows.
 */
import type { IRecordingState } from './protocol';
import type { IStreamerTexts } from './texts';

export class RecordButton {
  /** `.jp-webrtc-record`: "Record" / "Stop recording"; `data-recording` mirrors the trait. */
  readonly button: HTMLButtonElement;
  /** `.jp-webrtc-record-files`: the files being written, or the last recording's. */
  readonly files: HTMLElement;

  constructor(
    onAction: (action: 'start' | 'stop') => void,
    private _texts: IStreamerTexts,
  ) {
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.className = 'jp-webrtc-button jp-webrtc-record';
    this.button.dataset.testid = 'webrtc-record';
    this.button.addEventListener('click', () => onAction(this._active ? 'stop' : 'start'));
    this.files = document.createElement('span');
    this.files.className = 'jp-webrtc-record-files';
    this.files.dataset.testid = 'webrtc-record-files';
    this.files.setAttribute('aria-live', 'polite');
    this.render({ active: false, files: [] }, false);
  }

  /** New texts (translator or labels changed); the view renders again after. */
  setTexts(texts: IStreamerTexts): void {
    this._texts = texts;
  }

  /** Shows `state`; the button starts a recording only while the stream plays. */
  render(state: IRecordingState, playing: boolean): void {
    this._active = state.active;
    const texts = this._texts;
    this.button.textContent = state.active ? texts.stopRecording : texts.record;
    this.button.title = state.active ? texts.stopRecordingTitle : texts.recordTitle;
    this.button.setAttribute('aria-pressed', String(state.active));
    this.button.dataset.recording = String(state.active);
    this.button.disabled = !state.active && !playing;
    this.files.hidden = state.files.length === 0;
    this.files.dataset.recording = String(state.active);
    this.files.textContent = state.files.length ? texts.recordingFiles(state.active, state.files) : '';
  }

  private _active = false;
}
