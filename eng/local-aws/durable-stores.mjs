// Durable stores for fauxqs: what S3 and SQS never lose survives a restart of the emulator too.
//
// Why this file exists: fauxqs 1.9.2 keeps buckets, objects, queues and messages in memory only (2.x persists, but needs
// Node 22 and mishandles ChangeMessageVisibility). Postgres keeps its rows in .data/ between runs, so without this an
// emulator restart (a crash, Ctrl+C, a chaos test) would leave rows whose files and messages are gone — a failure real
// S3 and SQS never produce. fauxqs takes its stores as options; these subclasses write every change through to disk and
// load it back at start. Nothing else of fauxqs is changed.
//
// Layout under the data directory:
//   s3/<bucket>/<sha256(key)>.json   the object's key, type, metadata, ETag, date   (written after the body, so a torn
//   s3/<bucket>/<sha256(key)>.bin    the object's bytes                              write leaves no half object)
//   sqs.jsonl                         a journal: queues created or changed, messages sent, messages deleted
// Multipart uploads still open and in-flight receives are not kept: after a restart an open upload answers NoSuchUpload
// (the Api tells the client to upload again) and every undeleted message is visible again (SQS's at-least-once).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// fauxqs exports only buildApp; its store classes are loaded from the pinned package's files.
const fauxqsDist = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules", "fauxqs", "dist");
const { S3Store } = await import(path.join(fauxqsDist, "s3", "s3Store.js"));
const { SqsStore } = await import(path.join(fauxqsDist, "sqs", "sqsStore.js"));
const { SnsStore } = await import(path.join(fauxqsDist, "sns", "snsStore.js"));

