export * from './users.js';
export * from './sessions.js';
export * from './audit.js';
export * from './user-tokens.js';
export * from './factors.js';
export * from './operations.js';
export * from './signing-keys.js';
