/** The editor's dark look: zinc surfaces and a fuchsia accent, matching the rest of the studio. */
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

export function editorTheme(fontSize: number) {
  return EditorView.theme(
    {
      "&": {
        color: "#e4e4e7",
        backgroundColor: "#0c0c0e",
        fontSize: `${fontSize}px`,
        height: "100%",
      },
      ".cm-scroller": {
        fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
        lineHeight: "1.55",
      },
      ".cm-content": { caretColor: "#f0abfc", padding: "8px 0" },
      ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#f0abfc", borderLeftWidth: "2px" },
      "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
        {
          backgroundColor: "#4a2350 !important",
        },
      ".cm-gutters": { backgroundColor: "#0c0c0e", color: "#52525b", border: "none" },
      ".cm-activeLine": { backgroundColor: "#18181b80" },
      ".cm-activeLineGutter": { backgroundColor: "#18181b", color: "#a1a1aa" },
      ".cm-tooltip": {
        backgroundColor: "#18181b",
        border: "1px solid #3f3f46",
        color: "#e4e4e7",
        borderRadius: "6px",
      },
      ".cm-tooltip-autocomplete > ul > li[aria-selected]": {
        backgroundColor: "#701a75",
        color: "#fff",
      },
      ".cm-completionDetail": { color: "#a1a1aa", fontStyle: "normal", marginLeft: "1em" },
      ".cm-param-doc, .cm-param-info": {
        maxWidth: "28rem",
        padding: "6px 10px",
        fontSize: "12px",
        lineHeight: "1.45",
      },
      ".cm-param-doc p, .cm-param-info p": { margin: "2px 0" },
      ".cm-param-doc ul, .cm-param-info ul": {
        margin: "2px 0",
        paddingLeft: "1.1em",
        listStyle: "disc",
      },
      ".cm-param-doc code, .cm-param-info code": {
        color: "#f0abfc",
        fontFamily: "ui-monospace, monospace",
      },
      ".cm-diagnostic": { fontSize: "12px", fontFamily: "ui-monospace, monospace" },
      ".cm-diagnostic-error": { borderLeftColor: "#f87171" },
      ".cm-diagnostic-warning": { borderLeftColor: "#fbbf24" },
      ".cm-panels": { backgroundColor: "#18181b", color: "#e4e4e7" },
      ".cm-searchMatch": { backgroundColor: "#854d0e80" },
    },
    { dark: true },
  );
}

export const highlighting = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [t.propertyName, t.definition(t.propertyName)], color: "#93c5fd" },
    { tag: [t.string, t.special(t.string)], color: "#bef264" },
    { tag: [t.number, t.bool, t.null], color: "#fdba74" },
    { tag: t.comment, color: "#71717a", fontStyle: "italic" },
    { tag: [t.punctuation, t.separator, t.bracket], color: "#a1a1aa" },
    { tag: [t.keyword, t.typeName, t.labelName], color: "#f0abfc" },
    { tag: t.invalid, color: "#f87171" },
  ]),
);
