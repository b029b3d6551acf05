// Gallery and detail pages: items that are still being processed update themselves. The page polls the Web app
// (which asks the Api) every few seconds, only while something is pending, and reloads once an item changes.
(() => {
  // The status names and words, as the page rendered them from the Web's MediaStatusWords.
  const { status, words, waiting, maxIds } = JSON.parse(document.querySelector("[data-media-statuses]").dataset.mediaStatuses);
  const pendingStates = new Set(waiting);
  const pending = () => [...document.querySelectorAll("[data-media-id]")]
    .filter((el) => pendingStates.has(el.dataset.status))
    .map((el) => el.dataset.mediaId);

  async function poll() {
    const ids = pending();
    if (ids.length === 0) return;
    try {
      const response = await fetch(`/uploads/status?ids=${ids.slice(0, maxIds).join(",")}`);
      if (response.ok) {
        const items = await response.json();
        if (items.some((item) => !pendingStates.has(item.status))) {
          location.reload();
          return;
        }
        for (const item of items) {
          const el = document.querySelector(`[data-media-id="${item.id}"]`);
          if (el && el.dataset.status !== item.status) {
            el.dataset.status = item.status;
            const text = el.querySelector("[data-status-text]");
            if (text) text.textContent = item.status === status.processing ? words[status.processing] : text.textContent;
          }
        }
      }
    } catch { /* the next poll tries again */ }
    setTimeout(poll, 2000);
  }

  setTimeout(poll, 1500);
})();
