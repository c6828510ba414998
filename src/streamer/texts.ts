/**
 * Every text the streamer widget shows, in one place: translated through JupyterLab's translator
 * (the `jupyterlab_webrtc` domain; msgids are the English texts, so without a language pack they
 * read as before), then the notebook's `labels` (display-options.ts) over them. Kept apart from the
 * DOM code so a language pack and the labels reach the buttons, pickers, captions and status line
 * alike, and the tests can check each text's source.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { StreamerLabels } from './display-options';
import type { StreamMode } from './protocol';
import type { StreamState } from './signalling';

/** The texts of one view; rebuilt when the translator or the `labels` trait changes. */
export interface IStreamerTexts {
  start: string;
  stop: string;
  camera: string;
  microphone: string;
  record: string;
  stopRecording: string;
  recordTitle: string;
  stopRecordingTitle: string;
  mute: string;
  unmute: string;
  muteTitle: string;
  unmuteTitle: string;
  inputCaption: string;
  outputCaption: string;
  previewAria: string;
  outputAria: string;
  logClear: string;
  logAria: string;
  /** The status line before the first Start (a label replaces it for every mode). */
  idle(mode: StreamMode): string;
  /** The status line: the state word, then the detail if any. */
  status(state: StreamState, detail: string): string;
  /** A status detail alone (the error under the videos): a fixed one translated, others as they are. */
  detail(detail: string): string;
  /** The picker's first entry, the browser's default device. */
  defaultDevice(kind: 'camera' | 'microphone', listed: boolean): string;
  /** An unlabelled device (before permission): "Camera 2". */
  unnamedDevice(kind: 'camera' | 'microphone', index: number): string;
  recordingFiles(active: boolean, files: string[]): string;
  logSummary(lines: number): string;
  transformError(message: string): string;
  /** A display trait the view did not apply (bad value): why, and that the default is shown. */
  optionIgnored(reason: string): string;
}

/** The translation domain of this extension's texts. */
export const TRANSLATION_DOMAIN = 'jupyterlab_webrtc';

/** The state word: translated here so each state is its own msgid. */
function stateWord(trans: TranslationBundle, state: StreamState): string {
  switch (state) {
    case 'idle':
      return trans.__('idle');
    case 'connecting':
      return trans.__('connecting');
    case 'playing':
      return trans.__('playing');
    case 'stopped':
      return trans.__('stopped');
    case 'error':
      return trans.__('error');
  }
}

/**
 * The session's fixed progress details (signalling.ts), translated; other details (errors with the
 * browser's or the kernel's own words in them) are shown as they are.
 */
function detailText(trans: TranslationBundle, detail: string): string {
  switch (detail) {
    case 'opening the camera':
      return trans.__('opening the camera');
    case 'connecting to the kernel':
      return trans.__('connecting to the kernel');
    case "waiting for the kernel's answer":
      return trans.__("waiting for the kernel's answer");
    case 'establishing the connection':
      return trans.__('establishing the connection');
    case 'no answer from the kernel':
      return trans.__('no answer from the kernel');
    case 'by the kernel':
      return trans.__('by the kernel');
    case 'no view shows the stream':
      return trans.__('no view shows the stream');
    case 'the page was closed':
      return trans.__('the page was closed');
    case 'the widget was closed':
      return trans.__('the widget was closed');
    default:
      return detail;
  }
}

/** The idle line names the Start button as it reads (translated or relabelled). */
function idleText(trans: TranslationBundle, mode: StreamMode, start: string): string {
  switch (mode) {
    case 'sendonly':
      return trans.__('idle: press %1 to send the camera to the kernel', start);
    case 'recvonly':
      return trans.__("idle: press %1 to play the kernel's stream", start);
    default:
      return trans.__('idle: press %1 to stream the camera', start);
  }
}

/** The texts for `trans` with the notebook's `labels` (already checked) over them. */
export function streamerTexts(trans: TranslationBundle, labels: StreamerLabels = {}): IStreamerTexts {
  const start = labels.start ?? trans.__('Start');
  return {
    start,
    stop: labels.stop ?? trans.__('Stop'),
    camera: labels.camera ?? trans.__('Camera'),
    microphone: labels.microphone ?? trans.__('Microphone'),
    record: labels.record ?? trans.__('● Record'),
    stopRecording: labels.stopRecording ?? trans.__('■ Stop recording'),
    recordTitle: trans.__("Record the camera and the kernel's output to WebM files in the notebook's folder"),
    stopRecordingTitle: trans.__('Stop recording and finalise the files'),
    mute: labels.mute ?? trans.__('Mute'),
    unmute: labels.unmute ?? trans.__('Unmute'),
    muteTitle: trans.__('Mute the output’s sound'),
    unmuteTitle: trans.__('Play the output’s sound'),
    inputCaption: labels.inputCaption ?? trans.__('camera'),
    outputCaption: labels.outputCaption ?? trans.__('output'),
    previewAria: trans.__('camera preview'),
    outputAria: trans.__('processed output'),
    logClear: trans.__('Clear'),
    logAria: trans.__('transform log'),
    idle: (mode) => labels.idle ?? idleText(trans, mode, start),
    detail: (detail) => detailText(trans, detail),
    status: (state, detail) =>
      detail ? trans.__('%1: %2', stateWord(trans, state), detailText(trans, detail)) : stateWord(trans, state),
    defaultDevice: (kind, listed) => {
      if (kind === 'camera') {
        return listed ? trans.__('Default camera') : trans.__('Default camera (allow access to list cameras)');
      }
      return listed
        ? trans.__('Default microphone')
        : trans.__('Default microphone (allow access to list microphones)');
    },
    unnamedDevice: (kind, index) =>
      kind === 'camera' ? trans.__('Camera %1', index) : trans.__('Microphone %1', index),
    recordingFiles: (active, files) =>
      active ? trans.__('recording: %1', files.join(', ')) : trans.__('recorded: %1', files.join(', ')),
    logSummary: (lines) => trans._n('Log (%1 line)', 'Log (%1 lines)', lines),
    transformError: (message) => trans.__('transform error: %1', message),
    optionIgnored: (reason) => trans.__('widget option ignored, the default is used: %1', reason),
  };
}
