import { RecordStore1732500000000 } from './1732500000000-record-store';

/** Every migration, in order. Listed explicitly so the same list works compiled and under ts-jest. */
export const MIGRATIONS = [RecordStore1732500000000];
