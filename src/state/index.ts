export { CHECKPOINT_VERSION, type Checkpoint, CheckpointStore } from './checkpoint-store.js';
