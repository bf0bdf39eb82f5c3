import type { Ref } from 'vue';

/**
 * Runs a store's request: its failure's message goes to `error` (cleared first) for the view to show, instead of
 * an unhandled rejection; `settled` runs either way (a busy flag going off).
 */
export async function guarded<T>(error: Ref<string | null>, work: () => Promise<T>, settled?: () => void): Promise<T | undefined> {
  error.value = null;
  try {
    return await work();
  } catch (err) {
    error.value = (err as Error).message;
    return undefined;
  } finally {
    settled?.();
  }
}
