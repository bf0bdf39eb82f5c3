/** Grid selection as file managers do it: click selects one, ctrl/⌘-click toggles one, shift-click a range. */
export interface SelectionState { ids: Set<number>; anchor: number | null }

export function clickSelection(state: SelectionState, index: number, idAt: (i: number) => number | undefined, mods: { shift: boolean; toggle: boolean }): SelectionState {
  const id = idAt(index);
  if (id === undefined) return state;
  if (mods.shift && state.anchor !== null) {
    const ids = new Set(mods.toggle ? state.ids : []);
    const [from, to] = state.anchor < index ? [state.anchor, index] : [index, state.anchor];
    for (let i = from; i <= to; i++) {
      const each = idAt(i);
      if (each !== undefined) ids.add(each);
    }
    return { ids, anchor: state.anchor };
  }
  if (mods.toggle) {
    const ids = new Set(state.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: index };
  }
  return { ids: new Set([id]), anchor: index };
}
