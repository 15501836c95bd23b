import { expect, test } from "@playwright/test";
import * as encoding from "lib0/encoding";
import { editor, newExperiment, person, typeAtEndOfLine, unique } from "./testing";

/** Presence states no server of ours relays: what a broken or hostile relay could still deliver. */
function hostileAwareness(): Buffer {
  const user = { id: "x", name: "Bob", color: "#34d399", colorLight: "#34d39940" };
  const states: unknown[] = [
    { user: { ...user, name: 42 } }, // the name.split crash
    { user: "Site Admin" },
    { user: { ...user, role: "editor", kind: "user" }, cursor: { anchor: {}, head: {} } },
    { user: { ...user, color: "red; background: url(//evil)" } },
    [1, 2, 3],
  ];
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, states.length);
  states.forEach((state, i) => {
    encoding.writeVarUint(update, 900_001 + i);
    encoding.writeVarUint(update, 1);
    encoding.writeVarString(update, JSON.stringify(state));
  });
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, 1); // awareness
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return Buffer.from(encoding.toUint8Array(message));
}

test("malformed presence states reaching the page are skipped: avatars, carets and the editor keep working", async ({
  browser,
}) => {
  const { page: alice } = await person(browser, "alice");
  const id = await newExperiment(alice, unique("Presence"), "curly-spoon");

  const visitor = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  visitor.on("pageerror", (e) => errors.push(e.message));
  // Between the page and the server: pass everything, and slip the hostile states in.
  await visitor.routeWebSocket(/\/yjs\//, (ws) => {
    const server = ws.connectToServer();
    let injected = false;
    server.onMessage((m) => {
      ws.send(m);
      if (!injected) {
        injected = true;
        ws.send(hostileAwareness());
      }
    });
    ws.onMessage((m) => server.send(m));
  });
  await visitor.goto(`/e/${id}`);
  await expect(editor(visitor)).toContainText("a curly spoon");
  await expect(visitor.getByTestId("presence-avatar")).toHaveCount(2); // the visitor and Alice
  await typeAtEndOfLine(alice, 1, "  # still live");
  await expect(editor(visitor)).toContainText("# still live");
  await expect(visitor.getByTestId("inline-error")).toHaveCount(0);
  expect(errors).toEqual([]);
});
