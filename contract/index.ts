export * from './domain.js';
export * from './payloads.js';
export * from './topics.js';
export * from './socket.js';
export * from './citypack.js';
export * from './commands.js';
export * from './auth.js';
export * from './labels-vi.js';
