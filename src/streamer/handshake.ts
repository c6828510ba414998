/**
 * The version handshake of the streamer protocol, frontend side (docs/design.md, "Streamer widget
 * protocol", "Version handshake"). The kernel's widget state says which streamer protocol and
 * package version it speaks (`protocol_version`, `kernel_version`); this side answers with a
 * `hello`. The two sides work together when their protocol versions are equal; otherwise both
 * say which package to upgrade and how, instead of failing silently.
 *
 * kernel-bridge/src/streamer/handshake.ts is the kernel's copy: the same names, limits and texts,
 * tested against kernel-bridge/test/fixtures/streamer-protocol.json ("handshake").
 */

/**
 * The streamer protocol's version: raised whenever a message, trait or limit changes in a way the
 * other side's current release would not understand. Package versions only name what to install.
 * The `hello` message and the two version traits never change, so any two releases can compare.
 */
export const STREAMER_PROTOCOL_VERSION = 1;
/**
 * The protocol of a kernel from before the handshake, which has no `protocol_version` trait
 * (docs/design.md: a missing trait reads as 1). Fixed: it must not follow STREAMER_PROTOCOL_VERSION.
 */
export const PRE_HANDSHAKE_PROTOCOL_VERSION = 1;
/** Longest package version either side reports (UTF-16 code units): "1.22.333-alpha.4444+build" fits. */
const MAX_VERSION_LENGTH = 64;
/** Largest protocol version accepted (a small integer in practice). */
const MAX_PROTOCOL_VERSION = 1_000_000;

/** The PyPI / npm names the mismatch text tells the user to install. */
export const EXTENSION_PACKAGE = 'jupyterlab-webrtc';
export const KERNEL_PACKAGE = 'jupyterlab-webrtc-bridge';

/** The limits above by name: part of the fixture's `limits`. */
export const HANDSHAKE_LIMITS = { MAX_VERSION_LENGTH, MAX_PROTOCOL_VERSION } as const;

/** Frontend → kernel, once per model when the kernel reported its protocol: this extension's versions. */
export interface IHelloMessage {
  type: 'hello';
  /** This extension's STREAMER_PROTOCOL_VERSION. */
  protocol_version: number;
  /** This extension's package version (at most MAX_VERSION_LENGTH, see parsePackageVersion). */
  extension_version: string;
}

/** What one side speaks: its protocol version (0 = none reported) and package version ("" = unknown). */
export interface ISideVersion {
  protocol: number;
  version: string;
}

/** A protocol version from the other side: an integer 0..MAX_PROTOCOL_VERSION, else null. */
export function parseProtocolVersion(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PROTOCOL_VERSION
    ? value
    : null;
}

/** A package version from the other side: semver-like characters only, at most MAX_VERSION_LENGTH; else null. */
export function parsePackageVersion(value: unknown): string | null {
  return typeof value === 'string' && value.length <= MAX_VERSION_LENGTH && /^[0-9A-Za-z.+-]*$/.test(value)
    ? value
    : null;
}

/**
 * "" when the two sides speak the same protocol; otherwise which package is newer and the command
 * that brings the other one up to it (the same text on both sides).
 */
export function versionMismatch(kernel: ISideVersion, extension: ISideVersion): string {
  if (kernel.protocol === extension.protocol) {
    return '';
  }
  const kernelName = `the kernel package ${KERNEL_PACKAGE} ${kernel.version || '(version unknown)'}`;
  const extensionName = `the JupyterLab extension ${EXTENSION_PACKAGE} ${extension.version || '(version unknown)'}`;
  const protocols = `(streamer protocol ${kernel.protocol} in the kernel, ${extension.protocol} in the browser)`;
  if (kernel.protocol > extension.protocol) {
    return `${kernelName} is newer than ${extensionName} ${protocols}: run pip install -U ${EXTENSION_PACKAGE} and reload the page`;
  }
  const wanted = extension.version ? `@${extension.version}` : '';
  return (
    `${extensionName} is newer than ${kernelName} ${protocols}: run ` +
    `npm install -g ${KERNEL_PACKAGE}${wanted} && jupyterlab-webrtc-kernel install, then restart the kernel`
  );
}
