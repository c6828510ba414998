const t0 = performance.now();
const lap = (label) => console.log(label.padEnd(40), (performance.now() - t0).toFixed(0), 'ms');
const ts = require('@tslab/typescript-for-tslab'); lap('require @tslab/typescript-for-tslab');
const zmq = require('zeromq'); lap('require zeromq');
const conv = require('tslab/dist/converter'); const ex = require('tslab/dist/executor'); lap('require tslab converter+executor');
require('./lib/kernel/main'); lap('require lib/kernel/main');
const c = conv.createConverter({ isBrowser: false }); lap('createConverter');
c.convert('', 'const __warm__: number = 1;'); lap('first convert (warm)');
const r = c.convert('', '1+1'); lap('second convert 1+1');
