/** The global count of jobs waiting for a batch, as last read, and when that reading began. */
export interface QueueReading {
  jobs: number;
  limit: number;
  /** Jobs queued before this time (ms) are in `jobs`; later ones may not be. */
  readFrom: number;
}

/** Room taken for a group of jobs: how many may be admitted, and how full the queue is with them. */
export interface RoomTicket {
  granted: number;
  /** Jobs waiting, counting this process's admissions since the reading and this group's room. */
  holding: number;
  /** Of those, this process's admissions since the reading (some may have left the queue already). */
  unconfirmed: number;
  /** The group's jobs are queued (or refused): `queued` of them went into the queue. */
  done(queued: number): void;
}

/**
 * Room under the global queue limit (limits.maxQueuedJobs). The count of
 * waiting jobs is read from Redis about once a second, and a burst could pass
 * the limit many times over in between; so the jobs this process admits are
 * counted here until a reading that began after they were queued includes
 * them. Room is taken before the first await of an admission: two groups at
 * once never take the same room. Some of those jobs may have left the queue
 * already: admission reads the count again when they are what it lacks room
 * for. Replicas each add what they admit between two readings.
 */
export class QueueRoom {
  /** Room this process took: when its jobs were queued (Infinity while on their way), and how many. */
  private taken: Array<{ queuedAt: number; jobs: number }> = [];

  take(reading: QueueReading, want: number): RoomTicket {
    this.taken = this.taken.filter((t) => t.queuedAt >= reading.readFrom);
    let mine = 0;
    for (const t of this.taken) mine += t.jobs;
    const granted = Math.max(0, Math.min(want, reading.limit - reading.jobs - mine));
    const entry = { queuedAt: Infinity, jobs: granted };
    if (granted > 0) this.taken.push(entry);
    return {
      granted,
      holding: reading.jobs + mine + granted,
      unconfirmed: mine,
      done: (queued) => {
        entry.jobs = Math.min(granted, queued);
        entry.queuedAt = Date.now();
        // Nothing queued: nothing to count (and nothing kept while readings fail).
        if (entry.jobs === 0) this.taken = this.taken.filter((t) => t !== entry);
      },
    };
  }
}
