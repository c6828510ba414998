/*
 * Init script of bench/page/run.js: runs in the real JupyterLab page before JupyterLab's own code
 * (after shared/stamp.js), and gives the bench its camera, its probes and the RTP echo's page side.
 *
 * - navigator.mediaDevices.getUserMedia returns a fresh stamped canvas stream at 30 fps per call
 *   (shared/stamp.js), at the constraints' width x height: three widgets get three independent
 *   cameras. The fake device is opened (and stopped) once first: Chromium hands out raw host ICE
 *   candidates only once the page has camera permission (see g2g/page.html).
 * - RTCPeerConnection is wrapped to keep every connection, for getStats() per session.
 * - Clicks on a streamer's Start are timed (capture phase, page clock), for Start → first frame.
 * - pagebench.watch*() read the stamp of every frame an output <video> shows
 *   (requestVideoFrameCallback); snap() and report() give the figures to run.js; a widget's snap()
 *   reads its stats overlay's data attributes right after a kernel stats message.
 * - startEcho/stopEcho: a plain RTCPeerConnection in this page, signalled through functions run.js
 *   exposes (pagebenchEchoOffer(id, sdp) -> answer sdp, pagebenchEchoCandidate(id, c)) to a werift
 *   echo peer (page/echo-process.js), shown in a not-started widget's videos or in a corner.
 * Everything is kept on window.pagebench; nothing here runs per frame but the stamp read.
 */
