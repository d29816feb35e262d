// The desktop's keyboard: Ctrl+Enter (or ⌘+Enter) registers; Alt+key, without Ctrl or ⌘, for the rest —
// Alt+1 就绪, Alt+2/3/4 小休/培训/会议, Alt+I/O 签入/签出, Alt+Z 直办, Alt+J 交办, Alt+N 新建空白登记,
// Alt+T the transfer number. Alt keys match event.code (the key pressed), not the character Alt makes.
"use strict";

const Shortcuts = (() => {
  const { $ } = Desk;

  function wire() {
    const SHORTCUTS = {
      Digit1: Presence.ready, Digit2: () => Presence.pause("小休"), Digit3: () => Presence.pause("培训"),
      Digit4: () => Presence.pause("会议"), KeyI: Presence.signIn, KeyO: Presence.signOut,
      KeyZ: Handling.answerDirectly, KeyJ: Handling.dispatch, KeyN: Desk.blank,
      KeyT: () => $("transfer-target").focus(),
    };
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        DraftForm.submit();
        return;
      }
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const action = SHORTCUTS[event.code];
      if (action) {
        event.preventDefault();
        action();
      }
    });
  }

  return { wire };
})();
