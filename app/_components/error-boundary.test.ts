import { describe, expect, it } from "vitest";
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { ErrorBoundary } from "./error-boundary";

describe("ErrorBoundary", () => {
  it("renders its children until one throws, then a small inline message naming what failed", () => {
    const child = createElement("b", null, "avatars");
    const page = createElement(ErrorBoundary, { label: "Presence" }, child);
    expect(renderToStaticMarkup(page)).toBe("<b>avatars</b>");

    const boundary = new ErrorBoundary({ label: "Presence", children: child });
    boundary.state = ErrorBoundary.getDerivedStateFromError(
      new TypeError("name.split is not a function"),
    );
    const html = renderToStaticMarkup(boundary.render() as ReactElement);
    expect(html).toContain('role="alert"');
    expect(html).toContain("Presence could not be shown.");
    expect(html).toContain(">Retry</button>");
    expect(html).not.toContain("avatars");
  });
});
