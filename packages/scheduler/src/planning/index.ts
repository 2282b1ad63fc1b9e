export { simulateCost, type CostResult, type CostSimulation } from './cost-simulation.js';
