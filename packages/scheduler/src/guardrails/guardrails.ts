import type { Redis } from 'ioredis';
import type { OpName } from '@nightshift/proto';
import type { Clock } from '../clock/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { AdmissionLimits, Keys } from '../jobs/index.js';
import { ERROR_WINDOW, type ModelState } from '../pricing/index.js';
import type { Alerts } from './alerts.js';
import { periodOf, previousPeriod, type Period } from './period.js';
import { limitsFor, type TenantLimits } from './tenant-limits.js';

export interface PeriodUsage extends Period {
  budget: number;
  spent: number;
  reserved: number;
  tokens: number;
  jobs: number;
}

const PERIOD_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 31 * 86_400_000 };

/**
 * The limits a tenant's jobs are held to, and what they have used: token
 * rate and budget (checked in the script that creates the records), usage
 * per period, and the alerts when spend crosses a share of the budget or a
 * cost model's error rises.
 */
export class Guardrails {
  constructor(
    private readonly config: SchedulerConfig,
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly clock: Clock,
    private readonly alerts: Alerts,
  ) {}

  limits(tenant: string): TenantLimits {
    return limitsFor(this.config, tenant);
  }

  /** The tenant's current budget period. */
  period(tenant: string): Period {
    return periodOf(this.clock.now(), this.limits(tenant).budgetPeriod);
  }

  admissionLimits(tenant: string): AdmissionLimits {
    const l = this.limits(tenant);
    const p = this.period(tenant);
    // The previous period stays readable (GetUsage) through the whole current one.
    const ttl = Math.ceil((p.end - this.clock.now() + PERIOD_MS[l.budgetPeriod] * 2) / 1000);
    return {
      tokensPerMinute: l.tokensPerMinute, budget: l.budget, periodId: p.id, ledgerTtlSeconds: ttl,
      maxQueuedJobs: l.maxQueuedJobs, maxTokensHeld: l.maxTokensHeld,
    };
  }

  async usage(tenant: string): Promise<{ current: PeriodUsage; previous: PeriodUsage }> {
    const l = this.limits(tenant);
    const now = this.clock.now();
    const read = async (p: Period): Promise<PeriodUsage> => {
      const h = await this.redis.hgetall(this.keys.ledger(tenant, p.id));
      const n = (f: string) => Math.max(0, Number(h[f] ?? 0));
      return { ...p, budget: l.budget, spent: n('spent'), reserved: n('reserved'), tokens: n('tokens'), jobs: n('jobs') };
    };
    const [current, previous] = await Promise.all([read(periodOf(now, l.budgetPeriod)), read(previousPeriod(now, l.budgetPeriod))]);
    return { current, previous };
  }

  /**
   * Alerts for each budget threshold the tenant's spend and reservations have crossed this
   * period, once each (HSETNX in its ledger decides, across replicas).
   */
  async checkBudget(tenant: string): Promise<void> {
    const l = this.limits(tenant);
    if (l.budget <= 0) return;
    const p = this.period(tenant);
    const key = this.keys.ledger(tenant, p.id);
    const thresholds = this.config.limits.alerts.budgetThresholds;
    // The flags come with the amounts: once a threshold has fired, checking it costs nothing more.
    const [s, r, ...fired] = await this.redis.hmget(key, 'spent', 'reserved', ...thresholds.map((t) => `alert:${t}`));
    const [spent, reserved] = [Number(s ?? 0), Number(r ?? 0)];
    for (const [i, t] of thresholds.entries()) {
      if (fired[i] || spent + reserved < t * l.budget) continue;
      if ((await this.redis.hsetnx(key, `alert:${t}`, String(this.clock.now()))) !== 1) continue;
      this.alerts.emit('budget', `tenant ${tenant} has used ${Math.round(t * 100)}% of its budget for ${p.id}`, {
        tenant, period: p.id, threshold: t, budget: l.budget, spent, reserved,
      });
    }
  }

  /** After a cost model learned a batch: an alert, once a day, when its recent error is above the threshold. */
  async checkModel(op: OpName, workerClass: string, state: ModelState): Promise<void> {
    const threshold = this.config.limits.alerts.modelError;
    // Judged over a whole window of batches: before that, the prior's first misses are most of the average.
    if (state.n < ERROR_WINDOW || state.mape <= threshold) return;
    const day = periodOf(this.clock.now(), 'day').id;
    const once = await this.redis.set(`${this.keys.prefix}:alerts:model:${op}:${workerClass}:${day}`, '1', 'EX', 2 * 86_400, 'NX');
    if (once !== 'OK') return;
    this.alerts.emit('model_error', `the cost model of ${op} on ${workerClass} is off by ${Math.round(state.mape * 100)}% on recent batches`, {
      op, workerClass, mape: state.mape, threshold, batches: state.n,
    });
  }
}
