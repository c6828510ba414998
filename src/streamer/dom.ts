/** The streamer's DOM: built once per view, updated by the view. */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IDisplayOptions } from './display-options';
import type { StreamMode } from './protocol';
import { ENGLISH } from './said';
import { IStatsGroup, IStatsNote, rowText } from './stats';
import type { IStreamerTexts } from './texts';

export interface IStreamerElements {
  start: HTMLButtonElement;
  stop: HTMLButtonElement;
  camera: HTMLSelectElement;
  /** The camera picker with its label (not shown in recvonly: no camera is used). */
  cameraLabel: HTMLElement;
  status: HTMLElement;
  error: HTMLElement;
  local: HTMLVideoElement;
  output: HTMLVideoElement;
  stats: HTMLElement;
  /** The row of panes, and the camera and output panes (placed per mode by layoutForMode). */
  videos: HTMLElement;
  localPane: HTMLElement;
  outputPane: HTMLElement;
  /** The panes' captions (texts: inputCaption, outputCaption). */
  localCaption: HTMLElement;
  outputCaption: HTMLElement;
  /** The collapsible log area under the videos (hidden while the log is empty). */
  log: HTMLDetailsElement;
  logSummary: HTMLElement;
  logLines: HTMLElement;
  logClear: HTMLButtonElement;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  testId?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  if (testId) {
    el.dataset.testid = testId;
  }
  return el;
}

function video(className: string, testId: string, label: string): HTMLVideoElement {
  const v = element('video', `jp-webrtc-video ${className}`, testId);
  // Attributes as well as properties, so they show in the DOM (and tests).
  v.autoplay = true;
  v.muted = true;
  v.playsInline = true;
  v.setAttribute('autoplay', '');
  v.setAttribute('muted', '');
  v.setAttribute('playsinline', '');
  v.setAttribute('aria-label', label);
  return v;
}

function pane(title: string, content: HTMLElement[], testId: string): HTMLElement {
  const figure = element('figure', 'jp-webrtc-pane', testId);
  const frame = element('div', 'jp-webrtc-frame');
  frame.append(...content);
  const caption = element('figcaption', 'jp-webrtc-caption');
  caption.textContent = title;
  figure.append(frame, caption);
  return figure;
}

