// Upload page: each file goes straight from the browser to S3 through presigned URLs (the Web and Api never see
// the bytes), with a real progress bar from XHR upload events (fetch has none), then is reported complete and
// followed until it is processed. A large file comes back from the Api as a multipart upload: its slices go to their
// own URLs, a few at a time, each retried once, and the ETag of each is reported with complete. No build step: plain
// modern JavaScript.
(() => {
  // Enough to keep the connection busy while one part waits for its answer, few enough not to starve the page.
  const PARALLEL_PARTS = 3;
  const RETRY_DELAY_MS = 1000;
  const form = document.querySelector("[data-upload]");
  const input = form.querySelector("input[type=file]");
  const list = document.querySelector("[data-upload-list]");
  const antiforgery = form.dataset.antiforgery;
  // The status names and words, as the page rendered them from the Web's MediaStatusWords.
  const { status, words } = JSON.parse(document.querySelector("[data-media-statuses]").dataset.mediaStatuses);

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

  // One PUT to a presigned URL. Resolves with the ETag storage answered with (S3's bucket CORS rules, and the local
  // emulator's CORS hook, expose it). onProgress gets the bytes sent so far.
  function putToStorage(url, body, contentType, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      if (contentType) xhr.setRequestHeader("Content-Type", contentType);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded);
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
        ? resolve(xhr.getResponseHeader("ETag"))
        : reject(new Error(storageRefusal(xhr.status))));
      xhr.onerror = () => reject(new Error("The connection to storage failed."));
      xhr.send(body);
    });
  }

  function storageRefusal(status) {
    // 403: the link expired, or the body is not the size the link was signed for (the file changed since it was chosen).
    if (status === 403) return "Storage refused the upload; the upload link may have expired or the file changed. Please try again.";
    if (status === 413) return "Storage refused the file as too large.";
    return `Storage could not take the file (status ${status}). Please try again.`;
  }

  // A multipart upload: part n is bytes [(n-1)·partSize, n·partSize) of the file. Parts carry no Content-Type (the
  // object's type was fixed when the upload started). Returns [{ partNumber, eTag }] for complete.
  async function putParts(ticket, file, onProgress) {
    const parts = ticket.parts;
    const sent = new Array(parts.length).fill(0);
    const report = () => onProgress(sent.reduce((sum, bytes) => sum + bytes, 0));
    const done = new Array(parts.length);
    let next = 0;
    let failed = false;

    async function putPart(index) {
      const part = parts[index];
      const start = (part.partNumber - 1) * ticket.partSize;
      const slice = file.slice(start, Math.min(start + ticket.partSize, file.size));
      for (let attempt = 1; ; attempt++) {
        try {
          const eTag = await putToStorage(part.url, slice, null, (bytes) => { sent[index] = bytes; report(); });
          if (!eTag) throw new Error("Storage did not reveal the part's ETag (its CORS rules must expose the ETag header).");
          sent[index] = slice.size;
          report();
          return { partNumber: part.partNumber, eTag };
        } catch (error) {
          sent[index] = 0;
          report();
          if (attempt >= 2 || failed) {
            throw new Error(`Part ${part.partNumber} of ${parts.length} could not be uploaded. ${error.message}`);
          }
          // Once more after a moment: a dropped connection or a busy storage node usually answers the second time.
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        }
      }
    }

    // A few lanes take the next part until none is left; after a failure no lane starts another part.
    async function lane() {
      while (!failed && next < parts.length) {
        const index = next++;
        try {
          done[index] = await putPart(index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }

    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, parts.length) }, lane));
    return done;
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
      // One bar per file, over all of its parts; it only reaches 100 once storage has every byte.
      const onProgress = (bytes) => { view.progress.value = Math.min(99, Math.floor((bytes / file.size) * 100)); };
      if (ticket.parts) {
        const parts = await putParts(ticket, file, onProgress);
        view.progress.value = 100;
        await post(`/uploads/${ticket.id}/complete`, { parts });
      } else {
        // One PUT, with the type the URL was signed for.
        await putToStorage(ticket.uploadUrl, file, file.type, onProgress);
        view.progress.value = 100;
        await post(`/uploads/${ticket.id}/complete`);
      }
      view.li.dataset.status = status.uploaded;
      view.status.textContent = words[status.uploaded];
      follow(ticket.id, view);
    } catch (error) {
      view.li.dataset.status = status.failed;
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
      view.status.textContent = item.status === status.failed && item.failureReason
        ? `${words[status.failed]}: ${item.failureReason}` : (words[item.status] || item.status);
      if (item.status === status.ready || item.status === status.failed) {
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
