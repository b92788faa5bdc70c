#!/usr/bin/env node
// Installed entry point: the compiled control plane (`pnpm -s build` or `pnpm -s server` builds it).
import '../dist/main.js';
