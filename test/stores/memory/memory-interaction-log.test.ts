import { MemoryInteractionLog } from '../../../src/stores/memory/memory-interaction-log.js';
import { describeInteractionLogContract } from '../interaction-log.contract.js';

describeInteractionLogContract('memory', ({ maxSize }) => new MemoryInteractionLog(maxSize));
