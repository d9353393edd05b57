/**
 * PostgreSQL settings the embedded database runs with, given on its command line: nothing is
 * written to the data directory, so a directory made by an earlier version opens with them, and
 * one made now opens in an earlier version with that version's. Measured in docs/performance.md,
 * "Embedded storage's memory"; the WebAssembly heap never shrinks, so each is a bound on it.
 *
 * - shared_buffers: PostgreSQL's default is 128 MB, and PGlite's shared memory is zeroed at start,
 *   so all of it was resident from the first second (151 of a 189 MB heap). A gateway's hot pages
 *   (users, sessions, the audit chain's head) fit in a few MB; `storage.embedded_shared_buffers`.
 * - maintenance_work_mem: 64 MB by default, taken by a migration that builds an index over a full
 *   table (the trigram indexes of 0004 over a large users table) and kept by the heap afterwards.
 */
export const EMBEDDED_SETTINGS = {
  shared_buffers: '8MB',
  maintenance_work_mem: '16MB',
} as const satisfies Record<string, string>;
