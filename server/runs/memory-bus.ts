/**
 * The embedded `RunBus`: events, live state, controls and locks as calls within this process (the
 * executors run here too). Same contract as the Redis bus (`server/cluster/redis-bus.ts`).
 */
import { isLiveStatus } from "../domain";
import type { ControlHandler, LiveRun, RunBus, UpdateReply } from "./ports";
import { eventSink, type RunEventMessage } from "./run-events";
import { setTimeout as delay } from "node:timers/promises";

export function memoryBus(): RunBus {
  const listeners: ((event: RunEventMessage) => void)[] = [];
  const handlers = new Set<ControlHandler>();
  const live = new Map<string, LiveRun>();
  const locks = new Map<string, number>();

  const remember = (event: RunEventMessage) => {
    const { experimentId } = event;
    const current = live.get(experimentId);
    if (event.type === "status") {
      if (isLiveStatus(event.run.status))
        live.set(experimentId, { stats: null, frame: null, ...current, run: event.run });
      else live.delete(experimentId);
    } else if (current && event.type === "stats") current.stats = event.stats;
    else if (current && event.type === "frame")
      current.frame = { ...event.frame, data: event.data };
  };

  return {
    publisher: eventSink((event) => {
      remember(event);
      for (const listener of listeners) listener(event);
    }),
    onEvent: (listener) => void listeners.push(listener),
    live: (experimentId) => Promise.resolve(live.get(experimentId) ?? null),
    control(message) {
      for (const handler of handlers) handler.control(message);
    },
    update(runId, yaml, timeoutMs) {
      for (const handler of handlers) {
        const reply = handler.update(runId, yaml);
        if (reply) return Promise.race([reply, delay(timeoutMs, NO_ANSWER, { ref: false })]);
      }
      return Promise.resolve(NO_ANSWER);
    },
    onControl(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    lock(key, ttlMs) {
      const now = Date.now();
      if ((locks.get(key) ?? 0) > now) return Promise.resolve(null);
      locks.set(key, now + ttlMs);
      return Promise.resolve(async () => void locks.delete(key));
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

const NO_ANSWER: UpdateReply = { ok: false, message: "the run's worker did not answer" };
