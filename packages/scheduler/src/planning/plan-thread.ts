// One fleet of a plan's sweep, on a thread of its own (see planFleetsOnThreads).
import { simulateCost, type CostResult, type CostSimulation, type TraceJob } from './cost-simulation.js';

export default function simulateFleet(task: { simulation: CostSimulation; trace?: TraceJob[] }): CostResult {
  return simulateCost(task.simulation, task.trace);
}
