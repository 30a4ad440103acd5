export * from './org.js';
export * from './identity.js';
export * from './visitors.js';
export * from './platform.js';
export * from './visits.js';
export * from './meetings.js';
export * from './access.js';
export * from './personnel.js';
