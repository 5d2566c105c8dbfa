import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Declarative partitioning of the large tables by RANGE (rid), one partition per partition key
 * (src/fhir/store/partition-key.ts, docs/SCALING.md): rid = ((pkey + 1) << 48) | n, so one
 * patient's compartment (current rows, versions, index and compartment rows) lives in one
 * partition, and every join on rid keeps working with partition pruning.
 *
 * Existing data is not copied: each table becomes the `_legacy` partition [0, 2^48) of a new
 * partitioned table of the same name (ATTACH checks the range with one scan), and its indexes
 * become partitions of the parent's. All in the migration's one transaction.
 *
 * Global uniqueness of (resource_type, id) cannot be an index of a table partitioned by rid:
 * `resource_key` (resource_type, id) -> rid, unpartitioned, written in the same statement as
 * the resource (batch-writer.ts), keeps it, and its primary key is what a concurrent create of
 * the same id now collides on. rids come from `resource_rid_seq`, continuing the identity.
 * `resource_moved` lists the partitions outside a patient's own that hold resources an update
 * moved to that patient (their rid never changes), for searches bounded to one patient.
 */
export const PARTITIONS = 16;
const SHIFT = 2n ** 48n;
const TABLES = [
  'resource', 'resource_version', 'resource_compartment',
  'sp_token', 'sp_string', 'sp_date', 'sp_reference', 'sp_quantity', 'sp_number', 'sp_uri',
];

/** The indexes of each table, as migrations 1732500000000..1732650000000 left them (parent definitions). */
const INDEXES: Record<string, string[]> = {
  resource: [
    'CREATE INDEX resource_type_id_idx ON resource (resource_type, id)',
    'CREATE INDEX resource_type_updated_idx ON resource (resource_type, last_updated, rid)',
    'CREATE INDEX resource_index_version_idx ON resource (index_version, rid)',
  ],
  resource_version: [
    'CREATE INDEX resource_version_type_updated_idx ON resource_version (resource_type, last_updated)',
    'CREATE INDEX resource_version_updated_idx ON resource_version (last_updated)',
  ],
  resource_compartment: [
    'CREATE INDEX resource_compartment_patient_idx ON resource_compartment (patient_id, resource_type, rid)',
    'CREATE INDEX resource_compartment_rid_idx ON resource_compartment (rid)',
  ],
  sp_token: [
    'CREATE INDEX sp_token_code_idx ON sp_token (resource_type, param, code, system, rid)',
    'CREATE INDEX sp_token_rid_idx ON sp_token (rid)',
  ],
  sp_string: [
    'CREATE INDEX sp_string_norm_idx ON sp_string (resource_type, param, norm text_pattern_ops)',
    'CREATE INDEX sp_string_rid_idx ON sp_string (rid)',
    'CREATE INDEX sp_string_norm_trgm_idx ON sp_string USING gin (norm gin_trgm_ops)',
  ],
  sp_date: [
    'CREATE INDEX sp_date_low_idx ON sp_date (resource_type, param, low, high)',
    'CREATE INDEX sp_date_high_idx ON sp_date (resource_type, param, high, low, rid)',
    'CREATE INDEX sp_date_rid_idx ON sp_date (rid)',
  ],
  sp_reference: [
    'CREATE INDEX sp_reference_target_idx ON sp_reference (target_id, target_type, resource_type, param, rid)',
    'CREATE INDEX sp_reference_url_idx ON sp_reference (url) WHERE url IS NOT NULL',
    'CREATE INDEX sp_reference_rid_idx ON sp_reference (rid)',
  ],
  sp_quantity: [
    'CREATE INDEX sp_quantity_value_idx ON sp_quantity (resource_type, param, value)',
    'CREATE INDEX sp_quantity_rid_idx ON sp_quantity (rid)',
  ],
  sp_number: [
    'CREATE INDEX sp_number_value_idx ON sp_number (resource_type, param, value)',
    'CREATE INDEX sp_number_rid_idx ON sp_number (rid)',
  ],
  sp_uri: [
    'CREATE INDEX sp_uri_value_idx ON sp_uri (resource_type, param, value)',
    'CREATE INDEX sp_uri_rid_idx ON sp_uri (rid)',
  ],
};

