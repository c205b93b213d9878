// 20×20 solid icons (Heroicons "mini"), drawn in the current text colour.
const paths = {
  chevronDown: {
    d: "M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z",
    evenOdd: true,
  },
  chevronLeft: {
    d: "M11.78 5.22a.75.75 0 0 1 0 1.06L8.06 10l3.72 3.72a.75.75 0 1 1-1.06 1.06l-4.25-4.25a.75.75 0 0 1 0-1.06l4.25-4.25a.75.75 0 0 1 1.06 0Z",
    evenOdd: true,
  },
  chevronRight: {
    d: "M8.22 5.22a.75.75 0 0 1 1.06 0l4.25 4.25a.75.75 0 0 1 0 1.06l-4.25 4.25a.75.75 0 0 1-1.06-1.06L11.94 10 8.22 6.28a.75.75 0 0 1 0-1.06Z",
    evenOdd: true,
  },
  plus: {
    d: "M10.75 4.75a.75.75 0 0 0-1.5 0v4.5h-4.5a.75.75 0 0 0 0 1.5h4.5v4.5a.75.75 0 0 0 1.5 0v-4.5h4.5a.75.75 0 0 0 0-1.5h-4.5v-4.5Z",
    evenOdd: false,
  },
  arrowUp: {
    d: "M10 17a.75.75 0 0 1-.75-.75V5.612L5.29 9.77a.75.75 0 0 1-1.08-1.04l5.25-5.5a.75.75 0 0 1 1.08 0l5.25 5.5a.75.75 0 1 1-1.08 1.04l-3.96-4.158V16.25A.75.75 0 0 1 10 17Z",
    evenOdd: true,
  },
  arrowDown: {
    d: "M10 3a.75.75 0 0 1 .75.75v10.69l3.72-3.72a.75.75 0 1 1 1.06 1.06l-5 5a.75.75 0 0 1-1.06 0l-5-5a.75.75 0 1 1 1.06-1.06l3.72 3.72V3.75A.75.75 0 0 1 10 3Z",
    evenOdd: true,
  },
  alert: {
    d: "M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-8-5a.75.75 0 0 1 .75.75v4.5a.75.75 0 0 1-1.5 0v-4.5A.75.75 0 0 1 10 5Zm0 10a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z",
    evenOdd: true,
  },
  check: {
    d: "M16.704 4.153a.75.75 0 0 1 .143 1.052l-8 10.5a.75.75 0 0 1-1.127.075l-4.5-4.5a.75.75 0 0 1 1.06-1.06l3.894 3.893 7.48-9.817a.75.75 0 0 1 1.05-.143Z",
    evenOdd: true,
  },
  share: {
    d: "M13 4.5a2.5 2.5 0 1 1 .702 1.737L6.97 9.604a2.518 2.518 0 0 1 0 .792l6.733 3.367a2.5 2.5 0 1 1-.671 1.341l-6.733-3.367a2.5 2.5 0 1 1 0-3.474l6.733-3.367A2.52 2.52 0 0 1 13 4.5Z",
    evenOdd: false,
  },
} as const;

// Outline icons on the same 20×20 grid, drawn with a 1.5 px stroke.
const strokes = {
  menu: "M3 5.5h14M3 10h14M3 14.5h14",
  close: "M5.5 5.5l9 9M14.5 5.5l-9 9",
  pencil: "M12.9 3.6l3.5 3.5-8.8 8.8-4.1.6.6-4.1z",
  trash: "M3.5 5.5h13M8 5.5v-2h4v2M5.5 5.5l.8 11h7.4l.8-11M8.5 9v4.5M11.5 9v4.5",
  sliders: "M3 6h6M13 6h4M3 14h2M9 14h8M11 6a2 2 0 1 0 0 .01M7 14a2 2 0 1 0 0 .01",
  users:
    "M10.5 6a3 3 0 1 1-6 0 3 3 0 0 1 6 0M2 17a5.5 5.5 0 0 1 11 0M16.25 6.75a2.25 2.25 0 1 1-4.5 0 2.25 2.25 0 0 1 4.5 0M14.5 11.6a4.5 4.5 0 0 1 3.5 5.4",
  chat: "M4 4.5h12a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H9l-4 3v-3H4a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z",
  paperclip:
    "M14 7.5l-5.6 5.6a1.6 1.6 0 0 1-2.3-2.3l6-6a3 3 0 0 1 4.3 4.3l-6.3 6.3a4.5 4.5 0 0 1-6.4-6.4L9 3.6",
  document: "M5.5 2.5h5.5l3.5 3.5v11.5h-9zM11 2.5V6h3.5M7.5 10h5M7.5 13h5",
  download: "M10 3v9.5M6 8.5l4 4 4-4M4 16h12",
  regenerate:
    "M15.6 8.4A5.8 5.8 0 0 0 4.8 6.6M4.4 3.4v3.5h3.5M4.4 11.6a5.8 5.8 0 0 0 10.8 1.8M15.6 16.6v-3.5h-3.5",
} as const;

export type IconName = keyof typeof paths | keyof typeof strokes;

export function Icon({ name, className = "size-4" }: { name: IconName; className?: string }) {
  if (name in strokes) {
    return (
      <svg
        aria-hidden
        viewBox="0 0 20 20"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.5}
        strokeLinecap="round"
        strokeLinejoin="round"
        className={className}
      >
        <path d={strokes[name as keyof typeof strokes]} />
      </svg>
    );
  }
  const { d, evenOdd } = paths[name as keyof typeof paths];
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className={className}>
      <path d={d} fillRule={evenOdd ? "evenodd" : undefined} clipRule={evenOdd ? "evenodd" : undefined} />
    </svg>
  );
}
