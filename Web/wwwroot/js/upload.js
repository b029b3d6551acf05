// Upload page: each file goes straight from the browser to S3 through a presigned URL (the Web and Api never see
// the bytes), with a real progress bar from XHR upload events (fetch has none), then is reported complete and
// followed until it is processed. No build step: plain modern JavaScript.
(() => {
  const form = document.querySelector("[data-upload]");
  const input = form.querySelector("input[type=file]");
  const list = document.querySelector("[data-upload-list]");
  const antiforgery = form.dataset.antiforgery;
  const statusText = {
    pending: "Waiting for upload", uploaded: "Queued", processing: "Processing…",
    ready: "Ready", failed: "Could not be processed",
  };

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "RequestVerificationToken": antiforgery },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { location.href = "/account/login?expired=1&returnUrl=/upload"; throw new Error("Signed out"); }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || problem.title || "The upload could not be started.");
    }
    return response.status === 204 ? null : response.json();
  }

  function putToStorage(url, file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("Content-Type", file.type);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`Storage answered ${xhr.status}.`)));
      xhr.onerror = () => reject(new Error("The connection to storage failed."));
      xhr.send(file);
    });
  }

  function row(file) {
    const li = document.createElement("li");
    li.className = "upload";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Upload progress of ${file.name}`);
    const status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    status.textContent = "Starting…";
    li.append(name, progress, status);
    list.prepend(li);
    return { li, progress, status };
  }

  async function upload(file) {
    const view = row(file);
    try {
      const ticket = await post("/uploads", { fileName: file.name, contentType: file.type || "application/octet-stream", size: file.size });
      view.li.dataset.mediaId = ticket.id;
      view.status.textContent = "Uploading…";
      await putToStorage(ticket.uploadUrl, file, (fraction) => { view.progress.value = Math.round(fraction * 100); });
      view.progress.value = 100;
      await post(`/uploads/${ticket.id}/complete`);
      view.li.dataset.status = "uploaded";
      view.status.textContent = statusText.uploaded;
      follow(ticket.id, view);
    } catch (error) {
      view.li.dataset.status = "failed";
      view.li.classList.add("upload-failed");
      view.status.textContent = error.message;
    }
  }

  // Polls the item's status until it is ready or failed, then links to it.
  async function follow(id, view) {
    for (let attempt = 0; attempt < 300; attempt++) {
      await new Promise((r) => setTimeout(r, attempt < 10 ? 1000 : 3000));
      const response = await fetch(`/uploads/status?ids=${id}`);
      if (!response.ok) continue;
      const [item] = await response.json();
      if (!item) continue;
      view.li.dataset.status = item.status;
      view.status.textContent = item.status === "failed" && item.failureReason
        ? `${statusText.failed}: ${item.failureReason}` : (statusText[item.status] || item.status);
      if (item.status === "ready" || item.status === "failed") {
        const link = document.createElement("a");
        link.href = `/media/${id}`;
        link.textContent = "View";
        view.li.append(link);
        return;
      }
    }
  }

  const start = (files) => [...files].forEach(upload);
  input.addEventListener("change", () => { start(input.files); input.value = ""; });
  form.addEventListener("dragover", (e) => { e.preventDefault(); form.classList.add("dragging"); });
  form.addEventListener("dragleave", () => form.classList.remove("dragging"));
  form.addEventListener("drop", (e) => { e.preventDefault(); form.classList.remove("dragging"); start(e.dataTransfer.files); });
})();
