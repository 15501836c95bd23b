"use client";
import { useActionState, useState } from "react";
import { createFromTemplate, type NewState } from "./actions";

interface TemplateView {
  id: string;
  title: string;
  description: string;
  yaml: string;
}

export function NewExperimentForm({ templates }: { templates: TemplateView[] }) {
  const [state, action, pending] = useActionState<NewState, FormData>(createFromTemplate, {});
  const [chosen, setChosen] = useState(templates[0]?.id ?? "");
  const preview = templates.find((t) => t.id === chosen);
  return (
    <form action={action} className="space-y-5">
      <div className="flex flex-wrap gap-3">
        <label className="flex-1">
          <span className="mb-1 block text-xs text-zinc-400">Title</span>
          <input
            name="title"
            required
            maxLength={120}
            autoFocus
            placeholder="A lot of curly spoons"
            className="input w-full"
            data-testid="new-title"
          />
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-400">Who can open it</span>
          <select name="visibility" defaultValue="public" className="input">
            <option value="public">Public: listed, anyone can join</option>
            <option value="unlisted">Unlisted: anyone with the link</option>
            <option value="private">Private: only me and people I invite</option>
          </select>
        </label>
      </div>
      <fieldset>
        <legend className="mb-2 text-xs text-zinc-400">Template</legend>
        <div className="grid gap-4 md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <div className="grid gap-2" role="radiogroup">
            {templates.map((t) => (
              <label
                key={t.id}
                className={`cursor-pointer rounded-lg border p-3 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-fuchsia-400 ${chosen === t.id ? "border-fuchsia-500 bg-fuchsia-950/30" : "border-zinc-800 bg-zinc-900/60 hover:border-zinc-600"}`}
              >
                <input
                  type="radio"
                  name="template"
                  value={t.id}
                  checked={chosen === t.id}
                  onChange={() => setChosen(t.id)}
                  className="sr-only"
                  data-testid={`template-${t.id}`}
                />
                <span className="block font-medium">{t.title}</span>
                <span className="block text-xs text-zinc-400">{t.description}</span>
              </label>
            ))}
          </div>
          <pre
            className="panel max-h-[30rem] self-start overflow-auto p-3 font-mono text-[12.5px] leading-relaxed text-zinc-300"
            aria-label="Template preview"
          >
            {preview?.yaml}
          </pre>
        </div>
      </fieldset>
      {state.error && (
        <p role="alert" className="text-sm text-red-400">
          {state.error}
        </p>
      )}
      <button className="btn btn-primary" disabled={pending} data-testid="create-experiment">
        {pending ? "Creating…" : "Create and open the studio →"}
      </button>
    </form>
  );
}
