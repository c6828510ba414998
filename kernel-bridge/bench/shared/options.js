/**
 * Command-line options of the benchmarks: `--name value` pairs, read the same way by every bench
 * (each had its own copy of this, with small differences at the end of the argument list).
 */
'use strict';

const args = process.argv.slice(2);

/** The value after `name`, or `def` when the option (or its value) is missing. */
function option(name, def) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}

/** True when the bare flag `name` is given. */
function flag(name) {
  return args.includes(name);
}

module.exports = { option, flag };