/** Writes a file so that a crash leaves either the old or the new content, never half of one. */
function writeAtomically(file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

class DurableS3Store extends S3Store {
  constructor(directory) {
    super();
    this.directory = directory;
    fs.mkdirSync(directory, { recursive: true });
  }

  objectPath(bucket, key) {
    return path.join(this.directory, bucket, createHash("sha256").update(key).digest("hex"));
  }

  /** Brings the file copy of one key in line with memory: written when the object exists, removed when not. */
  sync(bucket, key) {
    const file = this.objectPath(bucket, key);
    const object = this.buckets.get(bucket)?.get(key);
    if (!object) {
      fs.rmSync(`${file}.json`, { force: true });
      fs.rmSync(`${file}.bin`, { force: true });
      return;
    }

    writeAtomically(`${file}.bin`, object.body);
    writeAtomically(`${file}.json`, JSON.stringify({
      key: object.key,
      contentType: object.contentType,
      etag: object.etag,
      lastModified: object.lastModified,
      metadata: object.metadata,
    }));
  }

  load() {
    let objects = 0;
    for (const bucket of fs.readdirSync(this.directory, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      super.createBucket(bucket.name);
      const folder = path.join(this.directory, bucket.name);
      for (const name of fs.readdirSync(folder)) {
        if (name.endsWith(".tmp")) {
          fs.rmSync(path.join(folder, name), { force: true }); // a write the last run did not finish
          continue;
        }

        if (!name.endsWith(".json")) {
          continue;
        }

        try {
          const meta = JSON.parse(fs.readFileSync(path.join(folder, name), "utf8"));
          const body = fs.readFileSync(path.join(folder, name.replace(/\.json$/, ".bin")));
          this.buckets.get(bucket.name).set(meta.key, {
            ...meta,
            body,
            contentLength: body.length,
            lastModified: new Date(meta.lastModified),
          });
          objects++;
        } catch (error) {
          console.error(`fauxqs: skipping unreadable object ${name} in ${bucket.name}: ${error.message}`);
        }
      }
    }

    return objects;
  }

  createBucket(name) {
    super.createBucket(name);
    fs.mkdirSync(path.join(this.directory, name), { recursive: true });
  }

  deleteBucket(name) {
    super.deleteBucket(name);
    fs.rmSync(path.join(this.directory, name), { recursive: true, force: true });
  }

  putObject(bucket, key, ...rest) {
    const object = super.putObject(bucket, key, ...rest);
    this.sync(bucket, key);
    return object;
  }

  deleteObject(bucket, key) {
    super.deleteObject(bucket, key);
    this.sync(bucket, key);
  }

  completeMultipartUpload(uploadId, parts) {
    const object = super.completeMultipartUpload(uploadId, parts);
    for (const [bucket, objects] of this.buckets) {
      if (objects.get(object.key) === object) {
        this.sync(bucket, object.key);
      }
    }

    return object;
  }

  emptyBucket(name) {
    super.emptyBucket(name);
    if (this.buckets.has(name)) {
      this.resetFolder(name);
    }
  }

  clearObjects() {
    super.clearObjects();
    for (const name of this.buckets.keys()) {
      this.resetFolder(name);
    }
  }

  purgeAll() {
    super.purgeAll();
    fs.rmSync(this.directory, { recursive: true, force: true });
    fs.mkdirSync(this.directory, { recursive: true });
  }

  resetFolder(bucket) {
    fs.rmSync(path.join(this.directory, bucket), { recursive: true, force: true });
    fs.mkdirSync(path.join(this.directory, bucket), { recursive: true });
  }
}

class DurableSqsStore extends SqsStore {
  constructor(journalFile) {
    super();
    this.journalFile = journalFile;
    this.replaying = false;
    this.recorded = 0;
  }

  record(entry) {
    if (this.replaying) {
      return;
    }

    fs.appendFileSync(this.journalFile, `${JSON.stringify(entry)}\n`);
    // Every message adds two lines (sent, deleted); rewrite the journal from memory now and then so it stays small.
    if (++this.recorded >= 20_000) {
      this.compact();
    }
  }

  /** Rewrites the journal as what memory holds now: the queues, and every message not deleted. */
  compact() {
    const lines = [];
    for (const queue of this.queues.values()) {
      lines.push(JSON.stringify({ op: "queue", name: queue.name, url: queue.url, arn: queue.arn, attributes: queue.attributes, tags: Object.fromEntries(queue.tags) }));
    }

    for (const queue of this.queues.values()) {
      const { ready, delayed, inflight } = queue.inspectMessages();
      for (const message of [...ready, ...delayed, ...inflight.map((entry) => entry.message)]) {
        lines.push(JSON.stringify({ op: "send", queue: queue.name, message }));
      }
    }

    writeAtomically(this.journalFile, lines.length > 0 ? `${lines.join("\n")}\n` : "");
    this.recorded = 0;
  }

  createQueue(name, url, arn, attributes, tags) {
    const queue = super.createQueue(name, url, arn, attributes, tags);
    this.record({ op: "queue", name, url, arn, attributes: queue.attributes, tags: Object.fromEntries(queue.tags) });
    const store = this;
    const { enqueue, deleteMessage, setAttributes, purge } = queue;
    queue.enqueue = function (message) {
      store.record({ op: "send", queue: name, message });
      return enqueue.call(this, message);
    };
    queue.deleteMessage = function (receiptHandle) {
      const entry = this.inflightMessages.get(receiptHandle);
      const deleted = deleteMessage.call(this, receiptHandle);
      if (entry) {
        store.record({ op: "delete", queue: name, messageId: entry.message.messageId });
      }

      return deleted;
    };
    queue.setAttributes = function (changed) {
      setAttributes.call(this, changed);
      store.record({ op: "attributes", name, attributes: this.attributes });
    };
    queue.purge = function () {
      purge.call(this);
      store.record({ op: "purge", name });
    };
    return queue;
  }

  deleteQueue(url) {
    const queue = this.queues.get(url);
    const deleted = super.deleteQueue(url);
    if (queue) {
      this.record({ op: "drop", name: queue.name });
    }

    return deleted;
  }

  purgeAll() {
    super.purgeAll();
    this.record({ op: "reset" });
  }

  /** Replays the journal: queues as last configured, and every message sent and not deleted, in sending order. */
  load() {
    const queues = new Map();
    const messages = new Map(); // messageId → { queue, message }; Map keeps the order of first sending
    if (fs.existsSync(this.journalFile)) {
      for (const line of fs.readFileSync(this.journalFile, "utf8").split("\n")) {
        let entry;
        try {
          entry = line && JSON.parse(line);
        } catch {
          continue; // the last line of a run killed mid-write
        }

        switch (entry?.op) {
          case "queue":
            queues.set(entry.name, { ...entry });
            break;
          case "attributes":
            if (queues.has(entry.name)) {
              queues.get(entry.name).attributes = entry.attributes;
            }
            break;
          case "send":
            // A message moved to the dead-letter queue is sent there again: the later queue wins.
            messages.delete(entry.message.messageId);
            messages.set(entry.message.messageId, { queue: entry.queue, message: entry.message });
            break;
          case "delete":
            if (messages.get(entry.messageId)?.queue === entry.queue) {
              messages.delete(entry.messageId);
            }
            break;
          case "purge":
          case "drop":
            for (const [id, kept] of messages) {
              if (kept.queue === entry.name) {
                messages.delete(id);
              }
            }
            if (entry.op === "drop") {
              queues.delete(entry.name);
            }
            break;
          case "reset":
            queues.clear();
            messages.clear();
            break;
        }
      }
    }

    // Rebuild memory without journaling, then write the compacted journal in one piece.
    this.replaying = true;
    try {
      for (const queue of queues.values()) {
        this.createQueue(queue.name, queue.url, queue.arn, queue.attributes, queue.tags);
      }

      for (const { queue, message } of messages.values()) {
        const target = this.getQueueByName(queue);
        target?.enqueue({ ...message, delayUntil: undefined });
      }
    } finally {
      this.replaying = false;
    }

    this.compact();
    let restored = 0;
    for (const queue of this.queues.values()) {
      restored += queue.inspectMessages().ready.length;
    }

    return { queues: this.queues.size, messages: restored };
  }
}

/** True while a process with this id runs this emulator (a pid file can outlive its process and its pid be reused). */
function isEmulator(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("server.mjs");
  } catch {
    return false;
  }
}

/**
 * One emulator per data directory: two would overwrite each other's journal. An earlier one that is still stopping
 * (Ctrl+C, then a new run at once) gets a few seconds to finish; one that keeps running is named, with what to do.
 */
function claim(directory) {
  const pidFile = path.join(directory, "server.pid");
  const earlier = Number.parseInt(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8") : "", 10);
  if (Number.isInteger(earlier) && earlier !== process.pid && isEmulator(earlier)) {
    const deadline = Date.now() + 15_000;
    console.log(`fauxqs: an earlier emulator (pid ${earlier}) still uses ${directory}; waiting for it to stop`);
    while (isEmulator(earlier) && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }

    if (isEmulator(earlier)) {
      console.error(`fauxqs: the emulator with pid ${earlier} still uses ${directory}. Another AppHost may be running on the ` +
        `same data folder: stop it (Ctrl+C), or stop that process with \`kill ${earlier}\`, then start again.`);
      process.exit(3);
    }
  }

  writeAtomically(pidFile, String(process.pid));
}

/** Stores that keep their state in <paramref name="directory"/>, loaded now. */
export function openDurableStores(directory) {
  fs.mkdirSync(directory, { recursive: true });
  claim(directory);
  const s3Store = new DurableS3Store(path.join(directory, "s3"));
  const sqsStore = new DurableSqsStore(path.join(directory, "sqs.jsonl"));
  const objects = s3Store.load();
  const { queues, messages } = sqsStore.load();
  console.log(`fauxqs: state in ${directory}: ${s3Store.buckets.size} bucket(s), ${objects} object(s), ${queues} queue(s), ${messages} message(s)`);
  return { s3Store, sqsStore, snsStore: new SnsStore() };
}