/** Builds the widget's content inside `root`. */
export function buildStreamer(root: HTMLElement): IStreamerElements {
  root.classList.add('jp-webrtc');

  const start = element('button', 'jp-webrtc-button jp-webrtc-start', 'webrtc-start');
  start.type = 'button';
  start.textContent = 'Start';
  const stop = element('button', 'jp-webrtc-button jp-webrtc-stop', 'webrtc-stop');
  stop.type = 'button';
  stop.textContent = 'Stop';

  const cameraLabel = element('label', 'jp-webrtc-device-label jp-webrtc-camera-label');
  cameraLabel.textContent = 'Camera';
  const camera = element('select', 'jp-webrtc-device jp-webrtc-camera', 'webrtc-camera');
  camera.title = 'Camera';
  cameraLabel.append(camera);

  const status = element('span', 'jp-webrtc-status', 'webrtc-status');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');

  const toolbar = element('div', 'jp-webrtc-toolbar');
  toolbar.append(start, stop, cameraLabel, status);

  const error = element('div', 'jp-webrtc-error', 'webrtc-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;

  const local = video('jp-webrtc-local', 'webrtc-local', 'camera preview');
  const output = video('jp-webrtc-output', 'webrtc-output', 'processed output');
  const stats = element('div', 'jp-webrtc-stats', 'webrtc-stats');
  stats.hidden = true;

  const videos = element('div', 'jp-webrtc-videos');
  const localPane = pane('camera', [local], 'webrtc-local-pane');
  const outputPane = pane('output', [output, stats], 'webrtc-output-pane');
  const localCaption = localPane.lastElementChild as HTMLElement;
  const outputCaption = outputPane.lastElementChild as HTMLElement;
  videos.append(localPane, outputPane);

  const log = element('details', 'jp-webrtc-log', 'webrtc-log');
  log.open = true;
  log.hidden = true;
  const logSummary = element('summary', 'jp-webrtc-log-summary');
  logSummary.textContent = 'Log';
  const logLines = element('div', 'jp-webrtc-log-lines', 'webrtc-log-lines');
  logLines.setAttribute('role', 'log');
  logLines.setAttribute('aria-label', 'transform log');
  const logClear = element('button', 'jp-webrtc-button jp-webrtc-log-clear', 'webrtc-log-clear');
  logClear.type = 'button';
  logClear.textContent = 'Clear';
  log.append(logSummary, logLines, logClear);

  root.append(toolbar, error, videos, log);
  return {
    start,
    stop,
    camera,
    cameraLabel,
    status,
    error,
    local,
    output,
    stats,
    videos,
    localPane,
    outputPane,
    localCaption,
    outputCaption,
    log,
    logSummary,
    logLines,
    logClear,
  };
}

/**
 * Shows the panes the mode uses, and only those (a pane the mode does not
 * use is taken out of the DOM, not hidden): sendrecv both, sendonly the
 * camera (nothing comes back), recvonly the output (no camera, no picker).
 * The stats overlay sits on the output, or on the camera in sendonly.
 */
export function layoutForMode(els: IStreamerElements, mode: StreamMode, root: HTMLElement): void {
  root.dataset.mode = mode;
  const panes =
    mode === 'sendonly' ? [els.localPane] : mode === 'recvonly' ? [els.outputPane] : [els.localPane, els.outputPane];
  if (els.videos.children.length !== panes.length || panes.some((p, i) => els.videos.children[i] !== p)) {
    els.videos.replaceChildren(...panes);
  }
  const statsHome = (mode === 'sendonly' ? els.local : els.output).parentElement;
  if (statsHome && els.stats.parentElement !== statsHome) {
    statsHome.append(els.stats);
  }
  els.cameraLabel.hidden = mode === 'recvonly';
}

/** Puts the view's texts (translated, or the notebook's labels) on the fixed elements. */
export function applyTexts(els: IStreamerElements, texts: IStreamerTexts): void {
  els.start.textContent = texts.start;
  els.stop.textContent = texts.stop;
  // The picker's label text is a text node before its <select>.
  const labelText = els.cameraLabel.firstChild;
  if (labelText && labelText !== els.camera) {
    labelText.textContent = texts.camera;
  }
  els.camera.title = texts.camera;
  els.localCaption.textContent = texts.inputCaption;
  els.outputCaption.textContent = texts.outputCaption;
  els.local.setAttribute('aria-label', texts.previewAria);
  els.output.setAttribute('aria-label', texts.outputAria);
  els.logClear.textContent = texts.logClear;
  els.logLines.setAttribute('aria-label', texts.logAria);
}

/**
 * The notebook's display options: the local preview mirrored (CSS only: the frames sent are not),
 * the input pane hidden (the camera still streams), the videos' size. A width sizes the video's
 * frame (a percentage is of the pane) and the video fills it; a height sizes the video, its width
 * then following the aspect ratio unless a width is given too (the picture is then letterboxed).
 */
export function applyDisplay(els: IStreamerElements, options: IDisplayOptions): void {
  els.local.style.transform = options.mirror ? 'scaleX(-1)' : '';
  els.localPane.hidden = !options.showInput;
  const width = options.size?.width ?? null;
  const height = options.size?.height ?? null;
  for (const videoEl of [els.local, els.output]) {
    const frame = videoEl.parentElement;
    if (frame) {
      frame.style.width = width ?? '';
    }
    videoEl.style.width = width ? '100%' : height ? 'auto' : '';
    videoEl.style.height = height ?? '';
  }
}

/** Shows a stream in a video element, sized to the stream's frames. */
export function showStream(videoEl: HTMLVideoElement, stream: MediaStream | null): void {
  videoEl.srcObject = stream;
  if (!stream) {
    videoEl.removeAttribute('width');
    videoEl.removeAttribute('height');
    return;
  }
  try {
    // play() returns undefined in older browsers and jsdom despite its type.
    Promise.resolve(videoEl.play()).catch(() => undefined); // autoplay still applies
  } catch {
    // not implemented (jsdom) or refused: autoplay still applies
  }
}

/** Keeps a video element's size equal to its stream's frame size. */
export function trackVideoSize(videoEl: HTMLVideoElement): void {
  const resize = () => {
    if (videoEl.videoWidth > 0 && videoEl.videoHeight > 0) {
      videoEl.width = videoEl.videoWidth;
      videoEl.height = videoEl.videoHeight;
    }
  };
  videoEl.addEventListener('loadedmetadata', resize);
  videoEl.addEventListener('resize', resize);
}

/** Sets `data-<name>` to the number, or removes it when unknown (readers then see no figure). */
function setFigure(el: HTMLElement, name: string, value: number | string | null): void {
  if (value === null) {
    delete el.dataset[name];
  } else {
    el.dataset[name] = String(value);
  }
}

function cell(tag: 'td' | 'th', text: string, figure?: string): HTMLTableCellElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (figure) {
    el.dataset[figure] = '';
  }
  return el;
}

/**
 * Renders the stats overlay: one small table per side (camera → kernel, kernel, kernel → output),
 * side by side, one row per stage carrying its figures as `data-stage`, `data-fps`, `data-total`,
 * `data-ms` (numbers; absent when unknown), and under each a summary line whose items carry
 * `data-stat` and `data-value` (docs/design.md, "Stats overlay").
 */
export function renderStatsTable(
  el: HTMLElement,
  groups: IStatsGroup[],
  notes: IStatsNote[][],
  trans: TranslationBundle = ENGLISH,
): void {
  const [fpsHead, totalHead, msHead] = [trans.__('fps'), trans.__('total'), trans.__('ms')];
  el.replaceChildren(
    ...groups.map((group, index) => {
      const side = element('div', 'jp-webrtc-stats-side');
      const table = element('table', 'jp-webrtc-stats-table');
      const caption = document.createElement('caption');
      caption.textContent = group.title;
      const head = document.createElement('tr');
      head.append(cell('th', ''), cell('th', fpsHead), cell('th', totalHead), cell('th', msHead));
      const body = document.createElement('tbody');
      body.append(head);
      for (const r of group.rows) {
        const tr = document.createElement('tr');
        tr.dataset.stage = r.stage;
        setFigure(tr, 'fps', r.fps);
        setFigure(tr, 'total', r.total);
        setFigure(tr, 'ms', r.ms);
        const [fps, total, ms] = rowText(r);
        tr.append(cell('th', r.label), cell('td', fps, 'fps'), cell('td', total, 'total'), cell('td', ms, 'ms'));
        body.append(tr);
      }
      table.append(caption, body);
      side.append(table);
      const line = notes[index] ?? [];
      if (line.length) {
        const note = element('div', 'jp-webrtc-stats-note');
        line.forEach((n, i) => {
          const span = document.createElement('span');
          span.dataset.stat = n.stat;
          setFigure(span, 'value', n.value);
          span.textContent = i ? ` · ${n.text}` : n.text;
          note.append(span);
        });
        side.append(note);
      }
      return side;
    }),
  );
}
