// @ts-check
// Live updates by polling (docs/decisions.md, 6): one tick every ~1.5 s while the tab is visible, never two at once,
// paused while hidden, exponential backoff with jitter on errors, and a status callback for the connection banner.

export class Poller {
  /** @param {() => Promise<void>} tick
   * @param {{ interval?: number, maxDelay?: number, onHealth?: (health: any) => void }} [options] */
  constructor(tick, { interval = 1500, maxDelay = 30_000, onHealth = () => {} } = {}) {
    this.tick = tick;
    this.interval = interval;
    this.maxDelay = maxDelay;
    this.onHealth = onHealth;
    this.failures = 0;
    this.timer = null;
    this.running = false;
    this.inFlight = false;
    this.onVisibility = () => {
      if (document.hidden) this.clearTimer();
      else this.now();
    };
  }

  start() {
    if (this.running) return;
    this.running = true;
    document.addEventListener("visibilitychange", this.onVisibility);
    this.now();
  }

  stop() {
    this.running = false;
    this.clearTimer();
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  /** Poll as soon as possible (after the tick in flight, if any). */
  now() {
    this.schedule(0);
  }

  clearTimer() {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
  }

  schedule(delay) {
    this.clearTimer();
    if (!this.running || document.hidden) return;
    this.timer = window.setTimeout(() => this.run(), delay);
  }

  async run() {
    this.timer = null;
    if (this.inFlight) {
      this.pendingNow = true;
      return;
    }
    this.inFlight = true;
    let delay = this.interval;
    try {
      await this.tick();
      if (this.failures > 0) this.onHealth({ ok: true, recovered: true });
      this.failures = 0;
    } catch (error) {
      if (error && error.status === 401) return; // the session ended; the app stops this poller
      if (!(error && "status" in error)) console.warn("poll failed", error); // a bug, not the network: say so
      this.failures += 1;
      const backoff = Math.min(this.maxDelay, this.interval * 2 ** this.failures);
      delay = Math.round(backoff * (0.5 + Math.random() / 2));
      this.onHealth({ ok: false, retryInMs: delay, failures: this.failures });
    } finally {
      this.inFlight = false;
    }
    if (this.pendingNow && this.failures === 0) delay = 0;
    this.pendingNow = false;
    this.schedule(delay);
  }
}
