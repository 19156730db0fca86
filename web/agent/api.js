// @ts-check
// The agent API (docs/architecture.md, "HTTP routes"). Every call carries the Cognito ID token as a Bearer token;
// a 401 gets one refresh-and-retry, then the page signs out.

export class ApiError extends Error {
  constructor(status, message, data = {}) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.data = data; // the JSON answer, e.g. {error: "at_capacity", load, cap} on a 409
  }
}

const enc = encodeURIComponent;

export class Api {
  constructor(base, auth, onSessionEnded) {
    this.base = base.replace(/\/$/, "");
    this.auth = auth;
    this.onSessionEnded = onSessionEnded;
  }

  /** @param {string} path @param {{ method?: string, json?: any, signal?: AbortSignal, as?: string }} [options] */
  async request(path, { method = "GET", json, signal, as = "json" } = {}) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await this.auth.freshIdToken();
      if (!token) break;
      const headers = { Authorization: `Bearer ${token}` };
      if (json !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(this.base + path, {
          method,
          headers,
          body: json === undefined ? undefined : JSON.stringify(json),
          signal,
          cache: "no-store",
          credentials: "omit",
        });
      } catch (error) {
        if (error.name === "AbortError") throw error;
        throw new ApiError(0, "network");
      }
      if (response.status === 401 && attempt === 0 && (await this.auth.refresh())) continue;
      if (response.status === 401) break;
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        throw new ApiError(response.status, typeof data.message === "string" ? data.message : "", data);
      }
      if (as === "none" || response.status === 204) return null;
      return as === "blob" ? response.blob() : response.json();
    }
    this.onSessionEnded();
    throw new ApiError(401, "signed out");
  }

  me() {
    return this.request("/api/me");
  }

  listThreads(cursor, limit = 25) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.request(`/api/threads?${query}`);
  }

  inbox(view, filters, cursor, limit = 25) {
    const query = new URLSearchParams({ view, limit: String(limit) });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    if (cursor) query.set("cursor", cursor);
    return this.request(`/api/inbox?${query}`);
  }

  counts(status = "open") {
    return this.request(`/api/inbox/counts?${new URLSearchParams({ status: status === "any" ? "open" : status })}`);
  }

  search(q, filters) {
    const query = new URLSearchParams({ q });
    for (const [name, value] of Object.entries(filters)) if (value && name !== "sort") query.set(name, value);
    return this.request(`/api/inbox/search?${query}`);
  }

  departments() {
    return this.request("/api/departments");
  }

  presence() {
    return this.request("/api/presence");
  }

  setPresence(presence) {
    return this.request("/api/presence", { method: "PUT", json: { presence } });
  }

  getThread(threadId, cursor, limit = 50) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.request(`/api/threads/${enc(threadId)}?${query}`);
  }

  sendReply(threadId, body, { confirmTakeover = false } = {}) {
    const json = confirmTakeover ? { body, confirm_takeover: true } : { body };
    return this.request(`/api/threads/${enc(threadId)}/messages`, { method: "POST", json });
  }

  media(threadId, mediaId, signal) {
    return this.request(`/api/threads/${enc(threadId)}/media/${enc(mediaId)}`, { signal, as: "blob" });
  }
}
