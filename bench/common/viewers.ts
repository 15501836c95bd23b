/**
 * Socket.IO viewers for the frame benches, opened as studio tabs open them: each frame is acked at
 * once (the studio's latest-wins flow control; a bare broadcast sends none) and handed on with its
 * arrival time.
 */
import { tabHeaders, tabSocket, type TabSocket } from "../../server/collab/testing";
import type { FramePayload } from "../../server/domain";
import { clock } from "./measure";

/** `count` viewers, viewer i on `ports[i % ports.length]`; resolves once all are connected. */
export async function connectViewers(options: {
  count: number;
  ports: readonly number[];
  cookie?: string;
  onFrame(frame: FramePayload, at: number): void;
}): Promise<TabSocket[]> {
  const sockets = Array.from({ length: options.count }, (_, i) => {
    const port = options.ports[i % options.ports.length];
    const socket = tabSocket(port, tabHeaders(port, options.cookie)); // the studio admits only its own origin
    socket.on("frame", (frame, ack) => {
      const at = clock();
      if (typeof ack === "function") ack();
      options.onFrame(frame, at);
    });
    return socket;
  });
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) =>
          s.connected ? resolve() : s.once("connect", () => resolve()),
        ),
    ),
  );
  return sockets;
}

/** Joins every viewer to the experiment's room; throws when one is refused. */
export async function joinRoom(sockets: readonly TabSocket[], experimentId: string): Promise<void> {
  for (const s of sockets) {
    const res = await s.emitWithAck("room:join", { experimentId });
    if (!res.ok) throw new Error(`join failed: ${res.message}`);
  }
}
