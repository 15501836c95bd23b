/**
 * CodeMirror support for CLIPig experiments, all derived from `lib/experiment`: diagnostics from
 * the same parser the server and CLI use (same messages), completion and hover docs from the
 * parameter table.
 */
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { linter, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { hoverTooltip, type EditorView } from "@codemirror/view";
import {
  completionsAt,
  docFor,
  formatDiagnostic,
  locate,
  params,
  parseExperiment,
  type ParseResult,
} from "@/lib/experiment";
import { contextAt, keyPathAt } from "./yaml-context";

/** Lints the text and hands the full parse result to the page (diagnostics list, model notice). */
export function experimentLinter(onParsed: (result: ParseResult, text: string) => void) {
  return linter(
    (view) => {
      const text = view.state.doc.toString();
      const result = parseExperiment(text);
      onParsed(result, text);
      const len = view.state.doc.length;
      return result.diagnostics.map<CmDiagnostic>((d) => {
        const from = Math.min(d.from, len);
        return {
          from,
          to: Math.min(Math.max(d.to, from), len),
          severity: d.severity,
          source: d.path || undefined,
          message: formatDiagnostic(d),
        };
      });
    },
    { delay: 250 },
  );
}

const KIND_TYPE: Record<string, string> = {
  parameter: "property",
  section: "namespace",
  list: "namespace",
  transform: "function",
  constraint: "function",
};

export function experimentCompletion(context: CompletionContext): CompletionResult | null {
  const text = context.state.doc.toString();
  const where = contextAt(text, context.pos);
  if (!where) return null;
  if (
    !context.explicit &&
    where.word.length === 0 &&
    !/-\s*$|:\s*$/.test(text.slice(0, context.pos).split("\n").pop() ?? "")
  ) {
    return null;
  }
  if (where.kind === "key") {
    const items = completionsAt(where.parent);
    if (!items.length) return null;
    return {
      from: where.from,
      validFor: /^[\w-]*$/,
      options: items.map((c) => ({
        label: c.name,
        type: KIND_TYPE[c.kind],
        detail: c.detail,
        info: () => docNode(c.doc),
        apply: `${c.name}:${c.kind === "section" || c.kind === "list" ? "" : " "}`,
      })),
    };
  }
  const spec = params.lookup(where.path)?.spec;
  const values = spec?.choices ?? (spec?.types.includes("bool") ? ["true", "false"] : null);
  if (!values) return null;
  return {
    from: where.from,
    validFor: /^[\w-]*$/,
    options: values.map((v) => ({ label: v, type: "enum" })),
  };
}

export const experimentHover = hoverTooltip((view: EditorView, pos: number) => {
  const text = view.state.doc.toString();
  const key = keyPathAt(text, pos);
  const located = key ? null : locate(text, pos);
  const path = key?.path ?? located?.path;
  const doc = path ? docFor(path) : undefined;
  if (!path || !doc) return null;
  return {
    pos: key?.from ?? pos,
    end: key?.to ?? pos,
    above: true,
    create: () => ({ dom: docNode(doc, "cm-param-doc") }),
  };
});

/**
 * Renders the table's small markdown (`**bold**`, `` `code` ``, `- ` lists) as DOM nodes, built
 * with text nodes only: nothing from the table or the document is ever parsed as HTML.
 */
export function docNode(markdown: string, className = "cm-param-info"): HTMLElement {
  const root = document.createElement("div");
  root.className = className;
  let list: HTMLUListElement | null = null;
  for (const line of markdown.split("\n")) {
    if (!line.trim()) {
      list = null;
      continue;
    }
    let target: HTMLElement;
    if (line.startsWith("- ")) {
      list ??= root.appendChild(document.createElement("ul"));
      target = list.appendChild(document.createElement("li"));
    } else {
      list = null;
      target = root.appendChild(document.createElement("p"));
    }
    inline(target, line.startsWith("- ") ? line.slice(2) : line);
  }
  return root;
}

function inline(parent: HTMLElement, text: string) {
  for (const part of text.split(/(\*\*[^*]+\*\*|`[^`]+`)/)) {
    if (!part) continue;
    if (part.startsWith("**"))
      parent.appendChild(document.createElement("strong")).textContent = part.slice(2, -2);
    else if (part.startsWith("`"))
      parent.appendChild(document.createElement("code")).textContent = part.slice(1, -1);
    else parent.appendChild(document.createTextNode(part));
  }
}
