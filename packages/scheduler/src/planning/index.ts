export { simulateCost, type CostResult, type CostSimulation, type TraceJob } from './cost-simulation.js';
export { readTrace } from './trace.js';
export { readWorkload, WorkloadError, type Workload } from './workload.js';
export { planFleets, planFleetsOnThreads, sizes, type Fleet, type FleetPlan, type PlanTargets } from './plan-fleets.js';
export { planChart } from './plan-chart.js';