'use strict';
(() => {
  const FPS = 30;
  const pb = (window.pagebench = {
    defaultSize: [640, 480],
    sources: [], // every camera handed out
    pcs: [], // every RTCPeerConnection created in the page
    clicks: [], // {at, root} per click on a streamer's Start
    sessions: {}, // label -> measured output
    echoes: {}, // id -> {pc, addCandidate, stop}
    errors: [],
  });
  window.addEventListener('error', (e) => pb.errors.push(String(e.message)));

  let holder = null;
  /** A small fixed corner for the bench's own elements (cameras, echo videos). */
  function corner() {
    if (!holder) {
      holder = document.createElement('div');
      holder.id = 'pagebench';
      holder.style.cssText =
        'position:fixed;right:0;bottom:0;z-index:100000;display:flex;flex-wrap:wrap;gap:4px;max-width:1000px;background:#222';
      document.body.append(holder);
    }
    return holder;
  }

  // ---- camera -----------------------------------------------------------------------------------
  const openDevice = MediaDevices.prototype.getUserMedia;
  let permission = null;
  const dim = (c) =>
    typeof c === 'number' ? c : c && typeof c === 'object' ? (c.exact ?? c.ideal ?? c.max) : undefined;
  MediaDevices.prototype.getUserMedia = async function getUserMedia(constraints) {
    permission ??= openDevice.call(this, { video: true }).then((s) => s.getTracks().forEach((t) => t.stop()));
    await permission;
    const video = constraints && typeof constraints.video === 'object' ? constraints.video : {};
    const width = dim(video.width) ?? pb.defaultSize[0];
    const height = dim(video.height) ?? pb.defaultSize[1];
    const canvas = document.createElement('canvas');
    canvas.style.width = '64px';
    corner().append(canvas);
    const source = window.benchStamp.startCanvasSource(canvas, width, height, FPS);
    source.id = pb.sources.length;
    source.openedAt = performance.now();
    // the widget's Stop stops the track: stop drawing too
    source.track.stop = () => {
      source.stop();
      canvas.remove();
    };
    pb.sources.push(source);
    return source.stream;
  };

  // ---- peer connections and clicks ---------------------------------------------------------------
  const PagePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class BenchPeerConnection extends PagePeerConnection {
    constructor(...args) {
      super(...args);
      pb.pcs.push({ pc: this, createdAt: performance.now() });
    }
  };
  document.addEventListener(
    'click',
    (e) => {
      const start = e.target instanceof Element ? e.target.closest('.jp-webrtc-start') : null;
      if (start) pb.clicks.push({ at: performance.now(), root: start.closest('.jp-webrtc') });
    },
    true,
  );

  // ---- sinks ------------------------------------------------------------------------------------
  /** Reads the stamp of every frame `video` shows; sourceOf() names the camera it came from. */
  function watch(label, video, sourceOf) {
    const s = {
      label,
      video,
      sourceOf,
      source: null,
      reader: null,
      pc: null,
      startAt: null,
      firstShownAt: null,
      firstStampAt: null,
      received: [], // [draw time, display time] per distinct stamp, first display only
      seen: new Set(),
      unreadable: 0,
      repeats: 0,
      callbacks: 0,
      videoSizes: [],
      active: true,
    };
    const onFrame = () => {
      if (!s.active) return;
      const now = performance.now();
      s.callbacks++;
      s.firstShownAt ??= now;
      const last = s.videoSizes[s.videoSizes.length - 1];
      if (!last || last[0] !== video.videoWidth || last[1] !== video.videoHeight) {
        s.videoSizes.push([video.videoWidth, video.videoHeight, now]);
      }
      s.source ??= sourceOf();
      if (!s.source) s.unreadable++;
      else {
        s.reader ??= window.benchStamp.createStampReader(s.source.width);
        const low = s.reader.read(video);
        const sent = low < 0 ? undefined : s.source.drawn.get(low);
        if (sent === undefined) s.unreadable++;
        else if (s.seen.has(low)) s.repeats++;
        else {
          s.seen.add(low);
          s.received.push([sent, now]);
          s.firstStampAt ??= now;
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    pb.sessions[label] = s;
    return s;
  }

  const widgetRoots = () => [...document.querySelectorAll('.jp-webrtc')];

  /** Watches the output of the index-th streamer widget of the page; call before clicking its Start. */
  pb.watchWidget = (label, index) => {
    const root = widgetRoots()[index];
    if (!root) throw new Error(`no streamer widget #${index}`);
    const local = root.querySelector('video.jp-webrtc-local');
    const output = root.querySelector('video.jp-webrtc-output');
    const s = watch(label, output, () => {
      const stream = local.srcObject;
      return stream ? (pb.sources.find((x) => x.stream.id === stream.id) ?? null) : null;
    });
    s.root = root;
    followKernelStats(s);
    return true;
  };

  /** Page time of the session's Start: its widget's click (an echo sets it itself). */
  function startOf(s) {
    s.startAt ??= pb.clicks.find((c) => c.root === s.root)?.at ?? null;
    return s.startAt;
  }

  /** The session's RTCPeerConnection: the one sending its camera's track. */
  function pcOf(s) {
    if (s.pc) return s.pc;
    s.source ??= s.sourceOf();
    if (!s.source) return null;
    const entry = pb.pcs.find((p) => p.pc.getSenders().some((sender) => sender.track === s.source.track));
    s.pc = entry ? entry.pc : null;
    return s.pc;
  }

  const KERNEL_MARK = 'tr[data-stage="kernel.received"]';
  const STATS_WAIT_MS = 2500;

  /**
   * The overlay is rebuilt on each kernel `stats` message (about 1 a second) and each getStats()
   * reading of the widget: notes the page time the kernel's cumulative totals last moved, and wakes
   * snap()s waiting for a fresh kernel message.
   */
  function followKernelStats(s) {
    s.kernelMark = null;
    s.kernelAt = null;
    s.kernelWaiters = [];
    const overlay = s.root.querySelector('.jp-webrtc-stats');
    if (!overlay) return;
    new MutationObserver(() => {
      const mark = overlay.querySelector(KERNEL_MARK)?.dataset.total;
      if (mark === undefined || mark === s.kernelMark) return;
      s.kernelMark = mark;
      s.kernelAt = performance.now();
      for (const wake of s.kernelWaiters.splice(0)) wake();
    }).observe(overlay, { childList: true });
  }

  /** Resolves at the next kernel stats message the overlay shows (or after STATS_WAIT_MS). */
  function nextKernelStats(s) {
    if (!s.kernelWaiters) return Promise.resolve();
    return new Promise((resolve) => {
      const give = setTimeout(resolve, STATS_WAIT_MS);
      s.kernelWaiters.push(() => {
        clearTimeout(give);
        resolve();
      });
    });
  }

  const numberOr = (v) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));

  /**
   * The widget's stats overlay as data: per stage (`tr[data-stage="<side>.<stage>"]`) its
   * data-fps, data-total (cumulative since Start) and data-ms, and the summary figures
   * (`span[data-stat]`'s data-value), with the page time of the last kernel message.
   */
  function overlayFigures(s) {
    if (!s.root) return null;
    const overlay = s.root.querySelector('.jp-webrtc-stats');
    if (!overlay || overlay.hidden) return null;
    const stages = {};
    for (const tr of overlay.querySelectorAll('tr[data-stage]')) {
      stages[tr.dataset.stage] = {
        fps: numberOr(tr.dataset.fps),
        total: numberOr(tr.dataset.total),
        ms: numberOr(tr.dataset.ms),
      };
    }
    const notes = {};
    for (const span of overlay.querySelectorAll('span[data-stat]')) {
      const v = span.dataset.value;
      notes[span.dataset.stat] = v === undefined ? null : (numberOr(v) ?? v);
    }
    return { stages, notes, kernelAt: s.kernelAt };
  }

  /**
   * Counters of one session now: the browser's getStats() per stage, the sink's, the widget's
   * overlay. A widget's reading waits for the next kernel stats message first, so that the kernel's
   * cumulative totals and the browser's counters are read at (nearly) the same moment.
   */
  pb.snap = async (label) => {
    const s = pb.sessions[label];
    startOf(s);
    if (s.root) await nextKernelStats(s);
    const quality = s.video.getVideoPlaybackQuality ? s.video.getVideoPlaybackQuality() : {};
    const out = {
      at: performance.now(),
      drawn: s.source ? s.source.drawTimes.length : null,
      callbacks: s.callbacks,
      stamps: s.received.length,
      totalVideoFrames: quality.totalVideoFrames,
      droppedVideoFrames: quality.droppedVideoFrames,
      overlay: overlayFigures(s),
    };
    const pc = pcOf(s);
    if (!pc) return out;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type === 'media-source' && r.kind === 'video') {
        Object.assign(out, { captured: r.frames, captureFps: r.framesPerSecond });
      }
      if (r.type === 'outbound-rtp' && r.kind === 'video') {
        Object.assign(out, {
          encoded: r.framesEncoded,
          sent: r.framesSent,
          keyFramesEncoded: r.keyFramesEncoded,
          totalEncodeTime: r.totalEncodeTime,
          qualityLimitationReason: r.qualityLimitationReason,
          qualityLimitationDurations: r.qualityLimitationDurations,
          qualityLimitationResolutionChanges: r.qualityLimitationResolutionChanges,
          sendSize: `${r.frameWidth}x${r.frameHeight}`,
          targetBitrate: r.targetBitrate,
          bytesSent: r.bytesSent,
          retransmittedPacketsSent: r.retransmittedPacketsSent,
          pliReceived: r.pliCount,
          nackReceived: r.nackCount,
          encoderImplementation: r.encoderImplementation,
        });
      }
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
        Object.assign(out, { availableOutgoingBitrate: r.availableOutgoingBitrate, rtt: r.currentRoundTripTime });
      }
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        Object.assign(out, {
          received: r.framesReceived,
          decoded: r.framesDecoded,
          dropped: r.framesDropped,
          keyFramesDecoded: r.keyFramesDecoded,
          totalDecodeTime: r.totalDecodeTime,
          jitterBufferDelay: r.jitterBufferDelay,
          jitterBufferEmittedCount: r.jitterBufferEmittedCount,
          bytesReceived: r.bytesReceived,
          packetsLost: r.packetsLost,
          pliSent: r.pliCount,
          nackSent: r.nackCount,
          freezeCount: r.freezeCount,
          totalFreezesDuration: r.totalFreezesDuration,
          receiveSize: `${r.frameWidth}x${r.frameHeight}`,
          decoderImplementation: r.decoderImplementation,
        });
      }
    });
    return out;
  };

  /** The session's stamps drawn in [from, to] (page times) and what came back of them. */
  pb.report = (label, from, to) => {
    const s = pb.sessions[label];
    const drawTimes = s.source ? s.source.drawTimes : [];
    return {
      drawn: drawTimes.filter((t) => t >= from && t <= to).length,
      samples: s.received.filter(([t]) => t >= from && t <= to),
      unreadable: s.unreadable,
      repeats: s.repeats,
      callbacks: s.callbacks,
      videoSizes: s.videoSizes,
      startAt: startOf(s),
      firstShownAt: s.firstShownAt,
      firstStampAt: s.firstStampAt,
    };
  };

  /** True once every named session has shown a stamped frame. */
  pb.allStamped = (labels) => labels.every((l) => pb.sessions[l] && pb.sessions[l].firstStampAt !== null);

  pb.unwatch = (label) => {
    const s = pb.sessions[label];
    if (s) s.active = false;
    delete pb.sessions[label];
  };

  // ---- the RTP echo's page side -----------------------------------------------------------------
  /**
   * The echo's videos: with `widgetIndex`, the (not started) streamer widget's own camera preview
   * and output <video>s, so that the echo renders exactly what a playing widget renders, where it
   * renders it; without, a preview-less <video> in the bench's corner (the bench before issue 9's
   * fair baseline).
   */
  function echoVideos(widgetIndex) {
    if (widgetIndex === null || widgetIndex === undefined) {
      const output = document.createElement('video');
      output.muted = true;
      output.autoplay = true;
      output.playsInline = true;
      output.style.width = '320px';
      corner().append(output);
      return { preview: null, output, release: () => output.remove() };
    }
    const root = widgetRoots()[widgetIndex];
    if (!root) throw new Error(`no streamer widget #${widgetIndex} for the echo`);
    if (root.querySelector('.jp-webrtc-stop')?.disabled === false) throw new Error('the widget is playing');
    const preview = root.querySelector('video.jp-webrtc-local');
    const output = root.querySelector('video.jp-webrtc-output');
    const empty = (v) => {
      v.srcObject = null;
      v.removeAttribute('width');
      v.removeAttribute('height');
    };
    return { preview, output, release: () => [preview, output].forEach(empty) };
  }

  const play = (video, stream, what) => {
    video.srcObject = stream;
    video.play().catch((err) => pb.errors.push(`${what} play: ${err}`));
  };

  /**
   * Starts echo session `id`: a camera of its own, sent as the widget sends it (VP8 first,
   * contentHint detail), shown in the videos of echoVideos(widgetIndex).
   */
  pb.startEcho = async (id, width, height, widgetIndex) => {
    const videos = echoVideos(widgetIndex);
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height }, audio: false });
    const track = stream.getVideoTracks()[0];
    track.contentHint = 'detail';
    const source = pb.sources.find((x) => x.stream === stream);
    if (videos.preview) play(videos.preview, stream, `echo ${id} preview`);
    const video = videos.output;
    const s = watch(id, video, () => source);
    const pc = new RTCPeerConnection({ iceServers: [] });
    s.pc = pc;
    const pending = [];
    let remoteSet = false;
    const addCandidate = async (c) => {
      if (!remoteSet) return void pending.push(c);
      try {
        await pc.addIceCandidate(c ?? undefined);
      } catch (e) {
        pb.errors.push(`echo ${id} addIceCandidate: ${e}`);
      }
    };
    pb.echoes[id] = {
      pc,
      addCandidate,
      stop: () => {
        pc.close();
        track.stop();
        videos.release();
      },
    };
    pc.onicecandidate = (e) => void window.pagebenchEchoCandidate(id, e.candidate ? e.candidate.toJSON() : null);
    pc.ontrack = (e) => play(video, new MediaStream([e.track]), `echo ${id}`);
    s.startAt = performance.now();
    const tr = pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
    const caps = RTCRtpReceiver.getCapabilities('video').codecs;
    const isVp8 = (c) => c.mimeType.toLowerCase() === 'video/vp8';
    tr.setCodecPreferences([...caps.filter(isVp8), ...caps.filter((c) => !isVp8(c))]);
    await pc.setLocalDescription(await pc.createOffer());
    const answer = await window.pagebenchEchoOffer(id, pc.localDescription.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    remoteSet = true;
    for (const c of pending.splice(0)) await addCandidate(c);
    return true;
  };
  pb.echoCandidate = (id, c) => pb.echoes[id]?.addCandidate(c);
  pb.stopEcho = (id) => {
    pb.echoes[id]?.stop();
    delete pb.echoes[id];
    pb.unwatch(id);
  };
})();
