'use strict';
// Peak resident memory of a process and its descendants, sampled from /proc every 100 ms.
const { readFileSync, readdirSync } = require('node:fs');

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and every descendant (threads are covered by their process's RSS). */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {
        // the task ended
      }
    }
  }
  return out;
}

/** Samples the summed VmRSS of a process tree; `stop()` returns the peak in bytes. */
class RssSampler {
  constructor(pid, intervalMs = 100) {
    this.pid = pid;
    this.peak = 0;
    this.samples = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample() {
    const total = processTree(this.pid).reduce((sum, p) => sum + rssBytes(p), 0);
    this.samples++;
    if (total > this.peak) this.peak = total;
  }

  /** Takes a last sample, stops, and returns the peak RSS in bytes. */
  stop() {
    if (this.timer) {
      this.sample();
      clearInterval(this.timer);
      this.timer = null;
    }
    return this.peak;
  }
}

/** Ticks per second of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on Linux builds for years). */
const USER_HZ = 100;

/** CPU seconds (user + system, every thread) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), in parentheses: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

module.exports = { RssSampler, rssBytes, cpuSeconds };