const indexName = (ddl: string) => /INDEX (\S+) ON/.exec(ddl)![1];

export class PartitionByPatient1733000000000 implements MigrationInterface {
  name = 'PartitionByPatient1733000000000';

  async up(q: QueryRunner): Promise<void> {
    // The identity becomes a plain sequence that continues it: new n never collide with old rids.
    const [{ seq }] = await q.query(`SELECT pg_get_serial_sequence('resource', 'rid') AS seq`);
    const [{ next }] = await q.query(
      `SELECT greatest(coalesce((SELECT max(rid) FROM resource), 0), coalesce((SELECT last_value FROM pg_sequences WHERE schemaname || '.' || sequencename = $1), 0)) + 1 AS next`,
      [seq],
    );
    // Dropping the identity drops its sequence (also named resource_rid_seq); the new one continues it.
    await q.query(`ALTER TABLE resource ALTER COLUMN rid DROP IDENTITY`);
    await q.query(`CREATE SEQUENCE resource_rid_seq AS bigint MAXVALUE ${SHIFT - 1n}`);
    await q.query(`SELECT setval('resource_rid_seq', $1, false)`, [next]);
    await q.query(`ALTER TABLE resource DROP CONSTRAINT resource_type_id_key`);

    await q.query(`
      CREATE TABLE resource_key (
        resource_type text   NOT NULL,
        id            text   NOT NULL,
        rid           bigint NOT NULL,
        PRIMARY KEY (resource_type, id)
      )`);
    await q.query(`INSERT INTO resource_key (resource_type, id, rid) SELECT resource_type, id, rid FROM resource`);
    // A patient whose resources (moved to them by an update) kept a rid in another partition.
    await q.query(`
      CREATE TABLE resource_moved (
        patient_id text     NOT NULL,
        pkey       smallint NOT NULL,
        PRIMARY KEY (patient_id, pkey)
      )`);

    for (const t of TABLES) {
      const legacy = `${t}_legacy`;
      await q.query(`ALTER TABLE ${t} RENAME TO ${legacy}`);
      for (const ddl of INDEXES[t]) {
        const name = indexName(ddl);
        await q.query(`ALTER INDEX IF EXISTS ${name} RENAME TO ${name.replace(t, legacy)}`);
      }
      await q.query(`CREATE TABLE ${t} (LIKE ${legacy} INCLUDING DEFAULTS) PARTITION BY RANGE (rid)`);
      if (t === 'resource') {
        await q.query(`ALTER TABLE resource_legacy RENAME CONSTRAINT resource_pkey TO resource_legacy_pkey`);
        await q.query(`ALTER TABLE resource ADD PRIMARY KEY (rid)`);
        await q.query(`ALTER TABLE resource ALTER COLUMN rid SET DEFAULT nextval('resource_rid_seq')`);
      }
      if (t === 'resource_version') {
        await q.query(`ALTER TABLE resource_version_legacy RENAME CONSTRAINT resource_version_pkey TO resource_version_legacy_pkey`);
        await q.query(`ALTER TABLE resource_version ADD PRIMARY KEY (rid, version_id)`);
      }
      // The range check of ATTACH is one scan; a validated CHECK lets it skip that scan, but costs the same scan.
      await q.query(`ALTER TABLE ${t} ATTACH PARTITION ${legacy} FOR VALUES FROM (0) TO (${SHIFT})`);
      for (let k = 0; k < PARTITIONS; k++) {
        const lo = BigInt(k + 1) * SHIFT;
        await q.query(`CREATE TABLE ${t}_p${String(k).padStart(2, '0')} PARTITION OF ${t} FOR VALUES FROM (${lo}) TO (${lo + SHIFT})`);
      }
      // On a partitioned table CREATE INDEX attaches the legacy partition's equal index instead of building one.
      for (const ddl of INDEXES[t]) {
        if (t === 'resource' && indexName(ddl) === 'resource_type_id_idx') {
          await q.query(`CREATE INDEX resource_legacy_type_id_idx ON resource_legacy (resource_type, id)`);
        }
        await q.query(ddl);
      }
    }
    await q.query(`ALTER SEQUENCE resource_rid_seq OWNED BY resource.rid`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionByPatient1733000000000 is not reversible: restore from a backup taken before it');
  }
}
