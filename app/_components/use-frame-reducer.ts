"use client";

import { useCallback, useEffect, useRef, useState } from "react";

/**
 * A reducer whose state advances on every action but renders at most once per
 * animation frame, so a fast token stream costs one render per frame, not one
 * per token. `latest` always holds the newest state for event handlers.
 */
export function useFrameReducer<S, A>(reducer: (state: S, action: A) => S, init: () => S) {
  const [state, setState] = useState(init);
  const latest = useRef(state);
  const frame = useRef<number | null>(null);

  const dispatch = useCallback(
    (action: A) => {
      latest.current = reducer(latest.current, action);
      if (frame.current !== null) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = null;
        setState(latest.current);
      });
    },
    [reducer],
  );

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    },
    [],
  );

  return { state, dispatch, latest };
}
