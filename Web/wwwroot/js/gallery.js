// Gallery and detail pages: items that are still being processed update themselves. The page polls the Web app
// (which asks the Api) every few seconds, only while something is pending, and reloads once an item changes.
(() => {
  const pendingStates = new Set(["pending", "uploaded", "processing"]);
  const pending = () => [...document.querySelectorAll("[data-media-id]")]
    .filter((el) => pendingStates.has(el.dataset.status))
    .map((el) => el.dataset.mediaId);

  async function poll() {
    const ids = pending();
    if (ids.length === 0) return;
    try {
      const response = await fetch(`/uploads/status?ids=${ids.slice(0, 60).join(",")}`);
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
            if (text) text.textContent = item.status === "processing" ? "Processing…" : text.textContent;
          }
        }
      }
    } catch { /* the next poll tries again */ }
    setTimeout(poll, 2000);
  }

  setTimeout(poll, 1500);
})();
