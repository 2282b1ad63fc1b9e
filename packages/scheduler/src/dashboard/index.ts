export { dashboardRoutes } from './dashboard-routes.js';
export { DashboardAuth, KEY_COOKIE } from './dashboard-auth.js';
