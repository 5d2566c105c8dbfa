import { RecordStore1732500000000 } from './1732500000000-record-store';
import { PatientAttachment1732550000000 } from './1732550000000-patient-attachment';
import { Audit1732700000000 } from './1732700000000-audit';

/** Every migration, in order. Listed explicitly so the same list works compiled and under ts-jest. */
export const MIGRATIONS = [RecordStore1732500000000, PatientAttachment1732550000000, Audit1732700000000];
