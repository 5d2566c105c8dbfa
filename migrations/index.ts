import { RecordStore1732500000000 } from './1732500000000-record-store';
import { PatientAttachment1732550000000 } from './1732550000000-patient-attachment';
import { SearchIndexes1732600000000 } from './1732600000000-search-indexes';
import { Everything1732650000000 } from './1732650000000-everything';
import { Audit1732700000000 } from './1732700000000-audit';
import { PatientIdentity1732800000000 } from './1732800000000-patient-identity';
import { BulkExport1732900000000 } from './1732900000000-bulk-export';
import { PartitionByPatient1733000000000 } from './1733000000000-partition-by-patient';
import { BulkExportReadLsn1733100000000 } from './1733100000000-bulk-export-read-lsn';

/** Every migration, in order. Listed explicitly so the same list works compiled and under ts-jest. */
export const MIGRATIONS = [RecordStore1732500000000, PatientAttachment1732550000000, SearchIndexes1732600000000, Everything1732650000000, Audit1732700000000, PatientIdentity1732800000000, BulkExport1732900000000, PartitionByPatient1733000000000, BulkExportReadLsn1733100000000];
