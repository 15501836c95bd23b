#!/usr/bin/env node
// Package bin: registers tsx so the TypeScript CLI runs without a build step (`npx clipig …`).
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
