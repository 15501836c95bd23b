"use client";
/**
 * The shared YAML editor: CodeMirror 6 bound to the room's Y.Text through y-codemirror.next, so
 * every keystroke is a CRDT update and remote carets show their author's name and colour. Undo is
 * per user (Y.UndoManager only reverts this client's own changes).
 */
import { useEffect, useRef } from "react";
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
} from "@codemirror/language";
import { lintGutter, lintKeymap } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState } from "@codemirror/state";
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import type { ParseResult } from "@/lib/experiment";
import { experimentCompletion, experimentHover, experimentLinter } from "./experiment-support";
import { editorTheme, highlighting } from "./theme";

interface Props {
  ytext: Y.Text;
  awareness: Awareness;
  undoManager: Y.UndoManager;
  readOnly: boolean;
  fontSize: number;
  onFontSize(size: number): void;
  onParsed(result: ParseResult, text: string): void;
  onView?(view: EditorView | null): void;
}

export function YamlEditor({
  ytext,
  awareness,
  undoManager,
  readOnly,
  fontSize,
  onFontSize,
  onParsed,
  onView,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const themeSlot = useRef(new Compartment());
  const readOnlySlot = useRef(new Compartment());
  const callbacks = useRef({ onParsed, onFontSize, fontSize });
  callbacks.current = { onParsed, onFontSize, fontSize };

  useEffect(() => {
    const zoom = (delta: number) => () => {
      const next = Math.min(32, Math.max(9, callbacks.current.fontSize + delta));
      callbacks.current.onFontSize(next);
      return true;
    };
    const state = EditorState.create({
      doc: ytext.toString(),
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        foldGutter(),
        drawSelection(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        indentUnit.of("  "),
        bracketMatching(),
        closeBrackets(),
        rectangularSelection(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        yaml(),
        highlighting,
        autocompletion({ override: [experimentCompletion], icons: false }),
        experimentHover,
        lintGutter(),
        experimentLinter((result, text) => callbacks.current.onParsed(result, text)),
        yCollab(ytext, awareness, { undoManager }),
        keymap.of([
          // CLIPig's editor zoom (Ctrl + / Ctrl -), here per viewer
          { key: "Mod-=", run: zoom(1) },
          { key: "Mod-+", run: zoom(1) },
          { key: "Mod--", run: zoom(-1) },
          ...yUndoManagerKeymap,
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...foldKeymap,
          ...completionKeymap,
          ...lintKeymap,
          indentWithTab,
        ]),
        themeSlot.current.of(editorTheme(callbacks.current.fontSize)),
        readOnlySlot.current.of(EditorState.readOnly.of(readOnly)),
        EditorView.contentAttributes.of({
          "aria-label": "Experiment YAML",
          "data-testid": "yaml-editor",
        }),
      ],
    });
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    onView?.(v);
    return () => {
      onView?.(null);
      v.destroy();
      view.current = null;
    };
    // The view lives as long as its document; props below are applied through compartments.
  }, [ytext, awareness, undoManager]);

  useEffect(() => {
    view.current?.dispatch({ effects: themeSlot.current.reconfigure(editorTheme(fontSize)) });
  }, [fontSize]);
  useEffect(() => {
    view.current?.dispatch({
      effects: readOnlySlot.current.reconfigure(EditorState.readOnly.of(readOnly)),
    });
  }, [readOnly]);

  return <div ref={host} className="h-full min-h-0 overflow-hidden" />;
}
