// The calendar lives below pricing (which quotes by its openings); windows re-exports it for those that plan by it.
export { Calendar, validCron, validTimezone, type WindowSpec, type Opening } from '../calendar/index.js';
export { place, cheapestOpen, type Placement, type DeferralPolicy, type Capacity } from './deferral.js';
export { DeferredLoad } from './deferred-load.js';
export { WindowEvents, type WindowHandlers } from './window-events.js';
export { DeferredWork } from './deferred-work.js';
export { afterHandBack, canWaitForSpot, type SpotPolicy, type SpotJob } from './spot-policy.js';
