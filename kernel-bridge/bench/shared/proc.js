/**
 * Figures of another process from /proc (Linux), readable while that process is busy: CPU time,
 * resident memory, threads, UDP sockets. Inside `unshare -n`, /proc/<pid>/net/udp{,6} list every
 * socket of the namespace (the browser's too); only the inodes the process holds in
 * /proc/<pid>/fd are counted as its own.
 */
'use strict';
const fs = require('node:fs');

const CLK_TCK = 100; // Linux USER_HZ

/** CPU time (user + system, all threads) of a process, ms. */
function cpuMsOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time (user + system, ms) of each thread of a process: Map tid -> ms. */
function threadCpuMsOf(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK);
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}

/** VmRSS of a process, kB. */
function rssKbOf(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
}

/** Threads of a process (/proc/<pid>/task), with their names (comm) when `names`. */
function threadsOf(pid, names = false) {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  if (!names) return { count: tasks.length };
  const byName = {};
  for (const t of tasks) {
    try {
      const n = fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      byName[n] = (byName[n] ?? 0) + 1;
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return { count: tasks.length, byName };
}

function socketInodesOf(pid) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  return inodes;
}

function udpInodes(pid) {
  const inodes = new Set();
  for (const file of ['udp', 'udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** UDP sockets the process holds open. */
function udpSocketsOf(pid) {
  const udp = udpInodes(pid);
  let n = 0;
  for (const inode of socketInodesOf(pid)) if (udp.has(inode)) n++;
  return n;
}

module.exports = { CLK_TCK, cpuMsOf, threadCpuMsOf, rssKbOf, threadsOf, udpSocketsOf };
