"use client";
/**
 * Start / Update / Pause / Stop, with CLIPig's shortcuts: Alt-S start, Alt-U update (hot reload
 * keeping pixels and epoch; on a stopped or interrupted run it continues from the last snapshot),
 * Alt-P pause or resume; Alt-X stops. Shortcuts work anywhere in the studio, the editor included.
 */
import { useEffect, useRef } from "react";
import type { RunState } from "@/server/domain";
import type { RunCommand } from "./use-room";

interface Props {
  run: RunState | null;
  canRun: boolean;
  connected: boolean;
  hasErrors: boolean;
  onCommand(command: RunCommand): void;
}

export const ACTIVE = new Set(["queued", "loading", "running", "paused"]);
const CONTINUABLE = new Set(["stopped", "interrupted"]);

export function RunControls({ run, canRun, connected, hasErrors, onCommand }: Props) {
  const active = !!run && ACTIVE.has(run.status);
  const paused = run?.status === "paused";
  const resumable = !!run && CONTINUABLE.has(run.status);
  const updateCommand: RunCommand = resumable ? "run:continue" : "run:update";
  const enabled = {
    start: canRun && connected && !hasErrors,
    update:
      canRun && connected && !hasErrors && ((active && run?.status !== "queued") || resumable),
    pause: canRun && connected && active && run?.status !== "queued",
    stop: canRun && connected && active,
  };
  const state = useRef({ enabled, paused, updateCommand, onCommand });
  state.current = { enabled, paused, updateCommand, onCommand };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const { enabled: en, paused: p, updateCommand: u, onCommand: run } = state.current;
      const map: Record<string, [boolean, RunCommand]> = {
        KeyS: [en.start, "run:start"],
        KeyU: [en.update, u],
        KeyP: [en.pause, p ? "run:resume" : "run:pause"],
        KeyX: [en.stop, "run:stop"],
      };
      const hit = map[e.code];
      if (!hit) return;
      e.preventDefault();
      e.stopPropagation();
      if (hit[0]) run(hit[1]);
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  const button = (
    label: string,
    key: string,
    command: RunCommand,
    on: boolean,
    primary = false,
    testId = command,
  ) => (
    <button
      className={`btn ${primary ? "btn-primary" : ""}`}
      disabled={!on}
      onClick={() => onCommand(command)}
      title={`${label} (Alt-${key})`}
      aria-keyshortcuts={`Alt+${key}`}
      data-testid={testId.replace(":", "-")}
    >
      {label} <span className="kbd">Alt-{key}</span>
    </button>
  );

  return (
    <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Run controls">
      {button(active ? "Restart" : "Start", "S", "run:start", enabled.start, true)}
      {resumable
        ? button("Continue", "U", "run:continue", enabled.update)
        : button("Update", "U", "run:update", enabled.update)}
      {paused
        ? button("Resume", "P", "run:resume", enabled.pause)
        : button("Pause", "P", "run:pause", enabled.pause)}
      {button("Stop", "X", "run:stop", enabled.stop)}
      {hasErrors && canRun && <span className="text-xs text-red-400">fix the errors to start</span>}
      {!canRun && <span className="text-xs text-zinc-500">view only</span>}
    </div>
  );
}
