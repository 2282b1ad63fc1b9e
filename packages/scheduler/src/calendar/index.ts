export { Calendar, validCron, validTimezone, type WindowSpec, type Opening } from './calendar.js';
