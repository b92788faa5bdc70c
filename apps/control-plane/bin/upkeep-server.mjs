#!/usr/bin/env node
// Installed entry point: the compiled control plane (`pnpm -s build` or `pnpm -s server` builds it).
import '../dist/apps/control-plane/src/main.js';
