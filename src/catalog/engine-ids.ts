/** The engines gpuplan plans for (defined with the engines; re-exported for the catalog schema). */
export { ENGINE_IDS, type EngineId } from '../engines/ids.js';
