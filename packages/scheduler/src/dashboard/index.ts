export { dashboardRoutes } from './dashboard-routes.js';
export { DashboardAuth } from './dashboard-auth.js';
export { DashboardSessions } from './dashboard-sessions.js';
export { FailedLogins } from './failed-logins.js';
