#!/usr/bin/env -S node --max-semi-space-size=8
// A smaller young generation for the server's main thread (see `npm start` in package.json and the README).
// Runs the TypeScript CLI through tsx (Node 20 cannot strip types).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
