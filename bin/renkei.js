#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=100
// The server's heap flags, as `npm start` gives them (package.json; README, "Memory").
// Runs the TypeScript CLI through tsx (Node 20 cannot strip types).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
