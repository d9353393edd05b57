import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The process and its direct children (nginx's master and workers). */
export function processTree(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...children];
  } catch {
    return [pid];
  }
}

/** CPU time (user + system) the process tree has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  let ticks = 0;
  for (const id of processTree(pid)) {
    try {
      // The command name may hold spaces or parentheses: fields are counted after the last ')'.
      const stat = fs.readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
    } catch {
      // A process that just exited has nothing more to add.
    }
  }
  return (ticks / CLOCK_TICKS) * 1e6;
}

/** Resident memory of the process tree, in MB (VmRSS from /proc/<pid>/status). */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const id of processTree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${id}/status`, 'utf8');
      kb += Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpu_model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: os.release(),
  };
}

/**
 * Where a process's resident memory sits (MB), from /proc/<pid>/status: anonymous pages (JS heap,
 * native allocations, WebAssembly memory) against file-backed ones (the node binary and shared
 * libraries, mostly shared with every other node process).
 */
export function memoryBreakdown(pid: number): { rss_mb: number; rss_anon_mb: number; rss_file_mb: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rss_mb: kb('VmRSS'), rss_anon_mb: kb('RssAnon'), rss_file_mb: kb('RssFile') + kb('RssShmem') };
  } catch {
    return { rss_mb: NaN, rss_anon_mb: NaN, rss_file_mb: NaN };
  }
}
