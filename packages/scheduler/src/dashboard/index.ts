export { dashboardRoutes, type DashboardGuards } from './dashboard-routes.js';
export { DashboardAuth, SESSION_COOKIE } from './dashboard-auth.js';
export { DashboardSessions } from './dashboard-sessions.js';
export { FailedLogins } from './failed-logins.js';
export { originAllowed, type OriginPolicy } from './origin-check.js';
