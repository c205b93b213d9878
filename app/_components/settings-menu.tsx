"use client";

import { useId } from "react";
import { Icon } from "./icon";
import { type Settings, TYPEWRITER_PACE, useSettings } from "./use-settings";

/** Display settings for this browser, in a popover: light-dismissed, closed by Esc. */
export function SettingsMenu() {
  const [settings, update] = useSettings();
  const id = useId();
  const popover = `${id}-settings`;
  const typewriter = settings.streaming === "typewriter";
  return (
    <>
      <button
        type="button"
        popoverTarget={popover}
        data-testid="settings-button"
        aria-label="Settings"
        title="Settings"
        className="inline-flex size-8 items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        <Icon name="sliders" />
      </button>
      <div
        id={popover}
        popover="auto"
        role="dialog"
        data-testid="settings-panel"
        aria-label="Settings"
        className="fixed inset-auto top-14 right-3 m-0 w-72 rounded-xl border border-zinc-200 bg-white p-4 text-sm text-zinc-800 shadow-xl dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <fieldset>
          <legend className="font-semibold">Streaming speed</legend>
          <p className="mt-0.5 text-xs text-zinc-500 dark:text-zinc-400">Kept in this browser.</p>
          <div className="mt-3 flex flex-col gap-2">
            <Choice
              name={`${id}-mode`}
              checked={!typewriter}
              onChange={() => update({ streaming: "live" })}
              label="As it arrives"
              hint="Words appear the moment the model writes them."
              testId="streaming-live"
            />
            <Choice
              name={`${id}-mode`}
              checked={typewriter}
              onChange={() => update({ streaming: "typewriter" })}
              label="Smooth typewriter"
              hint="An even pace, catching up if it falls behind."
              testId="streaming-typewriter"
            />
          </div>
          <label className={`mt-3 block ${typewriter ? "" : "opacity-50"}`}>
            <span className="flex justify-between text-xs text-zinc-600 dark:text-zinc-300">
              <span>Pace</span>
              <span className="tabular-nums">{settings.typewriterPace} characters/s</span>
            </span>
            <input
              type="range"
              data-testid="typewriter-pace"
              min={TYPEWRITER_PACE.min}
              max={TYPEWRITER_PACE.max}
              step={10}
              value={settings.typewriterPace}
              disabled={!typewriter}
              onChange={(event) => update({ typewriterPace: Number(event.target.value) })}
              className="mt-1 w-full accent-indigo-600"
            />
          </label>
        </fieldset>
        <fieldset className="mt-4 border-zinc-200 border-t pt-3 dark:border-zinc-700">
          <legend className="sr-only">Reasoning</legend>
          <p aria-hidden className="font-semibold">
            Reasoning
          </p>
          <p className="mt-0.5 text-xs text-zinc-500 dark:text-zinc-400">
            What the model thought before answering.
          </p>
          <div className="mt-2 flex flex-col gap-2">
            {reasoningChoices.map((choice) => (
              <Choice
                key={choice.value}
                name={`${id}-reasoning`}
                checked={settings.reasoning === choice.value}
                onChange={() => update({ reasoning: choice.value })}
                label={choice.label}
                hint={choice.hint}
                testId={`reasoning-${choice.value}`}
              />
            ))}
          </div>
        </fieldset>
      </div>
    </>
  );
}

const reasoningChoices: { value: Settings["reasoning"]; label: string; hint: string }[] = [
  { value: "folded", label: "Folded", hint: "Shown while the model thinks, then folded away." },
  { value: "open", label: "Open", hint: "Always shown in full." },
  { value: "hidden", label: "Hidden", hint: "Never shown." },
];

type ChoiceProps = {
  name: string;
  checked: boolean;
  onChange: () => void;
  label: string;
  hint: string;
  testId: string;
};

function Choice({ name, checked, onChange, label, hint, testId }: ChoiceProps) {
  return (
    <label className="flex cursor-pointer items-start gap-2.5 rounded-lg p-2 ring-1 ring-zinc-200 has-checked:bg-indigo-50 has-checked:ring-indigo-400 dark:ring-zinc-700 dark:has-checked:bg-indigo-950/40 dark:has-checked:ring-indigo-500">
      <input
        type="radio"
        name={name}
        data-testid={testId}
        checked={checked}
        onChange={onChange}
        className="mt-0.5 accent-indigo-600"
      />
      <span>
        <span className="block font-medium">{label}</span>
        <span className="block text-xs text-zinc-500 dark:text-zinc-400">{hint}</span>
      </span>
    </label>
  );
}
