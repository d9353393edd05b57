/**
 * Thread placement for the sign-in phase. The bench pins the gateway to one core and the load
 * generator to the other; that puts argon2id, which runs in libuv's thread pool, on the event
 * loop's core, something no multi-core server does (the kernel spreads runnable threads). For the
 * sign-in phase the gateway's helper threads (thread pool, V8's GC helpers) move to the load
 * generator's core and the event loop keeps its own, as it would with one more core to spare.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Every thread of `pid` except its main thread (whose id is the pid). */
export function helperThreads(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((tid) => tid !== pid);
}

/** The cores a thread may run on, as taskset prints them (e.g. `1` or `0,1`). */
export function threadCores(tid: number): string {
  return execFileSync('taskset', ['-pc', String(tid)], { encoding: 'utf8' }).trim().split(': ').at(-1)!;
}

/** Pins each thread to `core`; returns a function that puts every one back where it was. */
export function moveThreads(tids: number[], core: number): () => void {
  const before = tids.map((tid) => [tid, threadCores(tid)] as const);
  for (const tid of tids) execFileSync('taskset', ['-pc', String(core), String(tid)], { stdio: 'ignore' });
  return () => {
    for (const [tid, cores] of before) {
      try {
        execFileSync('taskset', ['-pc', cores, String(tid)], { stdio: 'ignore' });
      } catch {
        // The thread has ended: nothing to restore.
      }
    }
  };
}
