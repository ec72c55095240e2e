// The package's one "cache a promise, forget it on failure" loader: the wasm modules, the
// worker's warm-up and the IndexedDB connection each start once, on first use.

/**
 * `init` (a wasm-bindgen module's, or any async start) run once: `load()` resolves with its
 * result once it has (a failed attempt, offline say, rejects and is retried by the next
 * call); `initialised()` tells whether it has; `reset()` forgets the result, so that the
 * next `load()` starts again, and returns the promise it forgot (or null).
 */
export function once(init) {
  let loading = null;
  let done = false;
  return {
    load() {
      if (!loading) {
        const attempt = init().then(
          (value) => {
            if (loading === attempt) done = true;
            return value;
          },
          (err) => {
            if (loading === attempt) loading = null;
            throw err;
          },
        );
        loading = attempt;
      }
      return loading;
    },
    initialised: () => done,
    reset() {
      const forgotten = loading;
      loading = null;
      done = false;
      return forgotten;
    },
  };
}
